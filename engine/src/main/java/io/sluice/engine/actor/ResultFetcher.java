package io.sluice.engine.actor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import io.sluice.engine.worker.PartitionReader;
import io.sluice.engine.worker.PartitionSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Reads the final stage's partitions from the workers (in partition order, merging a partition's pieces by sort
 * key) and maps them to the SELECT's output columns, for the report's {@code results}.
 */
final class ResultFetcher {
    private final ActorSystem<?> system;
    private final QuerySpec spec;
    private final int partitions;
    private final List<ActorRef<Worker.Command>> workers;
    private final List<Integer> attempts;
    private final int stageNumber;
    private final int maxRows;

    ResultFetcher(
            ActorSystem<?> system,
            QuerySpec spec,
            int partitions,
            List<ActorRef<Worker.Command>> workers,
            List<Integer> attempts,
            int stageNumber,
            int maxRows) {
        this.system = system;
        this.spec = spec;
        this.partitions = partitions;
        this.workers = workers;
        this.attempts = List.copyOf(attempts);
        this.stageNumber = stageNumber;
        this.maxRows = maxRows;
    }

    CompletableFuture<List<List<Object>>> fetch(Executor blocking, int upstreamWorkers) {
        return CompletableFuture.supplyAsync(() -> read(upstreamWorkers), blocking);
    }

    private List<List<Object>> read(int stageWorkers) {
        StageDefinition stage = spec.queryDefinition().stage(stageNumber);
        RowSignature sig = stage.signature();
        List<KeyColumn> sortKey = stage.doesSort() ? stage.shuffleSpec().clusterBy().columns() : List.of();
        List<List<PartitionSource>> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<PartitionSource> pieces = new ArrayList<>();
            if (stage.shuffleSpec() == null) {
                pieces.add(new PartitionSource(stageNumber, p, attempts.get(p), workers.get(p), 0));
            } else {
                for (int w = 0; w < stageWorkers; w++) {
                    pieces.add(new PartitionSource(stageNumber, w, attempts.get(w), workers.get(w), p));
                }
            }
            parts.add(pieces);
        }
        int[] positions = new int[spec.columnMappings().size()];
        for (int i = 0; i < positions.length; i++) {
            ColumnMapping m = spec.columnMappings().get(i);
            positions[i] = sig.indexOf(m.queryColumn());
        }
        List<List<Object>> rows = new ArrayList<>();
        try (RowSource in = PartitionReader.read(system, sig, sortKey, parts)) {
            Object[] row;
            while ((row = in.next()) != null && rows.size() < maxRows) {
                Object[] out = new Object[positions.length];
                for (int i = 0; i < positions.length; i++) {
                    out[i] = positions[i] < 0 ? null : toJsonValue(row[positions[i]]);
                }
                rows.add(Arrays.asList(out));
            }
        }
        return rows;
    }

    private static Object toJsonValue(Object v) {
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        return v;
    }
}
