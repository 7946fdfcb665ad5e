package io.sluice.engine.exec;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.ShuffleSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns merged {@link KeyStatistics} into range {@link PartitionBoundaries} for {@code maxCount} and
 * {@code targetSize} shuffles. Partitions never span buckets. Split points are weighted sample quantiles.
 */
public final class BoundaryCalculator {
    /** Druid's default maximum number of partitions. */
    public static final int DEFAULT_MAX_PARTITIONS = 25_000;

    private BoundaryCalculator() {}

    public static PartitionBoundaries compute(ShuffleSpec spec, KeyStatistics merged, int maxPartitions) {
        List<KeyStatistics.BucketSummary> buckets = merged.buckets();
        if (spec instanceof ShuffleSpec.MaxCount mc) {
            if (buckets.isEmpty() || mc.partitions() <= 1) {
                return PartitionBoundaries.single();
            }
            int limit = Math.min(mc.partitions(), maxPartitions);
            if (buckets.size() > limit) {
                throw new FaultException(Faults.tooManyBuckets(limit));
            }
            long total = merged.totalCount();
            int[] perBucket = new int[buckets.size()];
            int assigned = 0;
            for (int i = 0; i < perBucket.length; i++) {
                perBucket[i] = 1;
                assigned++;
            }
            // hand out the remaining partitions in proportion to row counts (largest remainder first)
            int spare = limit - assigned;
            if (spare > 0) {
                double[] remainder = new double[perBucket.length];
                int given = 0;
                for (int i = 0; i < perBucket.length; i++) {
                    double share = (double) spare * buckets.get(i).count() / total;
                    int whole = (int) Math.floor(share);
                    perBucket[i] += whole;
                    given += whole;
                    remainder[i] = share - whole;
                }
                while (given < spare) {
                    int best = 0;
                    for (int i = 1; i < remainder.length; i++) {
                        if (remainder[i] > remainder[best]) {
                            best = i;
                        }
                    }
                    perBucket[best]++;
                    remainder[best] = -1;
                    given++;
                }
            }
            return build(buckets, perBucket);
        }
        if (spec instanceof ShuffleSpec.TargetSize ts) {
            if (buckets.isEmpty()) {
                return PartitionBoundaries.none();
            }
            long target = Math.max(1, ts.targetSize());
            int[] perBucket = new int[buckets.size()];
            long sum = 0;
            for (int i = 0; i < perBucket.length; i++) {
                long n = Math.max(1, (buckets.get(i).count() + target - 1) / target);
                sum += n;
                if (sum > maxPartitions) {
                    throw new FaultException(Faults.tooManyPartitions(maxPartitions));
                }
                perBucket[i] = (int) n;
            }
            return build(buckets, perBucket);
        }
        throw new IllegalArgumentException(spec.kindName() + " shuffles need no range boundaries");
    }

    private static PartitionBoundaries build(List<KeyStatistics.BucketSummary> buckets, int[] perBucket) {
        List<byte[]> starts = new ArrayList<>();
        starts.add(new byte[0]);
        for (int i = 0; i < buckets.size(); i++) {
            KeyStatistics.BucketSummary b = buckets.get(i);
            byte[] last = starts.get(starts.size() - 1);
            if (i > 0 && Arrays.compareUnsigned(b.bucket(), last) > 0) {
                starts.add(b.bucket());
                last = b.bucket();
            }
            int parts = perBucket[i];
            if (parts <= 1 || b.keys().isEmpty()) {
                continue;
            }
            long mass = 0;
            for (long w : b.weights()) {
                mass += w;
            }
            long cum = 0;
            int k = 1;
            for (int j = 0; j < b.keys().size() && k < parts; j++) {
                // key j becomes a partition start once the weight before it reaches k/parts of the mass
                if (cum * parts >= (long) k * mass) {
                    byte[] key = b.keys().get(j);
                    if (Arrays.compareUnsigned(key, last) > 0) {
                        starts.add(key);
                        last = key;
                    }
                    while (k < parts && cum * parts >= (long) k * mass) {
                        k++;
                    }
                }
                cum += b.weights()[j];
            }
        }
        return new PartitionBoundaries(starts);
    }
}
