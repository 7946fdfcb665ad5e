package io.sluice.engine.exec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Range partitions over encoded keys: partition {@code i} holds keys in {@code [starts[i], starts[i+1])}, the last
 * is unbounded above. {@code starts[0]} is the empty key (below every key). Zero partitions is allowed (no rows).
 * JSON: {@code {"starts":["<base64>", …]}}.
 */
public record PartitionBoundaries(@JsonProperty("starts") List<byte[]> starts) {
    @JsonCreator
    public PartitionBoundaries {
        starts = List.copyOf(starts);
        for (int i = 1; i < starts.size(); i++) {
            if (Arrays.compareUnsigned(starts.get(i - 1), starts.get(i)) >= 0) {
                throw new IllegalArgumentException("boundaries must increase strictly");
            }
        }
        if (!starts.isEmpty() && starts.get(0).length != 0) {
            throw new IllegalArgumentException("the first partition must start at the empty key");
        }
    }

    public static PartitionBoundaries single() {
        return new PartitionBoundaries(List.of(new byte[0]));
    }

    public static PartitionBoundaries none() {
        return new PartitionBoundaries(List.of());
    }

    /** Boundaries from the starts of partitions 1..n-1 (partition 0 starts at the empty key). */
    public static PartitionBoundaries fromSplits(List<byte[]> splits) {
        List<byte[]> s = new ArrayList<>(splits.size() + 1);
        s.add(new byte[0]);
        s.addAll(splits);
        return new PartitionBoundaries(s);
    }

    public int partitionCount() {
        return starts.size();
    }

    /** The partition holding the key (binary search). */
    public int partitionFor(byte[] key) {
        int lo = 0;
        int hi = starts.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Arrays.compareUnsigned(starts.get(mid), key) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PartitionBoundaries p) || p.starts.size() != starts.size()) {
            return false;
        }
        for (int i = 0; i < starts.size(); i++) {
            if (!Arrays.equals(starts.get(i), p.starts.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (byte[] b : starts) {
            h = 31 * h + Arrays.hashCode(b);
        }
        return h;
    }

    @Override
    public String toString() {
        return "PartitionBoundaries[" + starts.size() + " partitions]";
    }
}
