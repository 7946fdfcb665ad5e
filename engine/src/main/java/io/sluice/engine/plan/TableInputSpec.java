package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Reads the visible segments of a datasource that overlap {@code intervals} (Druid interval strings; ETERNITY for
 * everything). Rows come out with the datasource's full signature ({@code __time} first).
 */
public record TableInputSpec(String dataSource, List<String> intervals) implements InputSpec {
    public TableInputSpec {
        requireNonNull(dataSource, "dataSource is null");
        intervals = List.copyOf(intervals);
    }
}
