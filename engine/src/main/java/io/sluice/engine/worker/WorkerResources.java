package io.sluice.engine.worker;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.storage.DeepStorage;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * What a node gives the workers it hosts: a temp directory root for stage outputs and spills, deep storage for
 * pushing segments, the memory budget of one worker (and the node's memory, which lends its idle slots' shares), and
 * the executor for blocking work.
 */
public record WorkerResources(
        Path tempRoot, DeepStorage deepStorage, long memoryPerWorkerBytes, Executor blocking, WorkerMemory memory) {
    public WorkerResources {
        requireNonNull(tempRoot, "tempRoot is null");
        requireNonNull(deepStorage, "deepStorage is null");
        requireNonNull(blocking, "blocking is null");
        requireNonNull(memory, "memory is null");
    }

    /** Resources whose workers have their share of memory and borrow none. */
    public WorkerResources(Path tempRoot, DeepStorage deepStorage, long memoryPerWorkerBytes, Executor blocking) {
        this(tempRoot, deepStorage, memoryPerWorkerBytes, blocking,
                WorkerMemory.sharesOnly(Math.max(1, memoryPerWorkerBytes)));
    }
}
