package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ShuffleSpec;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyStatisticsTest {
    @Test
    void bucketsCountTheirOwnKeysWhetherRowsComeBucketAfterBucketOrInterleaved() {
        KeyStatistics stats = new KeyStatistics();
        Random rnd = new Random(3);
        Map<Integer, Long> expected = new HashMap<>();
        int bucket = 0;
        for (int i = 0; i < 20_000; i++) {
            if (i < 10_000 ? i % 1000 == 0 : rnd.nextInt(3) == 0) {
                bucket = rnd.nextInt(5); // runs of one bucket first, then interleaved buckets
            }
            // a new array each time for some rows, the same contents: buckets are equal by contents
            byte[] b = {(byte) bucket};
            stats.add(b, new byte[] {(byte) bucket, (byte) rnd.nextInt(256)});
            expected.merge(bucket, 1L, Long::sum);
        }
        Map<Integer, Long> counted = new HashMap<>();
        for (KeyStatistics.BucketSummary s : stats.buckets()) {
            counted.put((int) s.bucket()[0], s.count());
        }
        assertThat(counted).isEqualTo(expected);
        assertThat(stats.totalCount()).isEqualTo(20_000L);
    }

    @Test
    void repeatsOfAKeyWeighOnOneSampledKey() {
        KeyStatistics stats = new KeyStatistics(100);
        byte[] bucket = {7};
        for (int v = 0; v < 10; v++) {
            for (int i = 0; i < 10_000 + v; i++) {
                stats.add(bucket, new byte[] {7, (byte) v}); // sorted input: each key over and over
            }
        }
        stats.add(bucket, new byte[] {7, 3}); // a repeat that is not adjacent to its first rows
        KeyStatistics.BucketSummary s = stats.buckets().get(0);
        assertThat(s.count()).isEqualTo(100_046L);
        // exact: each key once with all its rows as weight, and the late 3 as a key of its own
        assertThat(s.keys()).hasSize(11);
        long total = 0;
        for (int i = 0; i < s.keys().size(); i++) {
            total += s.weights()[i];
            int v = s.keys().get(i)[1];
            assertThat(s.weights()[i]).isIn(10_000L + v, 1L);
        }
        assertThat(total).isEqualTo(s.count());
    }

    private static byte[] key(long prefix, int suffix) {
        return ByteBuffer.allocate(12).putLong(prefix).putInt(suffix).array();
    }

    private static long prefixOf(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    /**
     * Rows in key order (a file read in time order, grouped by hour) or in random order, on one worker or split over
     * two: a four-way split lands within 2% of each quartile, and the sample's weights sum to the rows. Compacting all
     * sampled keys at once had one key weigh 99% of sorted input, and a two-way split fell at 99%.
     */
    @Test
    void splitsLandAtTheQuantilesWhateverTheOrderOfTheRows() {
        int rows = 2_000_000;
        int perPrefix = 8_000; // 250 prefixes
        ShuffleSpec four = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("d0")), 0), 4, true);
        for (String order : List.of("sorted", "random", "sorted on two workers")) {
            Random rnd = new Random(11);
            KeyStatistics a = new KeyStatistics();
            KeyStatistics b = new KeyStatistics();
            for (int i = 0; i < rows; i++) {
                long prefix = order.equals("random") ? rnd.nextInt(rows / perPrefix) : i / perPrefix;
                KeyStatistics to = order.startsWith("sorted on") && i >= rows / 2 ? b : a;
                to.add(new byte[0], key(prefix, rnd.nextInt()));
            }
            KeyStatistics merged = order.startsWith("sorted on") ? a.merge(b) : a;
            long mass = 0;
            for (KeyStatistics.BucketSummary s : merged.buckets()) {
                for (long w : s.weights()) {
                    mass += w;
                }
                assertThat(s.keys().size()).as(order).isLessThanOrEqualTo(KeyStatistics.DEFAULT_MAX_KEYS);
            }
            assertThat(mass).as(order).isEqualTo(rows);
            List<byte[]> starts = BoundaryCalculator.compute(four, merged, 25_000).starts();
            assertThat(starts).as(order).hasSize(4);
            for (int q = 1; q < 4; q++) {
                double at = (double) prefixOf(starts.get(q)) * perPrefix / rows;
                assertThat(at).as("%s: start of partition %d", order, q).isBetween(q / 4.0 - 0.02, q / 4.0 + 0.02);
            }
        }
    }

    /**
     * Many buckets share the sample's bound, so each may keep only two keys: a bucket whose keys all weigh in
     * different classes (1, 2, 4, …) is still compacted, its weights summing to its rows.
     */
    @Test
    void bucketsOfATinyShareCompactKeysOfDifferentWeights() {
        KeyStatistics stats = new KeyStatistics(4); // two buckets: two keys each
        byte[] a = {1};
        byte[] b = {2};
        stats.add(b, new byte[] {2, 0});
        long rows = 0;
        for (int k = 0; k < 6; k++) {
            for (int r = 0; r < 1 << k; r++) {
                stats.add(a, new byte[] {1, (byte) k}); // key k repeated 2^k times: weight 2^k
                rows++;
            }
        }
        KeyStatistics.BucketSummary s = stats.buckets().get(0);
        assertThat(s.count()).isEqualTo(rows);
        assertThat(s.keys().size()).isLessThanOrEqualTo(2);
        long mass = 0;
        for (long w : s.weights()) {
            mass += w;
        }
        assertThat(mass).isEqualTo(rows);
    }
}
