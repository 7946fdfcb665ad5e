package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sort shuffle with a limit hint keeps exactly the first rows the full sort would give, ties and NULLs included. */
class TopNTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("k", ColumnType.STRING)
            .add("v", ColumnType.LONG)
            .add("id", ColumnType.LONG)
            .build();

    @TempDir
    Path tmp;

    private static StageDefinition stage(ShuffleSpec shuffle) {
        return new StageDefinition(0, "q_0", List.of(), null,
                new ScanProcessorSpec(null, List.of(new NamedExpr("k", new ColumnRef("k"), ColumnType.STRING),
                        new NamedExpr("v", new ColumnRef("v"), ColumnType.LONG),
                        new NamedExpr("id", new ColumnRef("id"), ColumnType.LONG)), null),
                SIG, shuffle, 1);
    }

    private static List<List<Object>> run(StageOutput out, List<Object[]> rows) {
        for (Object[] r : rows) {
            out.add(r.clone());
        }
        out.finishAndCollectStatistics();
        out.partition(PartitionBoundaries.single());
        List<List<Object>> got = new ArrayList<>();
        Iterator<Frame> it = out.readPartition(0);
        while (it.hasNext()) {
            RowSource rs = FrameReader.rows(SIG, it.next());
            Object[] r;
            while ((r = rs.next()) != null) {
                got.add(java.util.Arrays.asList(r));
            }
        }
        out.close();
        return got;
    }

    @Test
    void keepsTheFirstRowsOfTheFullSortWithTiesAndNulls() {
        Random rnd = new Random(7);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // few distinct keys: many ties, which the arrival order (the id column) breaks
            String k = rnd.nextInt(10) == 0 ? null : "k" + rnd.nextInt(5);
            Long v = rnd.nextInt(8) == 0 ? null : (long) rnd.nextInt(4);
            rows.add(new Object[] {k, v, (long) i});
        }
        ClusterBy by = new ClusterBy(List.of(KeyColumn.desc("v"), KeyColumn.asc("k")), 0);
        for (long limit : new long[] {0, 1, 7, 100, 5_000, 30_000}) {
            ShuffleSpec.MaxCount full = new ShuffleSpec.MaxCount(by, 1, false);
            List<List<Object>> expected = run(new StageOutput(stage(full), tmp.resolve("f" + limit), 200_000, 16 * 1024),
                    rows);
            List<List<Object>> top = run(new StageOutput(stage(full.withLimitHint(limit)), tmp.resolve("t" + limit),
                    200_000, 16 * 1024), rows);
            assertThat(top).isEqualTo(expected.subList(0, (int) Math.min(limit, expected.size())));
        }
    }

    @Test
    void topRowsBreakTiesByArrival() {
        TopRows top = new TopRows(3);
        byte[] a = {1};
        byte[] b = {2};
        top.offer(b, new Object[] {"b1"});
        top.offer(a, new Object[] {"a1"});
        top.offer(b, new Object[] {"b2"});
        top.offer(b, new Object[] {"b3"}); // equal to the largest kept: a later arrival does not displace it
        top.offer(a, new Object[] {"a2"}); // displaces b2, the latest of the largest
        List<Object> kept = new ArrayList<>();
        top.drainInOrder().forEach(e -> kept.add(e.row()[0]));
        assertThat(kept).containsExactly("a1", "a2", "b1");
    }
}
