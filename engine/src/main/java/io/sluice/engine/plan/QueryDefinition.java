package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A query as a DAG of stages, numbered 0..n-1 in a topological order; the last stage is the final one (its output is
 * the query's result, or the published segments for ingestion).
 */
public record QueryDefinition(String queryId, List<StageDefinition> stages) {
    public QueryDefinition {
        requireNonNull(queryId, "queryId is null");
        stages = List.copyOf(stages);
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).stageNumber() != i) {
                throw new IllegalArgumentException("stage " + i + " has number " + stages.get(i).stageNumber());
            }
            for (InputSpec in : stages.get(i).inputs()) {
                if (in instanceof StageInputSpec s && s.stage() >= i) {
                    throw new IllegalArgumentException("stage " + i + " reads a later stage " + s.stage());
                }
            }
        }
    }

    public StageDefinition stage(int n) {
        return stages.get(n);
    }

    public StageDefinition finalStage() {
        return stages.get(stages.size() - 1);
    }
}
