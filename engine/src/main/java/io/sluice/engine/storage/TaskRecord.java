package io.sluice.engine.storage;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * A task as the metadata store keeps it.
 *
 * @param createdTime ISO-8601 instant
 * @param status {@code RUNNING}, {@code SUCCESS} or {@code FAILED}
 * @param durationMs -1 while running
 * @param errorMsg nullable
 * @param locationHost nullable
 * @param reportJson nullable until the report is saved
 */
public record TaskRecord(
        String id,
        String type,
        String dataSource,
        String createdTime,
        String status,
        long durationMs,
        String errorMsg,
        String locationHost,
        int locationPort,
        String payloadJson,
        String reportJson) {
    public static final String RUNNING = "RUNNING";
    public static final String SUCCESS = "SUCCESS";
    public static final String FAILED = "FAILED";
    static final Set<String> STATUSES = Set.of(RUNNING, SUCCESS, FAILED);

    public TaskRecord {
        requireNonNull(id, "id is null");
        requireNonNull(type, "type is null");
        requireNonNull(dataSource, "dataSource is null");
        requireNonNull(createdTime, "createdTime is null");
        requireNonNull(status, "status is null");
        requireNonNull(payloadJson, "payloadJson is null");
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("Unknown task status [" + status + "]");
        }
    }

    /** A task: its header, with its payload and report (null until the task ends). */
    public static TaskRecord of(TaskHeader h, String payloadJson, String reportJson) {
        return new TaskRecord(h.id(), h.type(), h.dataSource(), h.createdTime(), h.status(), h.durationMs(),
                h.errorMsg(), h.locationHost(), h.locationPort(), payloadJson, reportJson);
    }

    /** The task without payload and report. */
    public TaskHeader header() {
        return new TaskHeader(id, type, dataSource, createdTime, status, durationMs, errorMsg, locationHost,
                locationPort);
    }
}
