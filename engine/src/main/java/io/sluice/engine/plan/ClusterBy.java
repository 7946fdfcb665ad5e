package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The shuffle key. The first {@code bucketByCount} columns are bucket columns: a partition never spans two bucket
 * values (used for the time chunk, {@code __bucket}, in ingestion).
 */
public record ClusterBy(List<KeyColumn> columns, @JsonInclude(JsonInclude.Include.NON_DEFAULT) int bucketByCount) {
    public ClusterBy {
        columns = List.copyOf(columns);
        if (bucketByCount < 0 || bucketByCount > columns.size()) {
            throw new IllegalArgumentException("bad bucketByCount " + bucketByCount);
        }
    }

    public static ClusterBy none() {
        return new ClusterBy(List.of(), 0);
    }
}
