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
}
