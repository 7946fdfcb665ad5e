package io.sluice.engine.exec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Druid's {@code channel} counter: per-partition arrays of rows, bytes, frames, files and totalFiles. Thread-safe
 * (writers and the reporting thread may differ). Arrays grow to the highest partition touched.
 */
public final class ChannelCounters {
    private long[] rows = new long[0];
    private long[] bytes = new long[0];
    private long[] frames = new long[0];
    private long[] files = new long[0];
    private long[] totalFiles = new long[0];

    private static long[] grow(long[] a, int index) {
        return index < a.length ? a : Arrays.copyOf(a, index + 1);
    }

    private void ensure(int partition) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition " + partition);
        }
        rows = grow(rows, partition);
        bytes = grow(bytes, partition);
        frames = grow(frames, partition);
        files = grow(files, partition);
        totalFiles = grow(totalFiles, partition);
    }

    /** Adds to a partition's rows, bytes and frames. */
    public synchronized void add(int partition, long rowCount, long byteCount, long frameCount) {
        ensure(partition);
        rows[partition] += rowCount;
        bytes[partition] += byteCount;
        frames[partition] += frameCount;
    }

    /** Adds to a partition's files read and total files (input counters). */
    public synchronized void addFiles(int partition, long filesRead, long filesTotal) {
        ensure(partition);
        files[partition] += filesRead;
        totalFiles[partition] += filesTotal;
    }

    /** Makes sure arrays cover {@code partitions} entries (so empty partitions show as 0). */
    public synchronized void ensurePartitions(int partitions) {
        if (partitions > 0) {
            ensure(partitions - 1);
        }
    }

    public synchronized long[] rows() {
        return rows.clone();
    }

    public synchronized long[] bytes() {
        return bytes.clone();
    }

    public synchronized long[] frames() {
        return frames.clone();
    }

    public synchronized long[] files() {
        return files.clone();
    }

    public synchronized long[] totalFiles() {
        return totalFiles.clone();
    }

    public synchronized long totalRows() {
        long t = 0;
        for (long r : rows) {
            t += r;
        }
        return t;
    }

    /** Adds another counter's values into this one. */
    public void addAll(ChannelCounters other) {
        long[] r;
        long[] b;
        long[] f;
        long[] fi;
        long[] tf;
        synchronized (other) {
            r = other.rows.clone();
            b = other.bytes.clone();
            f = other.frames.clone();
            fi = other.files.clone();
            tf = other.totalFiles.clone();
        }
        synchronized (this) {
            if (r.length > 0) {
                ensure(r.length - 1);
            }
            for (int i = 0; i < r.length; i++) {
                rows[i] += r[i];
                bytes[i] += b[i];
                frames[i] += f[i];
                files[i] += fi[i];
                totalFiles[i] += tf[i];
            }
        }
    }

    public synchronized boolean isEmpty() {
        return allZero(rows) && allZero(bytes) && allZero(frames) && allZero(files) && allZero(totalFiles);
    }

    /** {@code {"type":"channel","rows":[…],"bytes":[…],"frames":[…],"files":[…],"totalFiles":[…]}}, all-zero arrays omitted. */
    public synchronized Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "channel");
        put(m, "rows", rows);
        put(m, "bytes", bytes);
        put(m, "frames", frames);
        put(m, "files", files);
        put(m, "totalFiles", totalFiles);
        return m;
    }

    private static void put(Map<String, Object> m, String name, long[] a) {
        if (!allZero(a)) {
            m.put(name, a.clone());
        }
    }

    private static boolean allZero(long[] a) {
        for (long v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized String toString() {
        return toJson().toString();
    }
}
