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

/** ORDER BY … LIMIT over segments gives the rows, and the rows counted, of scanning and sorting every row. */
class SegmentTopNTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s1", ColumnType.STRING)
            .add("s2", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .build();

    private static final java.util.concurrent.ExecutorService HELPER =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "top-n-test-helper");
                t.setDaemon(true);
                return t;
            });

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
        assertSame(st, start, end, segments);
    }

    /**
     * Runs the segment top-N and the generic path (every row scanned, processed and offered to the output) over the
     * same segments, and checks they give the same rows as a stable full sort of every row on the byte keys, the same
     * rows read and the same {@code rows} in the output counters.
     */
    private void assertSame(StageDefinition st, long start, long end, List<Path> segs) {
        SegmentTopN topN = SegmentTopN.plan(st, SIG).orElseThrow();
        RowTransformer scan = StageProcessors.create(st.processor(), SIG, st.signature(), 0);
        StageOutput fast = new StageOutput(st, dir.resolve("fast"), 1_000_000, 8 * 1024);
        SegmentTopN.Run run = topN.start(fast, scan, SIG, start, end);
        long fastRead = 0;
        for (Path p : segs) {
            try (SegmentReader r = SegmentReader.open(p)) {
                assertThat(topN.canRead(r)).isTrue();
                fastRead += run.add(p, r);
            }
        }
        if (segs.size() % 2 == 0) {
            run.finish(SegmentReader::open); // this thread alone
        } else {
            run.finish(SegmentReader::open, HELPER); // a second thread reads some segments' rows
        }
        StageOutput slow = new StageOutput(st, dir.resolve("slow"), 1_000_000, 8 * 1024);
        List<Object[]> all = new ArrayList<>();
        long slowRead = 0;
        for (Path p : segs) {
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
                        all.add(row);
                    }
                }
                slowRead += n[0];
            }
        }
        // a stable full sort of every row on the shuffle's byte keys, then the limit
        io.sluice.engine.frame.KeyCodec codec = new io.sluice.engine.frame.KeyCodec(
                st.signature(), st.shuffleSpec().clusterBy().columns());
        List<byte[]> keys = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            keys.add(codec.encode(all.get(i)));
            order.add(i);
        }
        order.sort((a, b) -> Arrays.compareUnsigned(keys.get(a), keys.get(b)));
        long limit = ((ShuffleSpec.MaxCount) st.shuffleSpec()).limitHint();
        List<List<Object>> expected = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, order.size()); i++) {
            expected.add(Arrays.asList(all.get(order.get(i))));
        }
        assertThat(fastRead).isEqualTo(slowRead);
        assertThat(rows(fast)).isEqualTo(expected);
        assertThat(rows(slow)).isEqualTo(expected);
        assertThat(fast.output().rows()).isEqualTo(slow.output().rows());
        assertThat(fast.output().totalRows()).isEqualTo(all.size());
        assertThat(fast.shuffle().rows()).isEqualTo(slow.shuffle().rows());
        assertThat(fast.shuffle().bytes()).isEqualTo(slow.shuffle().bytes());
        fast.close();
        slow.close();
    }

    @Test
    void randomSegmentsGiveTheRowsOfAFullSort() {
        Random rnd = new Random(20151);
        String[] strings = {"x", "y", "", null, "\uFFFD", "\uD83D\uDE00", "a\u0000b", "a", "ab", "b"};
        Double[] doubles = {null, 0.0, -0.0, 1.5, -2.25, Double.NaN, 1e300, -1e-300};
        List<String> names = SIG.names();
        for (int scenario = 0; scenario < 40; scenario++) {
            List<Path> segs = new ArrayList<>();
            int segCount = 1 + rnd.nextInt(5);
            int spread = 1 + rnd.nextInt(4);
            for (int seg = 0; seg < segCount; seg++) {
                List<Object[]> rows = new ArrayList<>();
                int n = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : rnd.nextInt(600);
                boolean sorted = rnd.nextBoolean();
                for (int i = 0; i < n; i++) {
                    long time = sorted ? 1_000_000L * seg + (i / 4) * 1000L : 1_000_000L + rnd.nextInt(30) * 1000L;
                    rows.add(new Object[] {
                        time,
                        strings[rnd.nextInt(strings.length)],
                        rnd.nextInt(8) == 0 ? null : "v" + rnd.nextInt(3 * spread),
                        rnd.nextInt(5) == 0 ? null : (long) rnd.nextInt(4 * spread) - 2,
                        doubles[rnd.nextInt(doubles.length)]
                    });
                }
                if (rows.isEmpty()) {
                    continue;
                }
                Path file = dir.resolve("r" + scenario + "-" + seg + ".sluice");
                SegmentWriter.write(file, SIG, rows);
                segs.add(file);
            }
            List<KeyColumn> keys = new ArrayList<>();
            List<String> pool = new ArrayList<>(names);
            java.util.Collections.shuffle(pool, rnd);
            for (String c : pool.subList(0, 1 + rnd.nextInt(pool.size()))) {
                keys.add(rnd.nextBoolean() ? KeyColumn.asc(c) : KeyColumn.desc(c));
            }
            Expr filter = switch (rnd.nextInt(4)) {
                case 0 -> null;
                case 1 -> Call.of(Fn.EQ, new ColumnRef("s2"), Literal.of("v1"));
                case 2 -> Call.of(Fn.IS_NULL, new ColumnRef("l"));
                default -> Call.of(Fn.AND, Call.of(Fn.NE, new ColumnRef("s1"), Literal.of("x")),
                        Call.of(Fn.LT, new ColumnRef("__time"), Literal.of(1_020_000L)));
            };
            long limit = new long[] {0, 1, 3, 17, 100, 5_000}[rnd.nextInt(6)];
            assertSame(stage(filter, keys, limit), Long.MIN_VALUE, Long.MAX_VALUE, segs);
            assertSame(stage(filter, keys, limit), 1_005_000L, 2_000_000L, segs);
        }
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
