package io.sluice.engine.storage;

/** A task with this id is already in the metadata store. */
public class DuplicateTaskException extends RuntimeException {
    private final String taskId;

    public DuplicateTaskException(String taskId, Throwable cause) {
        super("Task [" + taskId + "] already exists", cause);
        this.taskId = taskId;
    }

    public String taskId() {
        return taskId;
    }
}
