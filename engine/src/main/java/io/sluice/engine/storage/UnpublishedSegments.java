package io.sluice.engine.storage;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Set;

/**
 * Removes from deep storage the segment files an ingestion task pushed but never published (it failed or was
 * canceled after its segment stage, or its publish was refused), so that failed ingestions leave no files behind.
 * A file is removed only when no segment recorded in the metadata store under the task's datasource names it (in any
 * version: an INSERT appends under the time chunk's version): a publish that committed, even one whose answer was
 * lost, keeps all its files.
 */
public final class UnpublishedSegments {
    private UnpublishedSegments() {}

    /** Deletes the {@code pushed} paths no recorded segment references; returns how many it deleted. */
    public static int delete(
            MetadataStore metadata, DeepStorage deepStorage, String dataSource, Collection<String> pushed) {
        requireNonNull(metadata, "metadata is null");
        requireNonNull(deepStorage, "deepStorage is null");
        if (pushed.isEmpty()) {
            return 0;
        }
        Set<String> referenced = metadata.referencedPaths(dataSource, pushed);
        int deleted = 0;
        for (String path : pushed) {
            if (!path.isEmpty() && !referenced.contains(path)) {
                deepStorage.delete(path);
                deleted++;
            }
        }
        return deleted;
    }
}
