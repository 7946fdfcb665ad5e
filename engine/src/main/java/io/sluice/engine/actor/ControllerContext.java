package io.sluice.engine.actor;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.report.ReportState;
import io.sluice.engine.storage.DeepStorage;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.task.TaskStore;
import io.sluice.engine.types.Intervals;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What a controller needs from its node (local only, given at spawn): the metadata store, the task store, the
 * blocking executor, a clock, the host name shown in reports, limits, deep storage (to remove the files of segments
 * a failed ingestion pushed but did not publish), and a callback for when the task has ended.
 */
public record ControllerContext(
        MetadataStore metadata,
        TaskStore taskStore,
        Executor blocking,
        Clock clock,
        String host,
        Duration workerStartTimeout,
        int maxPartitions,
        int maxResultRows,
        DeepStorage deepStorage,
        Consumer<String> onFinished) {
    public ControllerContext {
        requireNonNull(metadata, "metadata is null");
        requireNonNull(taskStore, "taskStore is null");
        requireNonNull(blocking, "blocking is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(deepStorage, "deepStorage is null");
        requireNonNull(onFinished, "onFinished is null");
    }

    /** Segment version of this task: its creation instant in ISO form, as Druid's lock versions. */
    public String segmentVersion(ReportState report) {
        return Intervals.formatInstant(report.createdMillis());
    }
}
