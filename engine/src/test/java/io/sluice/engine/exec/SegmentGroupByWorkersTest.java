package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.Aggregator;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.agg.Aggregators;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.segment.SegmentWriter;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columnar GROUP BY over random segments spread over several workers, with partial drains, gives after the
 * shuffle's combine and finalisation exactly what the row-by-row processor gives, and what the rows say (an oracle
 * computed straight from the generated rows, for COUNT(*) and COUNT(DISTINCT)).
 */
class SegmentGroupByWorkersTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("page", ColumnType.STRING)
            .add("user", ColumnType.STRING)
            .add("added", ColumnType.LONG)
            .add("ratio", ColumnType.DOUBLE)
            .build();

    private static final String[] WORDS = {"", "a", "Wikipedia:", "é", "\uD83D\uDE00", "\u0000", "talk", "Zz", "ab"};

    @TempDir
    Path dir;

    private static String word(Random rnd, int variants) {
        StringBuilder b = new StringBuilder(WORDS[rnd.nextInt(WORDS.length)]);
        if (rnd.nextBoolean()) {
            b.append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return b.append(rnd.nextInt(variants)).toString();
    }

    /** Writes {@code n} segments of random rows; returns the files and (in {@code all}) every row. */
    private List<Path> segments(Random rnd, int n, List<Object[]> all) {
        List<Path> files = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            List<Object[]> rows = new ArrayList<>();
            int count = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 200 + rnd.nextInt(900);
            boolean allNullUsers = rnd.nextInt(5) == 0;
            for (int i = 0; i < count; i++) {
                rows.add(new Object[] {
                    s % 3 == 1 ? 5_000L + rnd.nextInt(1000) : 1_000L * s + i, // one of three not time-sorted
                    rnd.nextInt(12) == 0 ? null : word(rnd, 30),
                    allNullUsers || rnd.nextInt(6) == 0 ? null : word(rnd, 60),
                    rnd.nextInt(7) == 0 ? null : (long) rnd.nextInt(500) - 100,
                    rnd.nextInt(7) == 0 ? null : rnd.nextInt(1000) / 8.0
                });
            }
            Path file = dir.resolve("seg-" + files.size() + "-" + rnd.nextInt(1_000_000) + ".sluice");
            Iterator<Object[]> it = rows.iterator();
            SegmentWriter.write(file, SIG, () -> it.hasNext() ? it.next() : null);
            files.add(file);
            all.addAll(rows);
        }
        return files;
    }

    private static AggregatorSpec agg(String name, AggKind kind, String column, ColumnType out, boolean distinct) {
        return new AggregatorSpec(name, kind, column == null ? null : new ColumnRef(column), null, out, distinct);
    }

    private static GroupByPreShuffleSpec spec(String dimension, Expr filter) {
        List<NamedExpr> dims = dimension == null
                ? List.of()
                : List.of(new NamedExpr("d0", new ColumnRef(dimension), ColumnType.STRING));
        return new GroupByPreShuffleSpec(filter, dims, List.of(
                agg("a0", AggKind.COUNT, null, ColumnType.LONG, false),
                agg("a1", AggKind.COUNT, "user", ColumnType.LONG, true),
                agg("a2", AggKind.SUM, "added", ColumnType.LONG, false),
                agg("a3", AggKind.MAX, "ratio", ColumnType.DOUBLE, false),
                agg("a4", AggKind.COUNT, "page", ColumnType.LONG, true)));
    }

    @Test
    void matchesTheRowProcessorAndTheRowsOverSeveralWorkersAndDrains() {
        Random rnd = new Random(2024);
        for (int round = 0; round < 20; round++) {
            List<Object[]> all = new ArrayList<>();
            List<Path> files = segments(rnd, 1 + rnd.nextInt(7), all);
            int workers = 1 + rnd.nextInt(3);
            Expr filter = switch (round % 4) {
                case 0 -> null;
                case 1 -> Call.of(Fn.NE, new ColumnRef("user"), Literal.of("a1"));
                case 2 -> Call.of(Fn.EQ, new ColumnRef("page"), Literal.of("no such page"));
                default -> Call.of(Fn.IS_NOT_NULL, new ColumnRef("added"));
            };
            for (String dim : Arrays.asList("page", "user", null)) {
                GroupByPreShuffleSpec spec = spec(dim, filter);
                List<Object[]> fast = new ArrayList<>();
                List<Object[]> slow = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    List<Path> mine = new ArrayList<>();
                    for (int i = w; i < files.size(); i += workers) {
                        mine.add(files.get(i));
                    }
                    fast.addAll(columnar(spec, mine, w, rnd.nextBoolean(), rnd.nextInt(3)));
                    slow.addAll(rowByRow(spec, mine, w));
                }
                Map<List<Object>, List<Object>> f = finalized(spec, fast);
                assertThat(f).as("round %d dim %s", round, dim).isEqualTo(finalized(spec, slow));
                if (filter == null) {
                    assertThat(f).isEqualTo(oracle(dim, all));
                }
            }
        }
    }

    /**
     * The columnar processor over a worker's segments; {@code drainEach}: drain after every segment; {@code ahead}: 0
     * intern nothing ahead, 1 intern the next two segments ahead before adding each (so a drain finds keys with no
     * rows yet), 2 intern every segment ahead on another thread while this one adds them.
     */
    private static List<Object[]> columnar(
            GroupByPreShuffleSpec spec, List<Path> files, int worker, boolean drainEach, int ahead) {
        SegmentGroupBy g = SegmentGroupBy.plan(spec, SIG, worker).orElseThrow();
        List<Object[]> out = new ArrayList<>();
        List<SegmentReader> readers = new ArrayList<>();
        for (Path p : files) {
            SegmentReader r = SegmentReader.open(p);
            readers.add(r);
            assertThat(g.canRead(r)).isTrue();
            g.preload(r);
        }
        java.util.concurrent.ExecutorService pool =
                ahead == 2 ? java.util.concurrent.Executors.newSingleThreadExecutor() : null;
        try {
            if (pool != null) {
                for (SegmentReader r : readers) {
                    pool.submit(() -> g.internAhead(r, Long.MIN_VALUE, Long.MAX_VALUE));
                }
            }
            int internedAhead = 0;
            for (int i = 0; i < readers.size(); i++) {
                while (ahead == 1 && internedAhead < Math.min(readers.size(), i + 3)) {
                    g.internAhead(readers.get(internedAhead++), Long.MIN_VALUE, Long.MAX_VALUE);
                }
                g.add(readers.get(i), Long.MIN_VALUE, Long.MAX_VALUE);
                if (drainEach) {
                    List<Object[]> drained = new ArrayList<>();
                    g.drain(false).forEachRemaining(drained::add);
                    assertInKeyOrder(spec, drained);
                    out.addAll(drained);
                }
            }
            if (pool != null) {
                pool.shutdown();
                assertThat(pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            readers.forEach(SegmentReader::close);
        }
        List<Object[]> last = new ArrayList<>();
        g.drain(true).forEachRemaining(last::add);
        assertInKeyOrder(spec, last);
        out.addAll(last);
        return out;
    }

    /**
     * Rows of one drain come in the order of the shuffle's keys (so the sorter can stream them), and each is a group
     * with rows (COUNT(*) > 0: no key that was only interned ahead).
     */
    private static void assertInKeyOrder(GroupByPreShuffleSpec spec, List<Object[]> rows) {
        if (spec.dimensions().isEmpty()) {
            return;
        }
        for (Object[] row : rows) {
            assertThat((Long) row[1]).as("COUNT(*) of group %s", row[0]).isPositive();
        }
        RowSignature sig = RowSignature.builder().add("d0", ColumnType.STRING).build();
        KeyCodec codec = new KeyCodec(sig, List.of(KeyColumn.asc("d0")));
        for (int i = 1; i < rows.size(); i++) {
            assertThat(Arrays.compareUnsigned(codec.encode(rows.get(i - 1)), codec.encode(rows.get(i))))
                    .isNegative();
        }
    }

    private static List<Object[]> rowByRow(GroupByPreShuffleSpec spec, List<Path> files, int worker) {
        RowSource all = SegmentRows.all(files, SIG.names());
        RowSignature.Builder out = RowSignature.builder();
        spec.dimensions().forEach(d -> out.add(d.name(), d.type()));
        spec.aggregations().forEach(a -> out.add(a.name(), a.intermediateType()));
        List<Object[]> rows = new ArrayList<>();
        try (RowSource s = StageProcessors.create(spec, SIG, out.build(), worker).transform(all)) {
            Object[] r;
            while ((r = s.next()) != null) {
                rows.add(r);
            }
        }
        return rows;
    }

    /** Combines rows of equal keys as the shuffle does, then finalises as the post-shuffle stage does. */
    private static Map<List<Object>, List<Object>> finalized(GroupByPreShuffleSpec spec, List<Object[]> rows) {
        Aggregator[] aggs = Aggregators.createAll(spec.aggregations(), SIG);
        int nd = spec.dimensions().size();
        Map<List<Object>, Object[]> states = new HashMap<>();
        for (Object[] r : rows) {
            List<Object> key = Arrays.asList(Arrays.copyOf(r, nd));
            Object[] st = states.get(key);
            if (st == null) {
                st = new Object[aggs.length];
                for (int a = 0; a < aggs.length; a++) {
                    st[a] = aggs[a].newState();
                }
                states.put(key, st);
            }
            for (int a = 0; a < aggs.length; a++) {
                st[a] = aggs[a].mergeIntermediate(st[a], r[nd + a]);
            }
        }
        Map<List<Object>, List<Object>> out = new HashMap<>();
        states.forEach((k, st) -> {
            List<Object> v = new ArrayList<>();
            for (int a = 0; a < aggs.length; a++) {
                v.add(aggs[a].finalizeValue(aggs[a].intermediate(st[a])));
            }
            out.put(k, v);
        });
        return out;
    }

    /** The expected values straight from the rows (no filter). */
    private static Map<List<Object>, List<Object>> oracle(String dim, List<Object[]> rows) {
        int di = dim == null ? -1 : SIG.indexOf(dim);
        Map<List<Object>, long[]> counts = new HashMap<>();
        Map<List<Object>, Set<Object>> users = new HashMap<>();
        Map<List<Object>, Set<Object>> pages = new HashMap<>();
        Map<List<Object>, Long> sums = new HashMap<>();
        Map<List<Object>, Double> maxes = new HashMap<>();
        for (Object[] r : rows) {
            List<Object> key = di < 0 ? List.of() : Arrays.asList(r[di]);
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            Set<Object> u = users.computeIfAbsent(key, k -> new HashSet<>());
            Set<Object> p = pages.computeIfAbsent(key, k -> new HashSet<>());
            if (r[2] != null) {
                u.add(r[2]);
            }
            if (r[1] != null) {
                p.add(r[1]);
            }
            if (r[3] != null) {
                sums.merge(key, (Long) r[3], Long::sum);
            }
            if (r[4] != null) {
                maxes.merge(key, (Double) r[4], Math::max);
            }
        }
        Map<List<Object>, List<Object>> out = new HashMap<>();
        counts.forEach((k, c) -> out.put(k, Arrays.asList(
                c[0], (long) users.get(k).size(), sums.get(k), maxes.get(k), (long) pages.get(k).size())));
        return out;
    }
}
