package io.sluice.engine.task;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.fault.Fault;

/** Where the controller records how its task ended (status, duration, error, final report): the metadata store. */
public interface TaskStore {
    void complete(String taskId, String status, long durationMs, Fault fault, JsonNode finalReport);
}
