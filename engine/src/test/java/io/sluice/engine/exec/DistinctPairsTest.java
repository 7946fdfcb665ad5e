package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DistinctPairsTest {
    @Test
    void compactionsKeepEachDistinctPairOnceInOrder() {
        Random rnd = new Random(29);
        for (int round = 0; round < 60; round++) {
            int groups = 1 + rnd.nextInt(round % 2 == 0 ? 2_000_000 : 30);
            int values = 1 + rnd.nextInt(round % 3 == 0 ? 5 : 1_000_000);
            long[] pairs = new long[1 << 10];
            int size = 0;
            int compacted = 0;
            TreeSet<Long> expected = new TreeSet<>();
            List<Long> added = new ArrayList<>();
            for (int step = 0; step < 8; step++) {
                // a batch of new pairs, some repeating pairs of the batch or of earlier ones, then a compaction
                int n = rnd.nextInt(step % 3 == 0 ? 700 : 40_000);
                for (int k = 0; k < n; k++) {
                    long p = !added.isEmpty() && rnd.nextInt(4) == 0
                            ? added.get(rnd.nextInt(added.size()))
                            : ((long) rnd.nextInt(groups) << 32) | (1 + rnd.nextInt(values));
                    added.add(p);
                    if (size == pairs.length) {
                        pairs = Arrays.copyOf(pairs, 2 * pairs.length);
                    }
                    pairs[size++] = p;
                    expected.add(p);
                }
                size = DistinctPairs.compactPairs(pairs, compacted, size);
                compacted = size;
                long[] want = expected.stream().mapToLong(Long::longValue).toArray();
                assertThat(Arrays.copyOf(pairs, size)).as("round %d step %d", round, step).isEqualTo(want);
            }
        }
    }

    @Test
    void groupsHoldEachGroupsDistinctValuesAscendingWhateverTheRuns() {
        Random rnd = new Random(31);
        for (int round = 0; round < 40; round++) {
            int groups = 1 + rnd.nextInt(round % 2 == 0 ? 50 : 5_000);
            int values = 1 + rnd.nextInt(round % 3 == 0 ? 4 : 100_000);
            int maxBuffer = round % 4 == 0 ? 2 : 16 << rnd.nextInt(8);
            DistinctPairs pairs = new DistinctPairs(maxBuffer);
            List<TreeSet<Integer>> expected = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                expected.add(new TreeSet<>());
            }
            List<Long> added = new ArrayList<>();
            int n = rnd.nextInt(30_000);
            for (int k = 0; k < n; k++) {
                // a third repeat a pair added before (the same (group, value) in another segment)
                long p = !added.isEmpty() && rnd.nextInt(3) == 0
                        ? added.get(rnd.nextInt(added.size()))
                        : ((long) rnd.nextInt(groups) << 32) | (1 + rnd.nextInt(values));
                added.add(p);
                pairs.add(p);
                expected.get((int) (p >>> 32)).add((int) p);
            }
            long distinct = expected.stream().mapToLong(TreeSet::size).sum();
            if (distinct > 2L * maxBuffer) {
                // the buffer holds at most maxBuffer of them
                assertThat(pairs.runs()).as("round %d", round).isGreaterThan(1);
            }
            assertThat(pairs.memoryBytes()).isLessThanOrEqualTo(8L * (maxBuffer + pairs.size()));

            DistinctPairs.Grouped grouped = pairs.group(groups);

            assertThat(grouped.starts()).hasSize(groups + 1);
            assertThat(grouped.starts()[0]).isZero();
            for (int g = 0; g < groups; g++) {
                int[] got = Arrays.copyOfRange(grouped.values(), grouped.starts()[g], grouped.starts()[g + 1]);
                int[] want = expected.get(g).stream().mapToInt(Integer::intValue).toArray();
                assertThat(got).as("round %d group %d", round, g).isEqualTo(want);
            }
        }
    }

    @Test
    void noPairsGroupIntoEmptyGroups() {
        DistinctPairs.Grouped grouped = new DistinctPairs().group(3);

        assertThat(grouped.starts()).containsExactly(0, 0, 0, 0);
        assertThat(grouped.values()).isEmpty();
    }
}
