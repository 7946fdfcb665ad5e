package io.sluice.engine.agg;

import io.sluice.engine.types.ColumnType;

/**
 * Aggregate functions. AVG is not here: the planner rewrites it to SUM / COUNT plus a post-aggregation expression.
 * SQL NULL rules: COUNT(x) skips NULLs; SUM/MIN/MAX over no non-NULL values give NULL.
 */
public enum AggKind {
    /** COUNT(*) (input null) or COUNT(x) (non-NULL x); LONG; with distinct=true exact distinct count */
    COUNT,
    /** LONG or DOUBLE by outputType */
    SUM,
    MIN,
    MAX,
    /** value at the earliest / latest __time; input is the value, the stage must carry __time */
    EARLIEST,
    LATEST,
    /** ANY_VALUE */
    ANY_VALUE,
    /** approximate distinct with DataSketches HLL (APPROX_COUNT_DISTINCT, _DS_HLL) → LONG */
    APPROX_COUNT_DISTINCT_HLL,
    /** approximate distinct with DataSketches Theta → LONG */
    APPROX_COUNT_DISTINCT_THETA,
    /** DS_HLL: a DataSketches HLL sketch of the input (or the union of sketch inputs) → COMPLEX&lt;HLLSketch&gt; */
    HLL_SKETCH,
    /** DS_THETA: a DataSketches Theta sketch of the input (or the union of sketch inputs) → COMPLEX&lt;thetaSketch&gt; */
    THETA_SKETCH,
    /** BIG_SUM: an exact decimal sum (scale 9, as Druid's compressed-big-decimal default) → DOUBLE */
    BIG_SUM;

    /** The type carried between pre- and post-shuffle. */
    public ColumnType intermediateType(ColumnType outputType) {
        return switch (this) {
            case COUNT, SUM, MIN, MAX, ANY_VALUE -> outputType;
            case EARLIEST, LATEST -> ColumnType.COMPLEX_STATE;
            case APPROX_COUNT_DISTINCT_HLL, HLL_SKETCH -> ColumnType.COMPLEX_HLL;
            case APPROX_COUNT_DISTINCT_THETA, THETA_SKETCH -> ColumnType.COMPLEX_THETA;
            case BIG_SUM -> ColumnType.STRING;
        };
    }
}
