package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.sluice.engine.types.Granularity;
import java.util.List;

/** Where a query's output goes, as in Druid's task payload {@code spec.destination}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Destination.TaskReport.class, name = "taskReport"),
    @JsonSubTypes.Type(value = Destination.DataSource.class, name = "dataSource")
})
public sealed interface Destination {
    /** SELECT: rows land in the task report. */
    record TaskReport() implements Destination {}

    /**
     * INSERT / REPLACE into a datasource.
     *
     * @param replaceTimeChunks null for INSERT; for REPLACE the overwritten intervals (ETERNITY for OVERWRITE ALL)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DataSource(String dataSource, Granularity segmentGranularity, List<String> replaceTimeChunks)
            implements Destination {}
}
