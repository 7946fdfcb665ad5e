package io.sluice.engine.kernel;

import java.util.EnumSet;
import java.util.Set;

/**
 * A stage's phase as the controller sees it (Druid's names, as the report shows them). Each phase knows which
 * phases may follow it; {@link #checkTransition} refuses any other move.
 */
public enum ControllerStagePhase {
    NEW,
    READING_INPUT,
    POST_READING,
    RESULTS_READY,
    /** Under fault tolerance: some workers' parts of the stage are being re-run after a worker was lost. */
    RETRYING,
    FINISHED,
    FAILED;

    private Set<ControllerStagePhase> next() {
        return switch (this) {
            case NEW -> EnumSet.of(READING_INPUT, FAILED);
            case READING_INPUT -> EnumSet.of(POST_READING, RESULTS_READY, RETRYING, FAILED);
            case POST_READING -> EnumSet.of(RESULTS_READY, RETRYING, FAILED);
            case RESULTS_READY -> EnumSet.of(FINISHED, RETRYING, FAILED);
            case RETRYING -> EnumSet.of(READING_INPUT, POST_READING, RESULTS_READY, FAILED);
            case FINISHED, FAILED -> EnumSet.noneOf(ControllerStagePhase.class);
        };
    }

    public boolean isTerminal() {
        return this == FINISHED || this == FAILED;
    }

    /** True once the stage's output can be read by consumers. */
    public boolean hasResults() {
        return this == RESULTS_READY || this == FINISHED;
    }

    public ControllerStagePhase checkTransition(ControllerStagePhase to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("Illegal stage phase transition " + this + " -> " + to);
        }
        return to;
    }
}
