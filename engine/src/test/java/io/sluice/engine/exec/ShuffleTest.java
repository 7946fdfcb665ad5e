package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShuffleTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__bucket", ColumnType.LONG)
            .add("x", ColumnType.LONG)
            .build();
    private static final ClusterBy BY_BUCKET = new ClusterBy(List.of(KeyColumn.asc("__bucket"), KeyColumn.asc("x")), 1);

    /** Statistics of 3 workers for 3 buckets with 10k, 25k and 1k rows. */
    private static KeyStatistics mergedStats(KeyCodec codec) {
        long[] sizes = {10_000, 25_000, 1_000};
        KeyStatistics merged = new KeyStatistics();
        Random r = new Random(1);
        for (int w = 0; w < 3; w++) {
            KeyStatistics s = new KeyStatistics();
            for (int b = 0; b < sizes.length; b++) {
                for (int i = 0; i < sizes[b] / 3 + (w < sizes[b] % 3 ? 1 : 0); i++) {
                    byte[] key = codec.encode(new Object[] {(long) b * 1000, (long) r.nextInt(1_000_000)});
                    s.add(Arrays.copyOf(key, codec.prefixLength(key, 1)), key);
                }
            }
            merged.merge(s);
        }
        return merged;
    }

    @Test
    void targetSizeNeverSpansBucketsAndSplitsEvenly() throws Exception {
        KeyCodec codec = new KeyCodec(SIG, BY_BUCKET.columns());
        KeyStatistics stats = mergedStats(codec);
        assertThat(stats.totalCount()).isEqualTo(36_000);
        assertThat(stats.bucketCount()).isEqualTo(3);
        assertThat(stats.sampleSize()).isLessThanOrEqualTo(KeyStatistics.DEFAULT_MAX_KEYS);

        // JSON round trip keeps everything the calculator needs
        ObjectMapper mapper = new ObjectMapper();
        String json = mapper.writeValueAsString(stats);
        KeyStatistics back = mapper.readValue(json, KeyStatistics.class);
        assertThat(back.totalCount()).isEqualTo(36_000);
        assertThat(back.bucketCount()).isEqualTo(3);

        PartitionBoundaries b = BoundaryCalculator.compute(new ShuffleSpec.TargetSize(BY_BUCKET, 5_000), back, 25_000);
        // ceil(10k/5k)=2, ceil(25k/5k)=5, ceil(1k/5k)=1
        assertThat(b.partitionCount()).isEqualTo(8);
        PartitionBoundaries viaJson = mapper.readValue(mapper.writeValueAsString(b), PartitionBoundaries.class);
        assertThat(viaJson).isEqualTo(b);

        // assign a fresh sample of rows: every partition holds one bucket, sizes near the target
        Random r = new Random(99);
        long[] counts = new long[b.partitionCount()];
        long[] bucketOf = new long[b.partitionCount()];
        Arrays.fill(bucketOf, -1);
        long[] sizes = {10_000, 25_000, 1_000};
        for (int bucket = 0; bucket < 3; bucket++) {
            for (int i = 0; i < sizes[bucket]; i++) {
                int p = b.partitionFor(codec.encode(new Object[] {(long) bucket * 1000, (long) r.nextInt(1_000_000)}));
                counts[p]++;
                assertThat(bucketOf[p] == -1 || bucketOf[p] == bucket).isTrue();
                bucketOf[p] = bucket;
            }
        }
        assertThat(bucketOf).containsExactly(0, 0, 1, 1, 1, 1, 1, 2);
        for (int p = 0; p < 7; p++) {
            assertThat(counts[p]).isBetween(3_500L, 6_500L);
        }
        assertThat(counts[7]).isEqualTo(1_000);
    }

    @Test
    void maxCountQuantilesAndLimits() {
        KeyCodec codec = new KeyCodec(SIG, BY_BUCKET.columns());
        KeyStatistics stats = mergedStats(codec);
        ClusterBy noBuckets = new ClusterBy(BY_BUCKET.columns(), 0);
        assertThat(BoundaryCalculator.compute(new ShuffleSpec.MaxCount(noBuckets, 1, false), stats, 25_000)
                .partitionCount()).isEqualTo(1);
        PartitionBoundaries four = BoundaryCalculator.compute(new ShuffleSpec.MaxCount(BY_BUCKET, 4, false), stats, 25_000);
        assertThat(four.partitionCount()).isBetween(3, 4);
        assertThatThrownBy(() -> BoundaryCalculator.compute(new ShuffleSpec.MaxCount(BY_BUCKET, 2, false), stats, 25_000))
                .isInstanceOf(FaultException.class)
                .satisfies(e -> assertThat(((FaultException) e).fault().errorCode()).isEqualTo("TooManyBuckets"));
        assertThatThrownBy(() -> BoundaryCalculator.compute(new ShuffleSpec.TargetSize(BY_BUCKET, 10), stats, 100))
                .isInstanceOf(FaultException.class)
                .satisfies(e -> {
                    assertThat(((FaultException) e).fault().errorCode()).isEqualTo("TooManyPartitions");
                    assertThat(((FaultException) e).fault().fields()).containsEntry("maxPartitions", 100);
                });
        assertThat(BoundaryCalculator.compute(new ShuffleSpec.TargetSize(BY_BUCKET, 10), new KeyStatistics(), 100)
                .partitionCount()).isZero();
    }

    @Test
    void hashPartitionerIsStableAndSpreads() {
        HashPartitioner h = new HashPartitioner(4);
        int[] counts = new int[4];
        for (int i = 0; i < 4000; i++) {
            byte[] k = ("k" + i).getBytes();
            assertThat(h.partition(k)).isEqualTo(h.partition(k.clone()));
            counts[h.partition(k)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(800, 1200);
        }
    }

    @Test
    void channelCountersJson() {
        ChannelCounters c = new ChannelCounters();
        c.add(0, 10, 100, 1);
        c.add(2, 5, 50, 1);
        Map<String, Object> json = c.toJson();
        assertThat(json).containsEntry("type", "channel").doesNotContainKeys("files", "totalFiles");
        assertThat((long[]) json.get("rows")).containsExactly(10, 0, 5);
        c.addFiles(0, 1, 1);
        assertThat((long[]) c.toJson().get("totalFiles")).containsExactly(1, 0, 0);
        assertThat(new ChannelCounters().toJson()).containsOnlyKeys("type");
    }
}
