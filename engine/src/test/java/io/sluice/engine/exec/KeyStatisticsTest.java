package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
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
}
