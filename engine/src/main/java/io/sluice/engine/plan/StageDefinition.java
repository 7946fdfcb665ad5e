package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Set;

/**
 * One stage: its inputs, the processor that runs on each worker, the output signature, and how the output is
 * shuffled (null = no shuffle: each worker's output is one partition kept as is, e.g. the final SELECT stage or
 * segment generation).
 *
 * @param id {@code <queryId>_<stageNumber>} as in Druid reports
 * @param broadcastInputs indexes into {@code inputs} whose full contents every worker reads
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageDefinition(
        int stageNumber,
        String id,
        List<InputSpec> inputs,
        Set<Integer> broadcastInputs,
        ProcessorSpec processor,
        RowSignature signature,
        ShuffleSpec shuffleSpec,
        int maxWorkerCount) {
    public StageDefinition {
        requireNonNull(id, "id is null");
        inputs = List.copyOf(inputs);
        broadcastInputs = broadcastInputs == null ? Set.of() : Set.copyOf(broadcastInputs);
        requireNonNull(processor, "processor is null");
        requireNonNull(signature, "signature is null");
        if (maxWorkerCount < 1) {
            throw new IllegalArgumentException("maxWorkerCount must be >= 1");
        }
    }

    public boolean doesShuffle() {
        return shuffleSpec != null;
    }

    public boolean doesSort() {
        return shuffleSpec != null && !shuffleSpec.clusterBy().columns().isEmpty();
    }
}
