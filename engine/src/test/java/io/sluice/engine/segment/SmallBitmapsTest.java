package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/** The small-bitmap writer gives the library's bytes exactly, and leaves to the library what is not small. */
class SmallBitmapsTest {
    private static byte[] library(int[] rows) {
        RoaringBitmap b = new RoaringBitmap();
        b.addN(rows, 0, rows.length);
        b.runOptimize();
        ByteSink sink = new ByteSink(16);
        int size = b.serializedSizeInBytes();
        sink.putInt(size);
        b.serialize(sink.reserve(size));
        return Arrays.copyOf(sink.array(), sink.size());
    }

    private static int[] randomRows(Random rnd) {
        TreeSet<Integer> set = new TreeSet<>();
        int n = switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(3);
            case 1 -> rnd.nextInt(40);
            case 2 -> rnd.nextInt(5000);
            default -> rnd.nextInt(300);
        };
        int bound = rnd.nextInt(4) == 0 ? 200_000 : rnd.nextBoolean() ? 65_536 : 3_000;
        n = Math.min(n, bound / 2);
        boolean clustered = rnd.nextInt(3) == 0;
        int start = rnd.nextInt(bound);
        while (set.size() < n) {
            set.add(clustered ? Math.min(bound - 1, start + set.size() + (rnd.nextInt(6) == 0 ? 1 : 0))
                    : rnd.nextInt(bound));
            if (clustered && set.size() < n && start + n + 10 >= bound) {
                clustered = false;
            }
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void smallBitmapsAreTheLibrarysBytesAndTheRestIsLeftToIt() {
        Random rnd = new Random(5);
        int written = 0;
        int left = 0;
        for (int round = 0; round < 20_000; round++) {
            int[] rows = randomRows(rnd);
            int[] padded = new int[rows.length + 6];
            System.arraycopy(rows, 0, padded, 3, rows.length);
            ByteSink sink = new ByteSink(16);
            if (SmallBitmaps.write(padded, 3, rows.length, sink)) {
                assertThat(Arrays.copyOf(sink.array(), sink.size())).as("rows %s", Arrays.toString(rows))
                        .isEqualTo(library(rows));
                written++;
            } else {
                assertThat(sink.size()).isZero();
                left++;
            }
        }
        assertThat(written).isGreaterThan(5_000);
        assertThat(left).isGreaterThan(1_000);
    }

    @Test
    void edgeCases() {
        int[][] cases = {
            {}, {0}, {65_535}, {1, 2}, {1, 2, 3}, {1, 2, 3, 4}, {5, 7, 9}, {0, 1, 2, 3, 4, 5, 100},
            java.util.stream.IntStream.range(0, 4096).map(i -> 2 * i).toArray(),
        };
        for (int[] rows : cases) {
            ByteSink sink = new ByteSink(16);
            if (SmallBitmaps.write(rows, 0, rows.length, sink)) {
                assertThat(Arrays.copyOf(sink.array(), sink.size())).isEqualTo(library(rows));
            }
        }
        // {} and {0} and the 4,096 spread rows are small; a run of four is not (runs take fewer bytes)
        assertThat(SmallBitmaps.write(new int[0], 0, 0, new ByteSink(16))).isTrue();
        assertThat(SmallBitmaps.write(cases[8], 0, 4096, new ByteSink(16))).isTrue();
        assertThat(SmallBitmaps.write(new int[] {1, 2, 3, 4}, 0, 4, new ByteSink(16))).isFalse();
        assertThat(SmallBitmaps.write(new int[] {65_536}, 0, 1, new ByteSink(16))).isFalse();
    }
}
