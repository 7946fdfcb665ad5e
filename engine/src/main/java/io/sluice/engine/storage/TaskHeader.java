package io.sluice.engine.storage;

import static java.util.Objects.requireNonNull;

/**
 * A task without its payload and report: what a status poll and a task list show. Read without touching the two
 * large text columns, so polling a task whose report holds many result rows stays as cheap as any other.
 *
 * @param createdTime ISO-8601 instant
 * @param status {@code RUNNING}, {@code SUCCESS} or {@code FAILED}
 * @param durationMs -1 while running
 * @param errorMsg nullable
 * @param locationHost nullable
 */
public record TaskHeader(
        String id,
        String type,
        String dataSource,
        String createdTime,
        String status,
        long durationMs,
        String errorMsg,
        String locationHost,
        int locationPort) {
    public TaskHeader {
        requireNonNull(id, "id is null");
        requireNonNull(type, "type is null");
        requireNonNull(dataSource, "dataSource is null");
        requireNonNull(createdTime, "createdTime is null");
        requireNonNull(status, "status is null");
        if (!TaskRecord.STATUSES.contains(status)) {
            throw new IllegalArgumentException("Unknown task status [" + status + "]");
        }
    }
}
