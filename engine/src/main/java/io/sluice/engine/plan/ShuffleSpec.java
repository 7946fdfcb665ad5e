package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * How a stage's output is partitioned and sorted, in Druid's report JSON shape:
 * <ul>
 *   <li>{@code maxCount}: range-partition by clusterBy into at most {@code partitions} (1 = a single sorted
 *       partition); {@code aggregate} tells the sorter rows with equal keys may be combined (GROUP BY).</li>
 *   <li>{@code targetSize}: range-partition so each partition holds about {@code targetSize} rows, never spanning
 *       buckets (segment generation).</li>
 *   <li>{@code hash}: hash-partition by the clusterBy columns into {@code partitions}; sorted within each partition.</li>
 *   <li>{@code mix}: no key; every worker's output goes to one partition unsorted.</li>
 * </ul>
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ShuffleSpec.MaxCount.class, name = "maxCount"),
    @JsonSubTypes.Type(value = ShuffleSpec.TargetSize.class, name = "targetSize"),
    @JsonSubTypes.Type(value = ShuffleSpec.Hash.class, name = "hash"),
    @JsonSubTypes.Type(value = ShuffleSpec.Mix.class, name = "mix")
})
public sealed interface ShuffleSpec {
    ClusterBy clusterBy();

    /** Druid's report word for the stage's shuffle: globalSort, hash, hashLocalSort or mix. */
    String kindName();

    /**
     * @param limitHint when set (non-aggregating shuffles only), the consumer reads at most this many rows from the
     *     start of the sorted output, so each worker keeps only its first {@code limitHint} rows in sort order
     *     (ties in arrival order, as the full sort would) — a top-N instead of a full sort
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MaxCount(ClusterBy clusterBy, int partitions, boolean aggregate, Long limitHint) implements ShuffleSpec {
        public MaxCount {
            if (limitHint != null && (limitHint < 0 || aggregate)) {
                throw new IllegalArgumentException("limitHint must be >= 0 and only on a non-aggregating sort");
            }
        }

        public MaxCount(ClusterBy clusterBy, int partitions, boolean aggregate) {
            this(clusterBy, partitions, aggregate, null);
        }

        /** The same shuffle, keeping only the first {@code limit} rows of each worker's sorted output. */
        public MaxCount withLimitHint(long limit) {
            return new MaxCount(clusterBy, partitions, aggregate, limit);
        }

        @Override
        public String kindName() {
            return "globalSort";
        }
    }

    record TargetSize(ClusterBy clusterBy, long targetSize) implements ShuffleSpec {
        @Override
        public String kindName() {
            return "globalSort";
        }
    }

    record Hash(ClusterBy clusterBy, int partitions) implements ShuffleSpec {
        @Override
        public String kindName() {
            return clusterBy.columns().isEmpty() ? "hash" : "hashLocalSort";
        }
    }

    record Mix() implements ShuffleSpec {
        @Override
        public ClusterBy clusterBy() {
            return ClusterBy.none();
        }

        @Override
        public String kindName() {
            return "mix";
        }
    }
}
