package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.Intervals;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A published (or to-be-published) segment: its identity (datasource, interval, version, partition), shard spec,
 * stored columns and where its file lives in deep storage.
 *
 * @param shardSpecType {@code "numbered"}, {@code "range"} or {@code "tombstone"}
 * @param columns stored columns, {@code __time} included, with their types
 * @param metrics names of the rollup metric columns (a subset of {@code columns})
 * @param loadSpecPath deep-storage path of the segment file (empty for tombstones)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DataSegment(
        String dataSource,
        long start,
        long end,
        String version,
        int partitionNum,
        String shardSpecType,
        int numCorePartitions,
        List<ColumnSignature> columns,
        List<String> metrics,
        long size,
        long numRows,
        String loadSpecPath) {
    public static final String NUMBERED = "numbered";
    public static final String RANGE = "range";
    public static final String TOMBSTONE = "tombstone";
    private static final Set<String> SHARD_TYPES = Set.of(NUMBERED, RANGE, TOMBSTONE);

    public DataSegment {
        requireNonNull(dataSource, "dataSource is null");
        requireNonNull(version, "version is null");
        requireNonNull(shardSpecType, "shardSpecType is null");
        requireNonNull(loadSpecPath, "loadSpecPath is null");
        if (!SHARD_TYPES.contains(shardSpecType)) {
            throw new IllegalArgumentException("Unknown shardSpec type [" + shardSpecType + "]");
        }
        if (end <= start) {
            throw new IllegalArgumentException("Empty interval [" + start + ", " + end + ")");
        }
        if (partitionNum < 0) {
            throw new IllegalArgumentException("partitionNum must be >= 0");
        }
        columns = columns == null ? List.of() : List.copyOf(columns);
        metrics = metrics == null ? List.of() : List.copyOf(metrics);
    }

    /** A tombstone marking [start, end) as empty for {@code version} (REPLACE of a chunk that got no rows). */
    public static DataSegment tombstone(String dataSource, long start, long end, String version) {
        return new DataSegment(dataSource, start, end, version, 0, TOMBSTONE, 1, List.of(), List.of(), 0, 0, "");
    }

    @JsonIgnore
    public boolean isTombstone() {
        return TOMBSTONE.equals(shardSpecType);
    }

    /** Druid's segment id: {@code <ds>_<start>_<end>_<version>[_<partitionNum>]}. */
    public String identifier() {
        String base = dataSource + "_" + Intervals.formatInstant(start) + "_" + Intervals.formatInstant(end) + "_"
                + version;
        return partitionNum > 0 ? base + "_" + partitionNum : base;
    }

    public String interval() {
        return Intervals.format(start, end);
    }

    /** Stored dimension names: every column but {@code __time} and the metrics. */
    public List<String> dimensionNames() {
        List<String> out = new ArrayList<>();
        for (ColumnSignature c : columns) {
            if (!c.name().equals("__time") && !metrics.contains(c.name())) {
                out.add(c.name());
            }
        }
        return out;
    }

    /** Druid's DataSegment JSON, as served by the segment APIs. */
    public ObjectNode toDruidJson(ObjectMapper mapper) {
        ObjectNode n = mapper.createObjectNode();
        n.put("dataSource", dataSource);
        n.put("interval", interval());
        n.put("version", version);
        ObjectNode load = n.putObject("loadSpec");
        if (isTombstone()) {
            load.put("type", "tombstone");
        } else {
            load.put("type", "local");
            load.put("path", loadSpecPath);
        }
        n.put("dimensions", String.join(",", dimensionNames()));
        n.put("metrics", String.join(",", metrics));
        ObjectNode shard = n.putObject("shardSpec");
        switch (shardSpecType) {
            case TOMBSTONE -> {
                shard.put("type", TOMBSTONE);
                shard.put("partitionNum", 0);
                shard.put("partitions", 1);
            }
            case RANGE -> {
                shard.put("type", RANGE);
                shard.putArray("dimensions");
                shard.putNull("start");
                shard.putNull("end");
                shard.put("partitionNum", partitionNum);
                shard.put("numCorePartitions", numCorePartitions);
            }
            default -> {
                shard.put("type", NUMBERED);
                shard.put("partitionNum", partitionNum);
                shard.put("partitions", numCorePartitions);
            }
        }
        n.put("binaryVersion", 9);
        n.put("size", size);
        n.put("identifier", identifier());
        return n;
    }
}
