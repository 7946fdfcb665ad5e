package io.sluice.engine.agg;

/**
 * A compiled aggregation (see {@link Aggregators#create}). States are mutable objects owned by the caller; the
 * intermediate form (what crosses the shuffle) is a Long/Double/String for simple kinds and {@code byte[]} for
 * COMPLEX_STATE kinds.
 */
public interface Aggregator {
    AggregatorSpec spec();

    /** A fresh empty state. */
    Object newState();

    /** Folds one input row (evaluating the spec's filter and input); returns the state to keep (maybe the same). */
    Object fold(Object state, Object[] row);

    /** Folds an intermediate value (from {@link #intermediate}) into the state; returns the state to keep. */
    Object mergeIntermediate(Object state, Object intermediate);

    /** The state's intermediate value (of {@link AggregatorSpec#intermediateType()}). */
    Object intermediate(Object state);

    /** Intermediate value → final value of {@link AggregatorSpec#outputType()}. */
    Object finalizeValue(Object intermediate);

    /** Combines two intermediate values into one. */
    default Object combine(Object a, Object b) {
        return intermediate(mergeIntermediate(mergeIntermediate(newState(), a), b));
    }

    /** Intermediate value of an aggregation over no rows. */
    default Object emptyIntermediate() {
        return intermediate(newState());
    }
}
