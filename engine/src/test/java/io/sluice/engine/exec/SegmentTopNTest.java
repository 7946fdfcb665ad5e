package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.segment.SegmentWriter;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ORDER BY … LIMIT over segments gives the rows and output counters of scanning every row. */
class SegmentTopNTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s1", ColumnType.STRING)
            .add("s2", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .build();

    @TempDir
    Path dir;

    private final List<Path> segments = new ArrayList<>();

    @BeforeEach
    void writeSegments() {
        Random rnd = new Random(11);
        // strings whose UTF-16 order differs from code point order (a supplementary character vs U+FFFD)
        String[] s1 = {"x", "y", "", null, "\uFFFD", "\uD83D\uDE00", "a\u0000b", "a"};
        for (int seg = 0; seg < 3; seg++) {
            List<Object[]> rows = new ArrayList<>();
            int n = 300 + rnd.nextInt(1500);
            for (int i = 0; i < n; i++) {
                long time = seg == 1 ? 1_000_000L + rnd.nextInt(50) * 1000L : 1_000_000L * (seg + 1) + (i / 3) * 37L;
                rows.add(new Object[] {
                    time,
                    s1[rnd.nextInt(s1.length)],
                    rnd.nextInt(10) == 0 ? null : "v" + rnd.nextInt(30),
                    rnd.nextInt(6) == 0 ? null : (long) rnd.nextInt(20) - 5,
                    rnd.nextInt(6) == 0 ? null : (double) rnd.nextInt(10) - 3.5
                });
            }
            Path file = dir.resolve("seg" + seg + ".sluice");
            Iterator<Object[]> it = rows.iterator();
            SegmentWriter.write(file, SIG, () -> it.hasNext() ? it.next() : null);
            segments.add(file);
        }
    }

    private static StageDefinition stage(Expr filter, List<KeyColumn> keys, long limit) {
        List<NamedExpr> cols = new ArrayList<>();
        for (String c : SIG.names()) {
            cols.add(new NamedExpr(c, new ColumnRef(c), SIG.typeOf(c).orElseThrow()));
        }
        return new StageDefinition(0, "q_0", List.of(), null, new ScanProcessorSpec(filter, cols, null), SIG,
                new ShuffleSpec.MaxCount(new ClusterBy(keys, 0), 1, false).withLimitHint(limit), 1);
    }

    @Test
    void givesTheRowsAndCountersOfAFullScan() {
        Expr eq = Call.of(Fn.EQ, new ColumnRef("s2"), Literal.of("v3"));
        Expr time = Call.of(Fn.GE, new ColumnRef("__time"), Literal.of(1_020_000L));
        List<List<KeyColumn>> orders = List.of(
                List.of(KeyColumn.desc("l"), KeyColumn.asc("__time"), KeyColumn.asc("s1"), KeyColumn.asc("s2")),
                List.of(KeyColumn.asc("s1"), KeyColumn.desc("d")),
                List.of(KeyColumn.desc("s1"), KeyColumn.asc("l")),
                List.of(KeyColumn.asc("d")));
        List<Expr> filters = Arrays.asList(null, eq, Call.of(Fn.AND, Call.of(Fn.NOT, eq), time));
        for (List<KeyColumn> keys : orders) {
            for (Expr f : filters) {
                for (long limit : new long[] {0, 1, 25, 100_000}) {
                    assertSame(stage(f, keys, limit), Long.MIN_VALUE, Long.MAX_VALUE);
                    assertSame(stage(f, keys, limit), 1_010_000L, 2_500_000L);
                }
            }
        }
    }

    private void assertSame(StageDefinition st, long start, long end) {
        SegmentTopN topN = SegmentTopN.plan(st, SIG).orElseThrow();
        RowTransformer scan = StageProcessors.create(st.processor(), SIG, st.signature(), 0);
        StageOutput fast = new StageOutput(st, dir.resolve("fast"), 1_000_000, 8 * 1024);
        long fastRead = 0;
        for (Path p : segments) {
            try (SegmentReader r = SegmentReader.open(p)) {
                assertThat(topN.canRead(r)).isTrue();
                fastRead += topN.addTo(fast, r, start, end, scan, SIG);
            }
        }
        StageOutput slow = new StageOutput(st, dir.resolve("slow"), 1_000_000, 8 * 1024);
        long slowRead = 0;
        for (Path p : segments) {
            try (SegmentReader r = SegmentReader.open(p); RowSource rows = r.scan(SIG.names(), start, end)) {
                Object[][] one = new Object[1][];
                long[] n = {0};
                RowSource counted = () -> {
                    one[0] = rows.next();
                    if (one[0] != null) {
                        n[0]++;
                    }
                    return one[0];
                };
                try (RowSource out = scan.transform(counted)) {
                    Object[] row;
                    while ((row = out.next()) != null) {
                        slow.add(row);
                    }
                }
                slowRead += n[0];
            }
        }
        assertThat(fastRead).isEqualTo(slowRead);
        assertThat(rows(fast)).isEqualTo(rows(slow));
        assertThat(io.sluice.engine.json.Json.MAPPER.valueToTree(fast.output().toJson()).toString())
                .isEqualTo(io.sluice.engine.json.Json.MAPPER.valueToTree(slow.output().toJson()).toString());
        fast.close();
        slow.close();
    }

    private static List<List<Object>> rows(StageOutput out) {
        out.finishAndCollectStatistics();
        out.partition(PartitionBoundaries.single());
        List<List<Object>> got = new ArrayList<>();
        Iterator<Frame> it = out.readPartition(0);
        while (it.hasNext()) {
            RowSource rs = FrameReader.rows(SIG, it.next());
            Object[] r;
            while ((r = rs.next()) != null) {
                got.add(Arrays.asList(r));
            }
        }
        return got;
    }

    @Test
    void longSizeIsTheFrameSizeOfALong() {
        Random rnd = new Random(3);
        List<Long> values = new ArrayList<>(List.of(0L, 1L, -1L, 63L, 64L, -64L, -65L, 127L, 128L, 8191L, 8192L,
                Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1));
        for (int i = 0; i < 10_000; i++) {
            values.add(rnd.nextLong() >> rnd.nextInt(64));
        }
        for (long v : values) {
            assertThat(io.sluice.engine.frame.RowCodec.longSize(v)).as("size of %d", v)
                    .isEqualTo(io.sluice.engine.frame.RowCodec.sizeOf((Object) v));
        }
    }

    @Test
    void ranksStringsInCodePointOrder() {
        assertThat(SegmentTopN.compareCodePoints("\uD83D\uDE00", "\uFFFD")).isPositive(); // UTF-16 says negative
        assertThat(SegmentTopN.compareCodePoints("a", "a\u0000")).isNegative();
        assertThat(SegmentTopN.compareCodePoints("b", "a\uFFFF")).isPositive();
    }
}
