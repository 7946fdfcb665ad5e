package io.sluice.engine.storage;

import java.nio.file.Path;

/** Where segment files live once built. Paths returned by {@link #push} are the segments' load specs. */
public interface DeepStorage {
    /**
     * Moves {@code localFile} (callers must not rely on it afterwards) into deep storage under the segment's
     * datasource, interval, version and a name unique within them, and returns its load-spec path.
     */
    String push(Path localFile, String dataSource, long start, long end, String version, String uniqueName);

    /** A local file holding the segment at {@code loadSpecPath} (fetching it first if the storage is remote). */
    Path localPath(String loadSpecPath);

    /** Removes the segment file at {@code loadSpecPath}; a missing file is not an error. */
    void delete(String loadSpecPath);
}
