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
    @JsonSubTypes.Type(value = Destination.DataSource.class, name = "dataSource"),
    @JsonSubTypes.Type(value = Destination.Export.class, name = "export")
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

    /**
     * Export: CSV files in a directory, as Druid's {@code {"type":"export","exportStorageProvider":{"type":"local",
     * "exportPath":...},"resultFormat":"csv"}}.
     */
    record Export(LocalExportStorage exportStorageProvider, String resultFormat) implements Destination {
        public Export {
            java.util.Objects.requireNonNull(exportStorageProvider, "exportStorageProvider is null");
            java.util.Objects.requireNonNull(resultFormat, "resultFormat is null");
        }

        public String exportPath() {
            return exportStorageProvider.exportPath();
        }
    }

    /** The local file system export destination ({@code local(exportPath => '/abs/dir')}). */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = LocalExportStorage.class, name = "local")})
    record LocalExportStorage(String exportPath) {
        public LocalExportStorage {
            java.util.Objects.requireNonNull(exportPath, "exportPath is null");
        }
    }
}
