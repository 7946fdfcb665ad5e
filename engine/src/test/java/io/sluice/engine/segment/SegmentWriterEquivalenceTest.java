package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segment writer must write exactly the bytes the previous writer wrote, for every column kind. */
class SegmentWriterEquivalenceTest {
    @TempDir
    Path dir;

    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("low", ColumnType.STRING)
            .add("high", ColumnType.STRING)
            .add("sparse", ColumnType.STRING)
            .add("mv", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .add("sa", ColumnType.STRING_ARRAY)
            .add("st", ColumnType.COMPLEX_STATE)
            .build();

    private static List<Object[]> rows(long seed, int n, boolean withMultiValues) {
        Random rnd = new Random(seed);
        List<Object[]> out = new ArrayList<>(n);
        long t = 1_442_016_000_000L;
        for (int i = 0; i < n; i++) {
            t += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1000);
            Object mv;
            if (withMultiValues && rnd.nextInt(5) == 0) {
                int k = rnd.nextInt(4);
                List<Object> l = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    // repeats, nulls and numbers inside lists included
                    int pick = rnd.nextInt(6);
                    l.add(pick == 0 ? null : pick == 1 ? (Object) 7L : "m" + rnd.nextInt(4));
                }
                mv = l;
            } else {
                mv = rnd.nextInt(4) == 0 ? null : "m" + rnd.nextInt(6);
            }
            out.add(new Object[] {
                t,
                "c" + rnd.nextInt(7),
                rnd.nextInt(10) == 0 ? null : "page " + rnd.nextInt(n) + (rnd.nextBoolean() ? "é" : "\uD83D\uDE00"),
                rnd.nextInt(50) == 0 ? "rare" + rnd.nextInt(3) : null,
                mv,
                rnd.nextInt(8) == 0 ? null : (Object) (long) (rnd.nextInt(1000) - 500),
                rnd.nextInt(8) == 0 ? null : (Object) rnd.nextDouble(),
                rnd.nextInt(8) == 0 ? null : (Object) rnd.nextFloat(),
                rnd.nextInt(3) == 0 ? null : List.of("a" + rnd.nextInt(3), "b"),
                rnd.nextInt(3) == 0 ? null : new byte[] {(byte) rnd.nextInt(), 2}
            });
        }
        return out;
    }

    private void assertSameFile(List<Object[]> rows) throws Exception {
        Path legacy = dir.resolve("legacy.sluice");
        Path current = dir.resolve("current.sluice");
        SegmentFileInfo a = LegacySegmentWriter.write(legacy, SIG, SegmentFileTest.source(rows));
        SegmentFileInfo b = SegmentWriter.write(current, SIG, SegmentFileTest.source(rows));
        assertThat(b).isEqualTo(a);
        assertThat(Files.mismatch(legacy, current)).isEqualTo(-1L);
        // the in-memory, column-parallel path writes the same bytes
        Path fromList = dir.resolve("list.sluice");
        assertThat(SegmentWriter.write(fromList, SIG, rows)).isEqualTo(a);
        assertThat(Files.mismatch(legacy, fromList)).isEqualTo(-1L);
        try (SegmentReader r = SegmentReader.open(current)) {
            List<Object[]> back = SegmentFileTest.drain(r.scan(SIG.names(), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(back).hasSize(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                assertThat(back.get(i)[2]).isEqualTo(rows.get(i)[2]);
                assertThat(back.get(i)[5]).isEqualTo(rows.get(i)[5]);
            }
        }
    }

    @Test
    void singleValuedColumnsMatchTheLegacyWriter() throws Exception {
        assertSameFile(rows(1, 20_000, false));
    }

    @Test
    void multiValueColumnsWithRepeatsAndEmptyListsMatchTheLegacyWriter() throws Exception {
        assertSameFile(rows(2, 20_000, true));
    }

    @Test
    void containersPastTheArrayLimitMatchTheLegacyWriter() throws Exception {
        // 70,000 rows: the low-cardinality values span two 65,536-row chunks with bitmap and run containers
        List<Object[]> rows = rows(3, 70_000, false);
        for (int i = 0; i < 30_000; i++) {
            rows.get(i)[1] = "same";
        }
        assertSameFile(rows);
    }

    @Test
    void emptyAndAllNullSegmentsMatchTheLegacyWriter() throws Exception {
        assertSameFile(List.of());
        Object[] nulls = new Object[SIG.size()];
        nulls[0] = 5L;
        Object[] copy = Arrays.copyOf(nulls, nulls.length);
        assertSameFile(List.of(nulls, copy));
    }
}
