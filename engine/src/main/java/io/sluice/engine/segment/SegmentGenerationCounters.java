package io.sluice.engine.segment;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Druid's {@code segmentGenerationProgress} counter: rows read by the generator (processed), buffered and sorted
 * (persisted), merged into segment files (merged) and pushed to deep storage (pushed). Safe to read from any
 * thread while a generator updates it.
 */
public final class SegmentGenerationCounters {
    private final AtomicLong rowsProcessed = new AtomicLong();
    private final AtomicLong rowsPersisted = new AtomicLong();
    private final AtomicLong rowsMerged = new AtomicLong();
    private final AtomicLong rowsPushed = new AtomicLong();

    public long rowsProcessed() {
        return rowsProcessed.get();
    }

    public long rowsPersisted() {
        return rowsPersisted.get();
    }

    public long rowsMerged() {
        return rowsMerged.get();
    }

    public long rowsPushed() {
        return rowsPushed.get();
    }

    public void addProcessed(long n) {
        rowsProcessed.addAndGet(n);
    }

    public void addPersisted(long n) {
        rowsPersisted.addAndGet(n);
    }

    public void addMerged(long n) {
        rowsMerged.addAndGet(n);
    }

    public void addPushed(long n) {
        rowsPushed.addAndGet(n);
    }
}
