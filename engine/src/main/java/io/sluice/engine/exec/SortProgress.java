package io.sluice.engine.exec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Druid's {@code sortProgress} counter: merge levels (level 0 = the sorted runs, then intermediate merge levels,
 * then the final merge), batches per level, and a progress digest in [0, 1]. {@code -1} means not yet known.
 */
public record SortProgress(
        int totalMergingLevels,
        Map<Integer, Long> levelToTotalBatches,
        Map<Integer, Long> levelToMergedBatches,
        int totalMergersForUltimateLevel,
        double progressDigest,
        boolean triviallyComplete) {
    public SortProgress {
        levelToTotalBatches = Map.copyOf(levelToTotalBatches);
        levelToMergedBatches = Map.copyOf(levelToMergedBatches);
        if (progressDigest < 0 || progressDigest > 1) {
            throw new IllegalArgumentException("progressDigest out of range: " + progressDigest);
        }
    }

    /** Nothing to sort (no key, or no rows). */
    public static SortProgress trivial() {
        return new SortProgress(-1, Map.of(), Map.of(), -1, 1.0, true);
    }

    /** Not started yet. */
    public static SortProgress notStarted() {
        return new SortProgress(-1, Map.of(), Map.of(), -1, 0.0, false);
    }

    /** The counter JSON: {@code {"type":"sortProgress", …}}; {@code triviallyComplete} only when true. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "sortProgress");
        m.put("totalMergingLevels", totalMergingLevels);
        m.put("levelToTotalBatches", stringKeys(levelToTotalBatches));
        m.put("levelToMergedBatches", stringKeys(levelToMergedBatches));
        m.put("totalMergersForUltimateLevel", totalMergersForUltimateLevel);
        if (triviallyComplete) {
            m.put("triviallyComplete", true);
        }
        m.put("progressDigest", progressDigest);
        return m;
    }

    private static Map<String, Long> stringKeys(Map<Integer, Long> in) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, Long> e : new TreeMap<>(in).entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue());
        }
        return out;
    }
}
