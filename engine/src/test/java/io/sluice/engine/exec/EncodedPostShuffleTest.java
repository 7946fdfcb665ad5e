package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.ByteSource;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.FrameTestData;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EncodedPostShuffleTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final RowSignature IN = RowSignature.builder()
            .add("d0", ColumnType.LONG)
            .add("d1", ColumnType.STRING)
            .add("d2", ColumnType.STRING)
            .add("a0", ColumnType.LONG)
            .add("a1", ColumnType.LONG)
            .add("a2", ColumnType.LONG)
            .build();
    private static final List<AggregatorSpec> AGGS = List.of(
            new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false),
            new AggregatorSpec("a1", AggKind.SUM, col("added"), null, ColumnType.LONG, false),
            new AggregatorSpec("a2", AggKind.SUM, col("deleted"), null, ColumnType.LONG, false));
    private static final List<String> DIMS = List.of("d0", "d1", "d2");

    private static ColumnRef col(String c) {
        return new ColumnRef(c);
    }

    /** W2's shape: the day bucket computed, the grouped columns copied, and two more computed columns. */
    private static List<NamedExpr> projection() {
        return List.of(
                new NamedExpr("__bucket", Call.of(Fn.TIMESTAMP_FLOOR, col("d0"), Literal.of("P1D")), ColumnType.LONG),
                new NamedExpr("d0", col("d0"), ColumnType.LONG),
                new NamedExpr("d1", col("d1"), ColumnType.STRING),
                new NamedExpr("d2", col("d2"), ColumnType.STRING),
                new NamedExpr("a0", col("a0"), ColumnType.LONG),
                new NamedExpr("a1", col("a1"), ColumnType.LONG),
                new NamedExpr("a2", col("a2"), ColumnType.LONG),
                new NamedExpr("tag", Call.of(Fn.CONCAT, col("d1"), Literal.of("/"), col("d2")), ColumnType.STRING),
                new NamedExpr("net", Call.of(Fn.SUBTRACT, col("a1"), col("a2")), ColumnType.LONG));
    }

    private static RowSignature projected() {
        RowSignature.Builder b = RowSignature.builder();
        for (NamedExpr e : projection()) {
            b.add(e.name(), e.type());
        }
        return b.build();
    }

    /**
     * Partial groups sorted by their dimensions: most groups of one row, some of several; NULLs, multi-value
     * dimensions, a NULL count, a NULL sum and non-ASCII and long strings among them.
     */
    private static List<Object[]> partialGroups(long seed, int n) {
        Random r = new Random(seed);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long d0 = 1_441_000_000_000L / HOUR * HOUR + r.nextInt(60) * HOUR;
            Object d1 = r.nextInt(20) == 0 ? null : "#" + (char) ('a' + r.nextInt(5)) + ".wikipedia";
            Object d2 = switch (r.nextInt(40)) {
                case 0 -> null;
                case 1 -> List.of("x", "y" + r.nextInt(3));
                case 2 -> "Zürich " + r.nextInt(4);
                case 3 -> "long page ".repeat(8) + r.nextInt(3);
                default -> r.nextInt(4) == 0 ? "p" + r.nextInt(8) : "page " + r.nextInt(1_000_000);
            };
            Object a0 = r.nextInt(200) == 0 ? null : (long) (1 + r.nextInt(3));
            Object a1 = r.nextInt(100) == 0 ? null : (long) (r.nextInt(2000) - 500);
            Object a2 = (long) r.nextInt(50);
            rows.add(new Object[] {d0, d1, d2, a0, a1, a2});
        }
        rows.sort(Comparator.comparing((Object[] row) -> Arrays.deepToString(Arrays.copyOf(row, 3))));
        return rows;
    }

    /** Rows in frames of {@code frameBytes}, read undecoded across frame boundaries. */
    private static EncodedRowSource framed(List<Object[]> rows, int frameBytes) {
        List<Frame> frames = FrameTestData.frames(IN, rows, frameBytes);
        return new EncodedRowSource() {
            private int next;
            private EncodedRowSource current;

            @Override
            public boolean advance(int[] offsets) {
                while (current == null || !current.advance(offsets)) {
                    if (next == frames.size()) {
                        return false;
                    }
                    current = FrameReader.rows(IN.size(), frames.get(next++));
                }
                return true;
            }

            @Override
            public byte[] buffer() {
                return current.buffer();
            }

            @Override
            public Object[] next() {
                throw new UnsupportedOperationException("read undecoded only");
            }
        };
    }

    /** Collects output rows, decoding encoded ones and checking their counted size and key values. */
    private static final class Collected implements EncodedPostShuffle.Output {
        final List<Object[]> rows = new ArrayList<>();
        final int columns;
        final int[] keyPositions;
        int encoded;

        Collected(int columns, int[] keyPositions) {
            this.columns = columns;
            this.keyPositions = keyPositions;
        }

        @Override
        public void add(Object[] row) {
            rows.add(row);
        }

        @Override
        public void addEncoded(Object[] keyValues, ByteSink row, int countedSize) {
            ByteSource in = new ByteSource(row.array(), 0, row.size());
            Object[] decoded = RowCodec.readRow(in, columns);
            assertThat(in.position()).as("one whole row").isEqualTo(row.size());
            assertThat(countedSize).isEqualTo(RowCodec.writeRowSized(new ByteSink(64), decoded, columns));
            for (int k : keyPositions) {
                assertThat(keyValues[k]).isEqualTo(decoded[k]);
            }
            rows.add(decoded);
            encoded++;
        }
    }

    private static List<Object[]> rowByRow(GroupByPostShuffleSpec spec, RowSignature out, List<Object[]> rows) {
        return StageProcessorsTest.drain(
                StageProcessors.create(spec, IN, out, 0).transform(StageProcessorsTest.source(rows)));
    }

    private static void assertSameRows(List<Object[]> actual, List<Object[]> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("row %d", i).isEqualTo(expected.get(i));
        }
    }

    @Test
    void givesTheRowByRowProcessorsRowsWithAProjection() {
        GroupByPostShuffleSpec spec = new GroupByPostShuffleSpec(DIMS, AGGS, true, null, projection());
        RowSignature out = projected();
        for (long seed = 1; seed <= 5; seed++) {
            List<Object[]> rows = partialGroups(seed, 20_000);
            int[] keys = {0, 3, 7}; // computed, copied, computed
            EncodedPostShuffle merge = EncodedPostShuffle.of(spec, IN, out, keys).orElseThrow();
            Collected got = new Collected(out.size(), keys);
            merge.run(framed(rows, 4096), got);
            List<Object[]> expected = rowByRow(spec, out, rows);
            assertSameRows(got.rows, expected);
            // both ways were taken: most groups copied, the others (several rows, a NULL count, lists) processed
            assertThat(merge.copiedRows()).isEqualTo(got.encoded).isGreaterThan(expected.size() / 2);
            assertThat(got.encoded).isLessThan(expected.size());
        }
    }

    @Test
    void givesTheGroupedRowsWithoutAProjection() {
        GroupByPostShuffleSpec spec = new GroupByPostShuffleSpec(DIMS, AGGS, false, null, null);
        List<Object[]> rows = partialGroups(9, 10_000);
        EncodedPostShuffle merge = EncodedPostShuffle.of(spec, IN, IN, new int[] {1}).orElseThrow();
        Collected got = new Collected(IN.size(), new int[] {1});
        merge.run(framed(rows, 1 << 16), got);
        assertSameRows(got.rows, rowByRow(spec, IN, rows));
        assertThat(got.encoded).isGreaterThan(0);
    }

    @Test
    void readsNothingFromNoRows() {
        GroupByPostShuffleSpec spec = new GroupByPostShuffleSpec(DIMS, AGGS, true, null, null);
        Collected got = new Collected(IN.size(), new int[0]);
        EncodedPostShuffle.of(spec, IN, IN, new int[0]).orElseThrow().run(framed(List.of(), 4096), got);
        assertThat(got.rows).isEmpty();
    }

    @Test
    void declinesWhatItCannotCopy() {
        RowSignature out = projected();
        // HAVING
        assertThat(EncodedPostShuffle.of(new GroupByPostShuffleSpec(DIMS, AGGS, true,
                Call.of(Fn.GT, col("a0"), Literal.of(1L)), projection()), IN, out, new int[0])).isEmpty();
        // no dimensions: one row even for no input
        assertThat(EncodedPostShuffle.of(
                new GroupByPostShuffleSpec(List.of(), AGGS, true, null, null), IN, IN, new int[0])).isEmpty();
        // an aggregator whose single-row value is not its input's (MIN's state), or a DOUBLE sum
        List<AggregatorSpec> min =
                List.of(new AggregatorSpec("a0", AggKind.MIN, col("x"), null, ColumnType.LONG, false));
        assertThat(EncodedPostShuffle.of(
                new GroupByPostShuffleSpec(DIMS, min, true, null, null), IN, IN, new int[0])).isEmpty();
        List<AggregatorSpec> dsum =
                List.of(new AggregatorSpec("a0", AggKind.SUM, col("x"), null, ColumnType.DOUBLE, false));
        assertThat(EncodedPostShuffle.of(
                new GroupByPostShuffleSpec(DIMS, dsum, true, null, null), IN, IN, new int[0])).isEmpty();
        // a DOUBLE dimension: equal values need not have equal bytes
        RowSignature doubles = RowSignature.builder().add("d0", ColumnType.DOUBLE).add("a0", ColumnType.LONG).build();
        assertThat(EncodedPostShuffle.of(new GroupByPostShuffleSpec(List.of("d0"), AGGS.subList(0, 1), true,
                null, null), doubles, doubles, new int[0])).isEmpty();
        // another processor
        assertThat(EncodedPostShuffle.of(
                new io.sluice.engine.plan.LimitProcessorSpec(0, 10L), IN, IN, new int[0])).isEmpty();
    }
}
