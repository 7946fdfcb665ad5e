package io.sluice.engine.worker;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.plan.StageDefinition;
import java.util.List;
import java.util.Map;

/**
 * What one worker must do for one stage: the stage, its input slices (one per stage input, same order), the query
 * context, and for segment generation the version of the segments to build.
 */
public record WorkOrder(
        String queryId,
        int workerNumber,
        StageDefinition stage,
        List<InputSlice> inputs,
        Map<String, Object> context,
        String segmentVersion) {
    public WorkOrder {
        requireNonNull(queryId, "queryId is null");
        requireNonNull(stage, "stage is null");
        inputs = List.copyOf(inputs);
        context = Map.copyOf(context);
    }

    public int stageNumber() {
        return stage.stageNumber();
    }
}
