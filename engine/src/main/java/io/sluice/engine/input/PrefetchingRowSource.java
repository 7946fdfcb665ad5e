package io.sluice.engine.input;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Reads (parses) a split on a thread of its own, a few batches of rows ahead of the consumer, so that parsing one
 * file and processing its rows run on two cores. The consumer sees exactly the source's rows, in order; a failure of
 * the source (a fault such as too many parse errors, or an I/O error) reaches the consumer after the rows read
 * before it, as the same exception. Counters are read from the source: exact once the source is exhausted.
 *
 * <p>A row-by-row pipeline over the source (a scan's filter and projection) can run on the reading thread too: the
 * consumer then sees the pipeline's rows, and {@link #rowsDelivered()} tells how many source rows the batches taken
 * so far came from. The rows are then handed over already made, so the consumer's core does not touch every parsed
 * value a first time (on W1 of the benchmark that first touch was most of the consumer's time).
 * {@link #close()} stops the reading thread before closing the source, so the source is never used by two threads at
 * once.
 */
public final class PrefetchingRowSource implements CountingRowSource {
    private static final int BATCH = 1024;
    private static final int DEPTH = 48;
    /**
     * The input text (uncompressed bytes) the queued batches may come from, in KiB: deep enough that parsing goes on
     * while the consumer sorts a spill, and bounded however wide the rows are.
     */
    private static final int MAX_QUEUED_KIB = 16 << 10;

    /** {@code kib}: the input text the batch came from, held from the queue's budget until the batch is taken. */
    private record Batch(Object[][] rows, int size, Throwable failure, long rowsRead, boolean end, int kib,
            EncodedRows encoded) {
        Batch(Object[][] rows, int size, Throwable failure, long rowsRead, boolean end, int kib) {
            this(rows, size, failure, rowsRead, end, kib, null);
        }
    }

    /** Rows per batch in encoded mode (whole blocks, so a batch may hold a few more), and its first capacity. */
    private static final int ENCODED_BATCH_ROWS = 2048;
    private static final int ENCODED_BATCH_BYTES = 512 << 10;

    private final Semaphore queuedKib = new Semaphore(MAX_QUEUED_KIB);

    private final int batchRows;
    private final CountingRowSource source;
    /** In encoded mode, the source (a JSON reader in encoded mode); else null. */
    private final JsonRowSource encodedSource;
    /** In encoded mode, batches the consumer handed back, for the reading thread to fill again. */
    private final BlockingQueue<EncodedRows> spare;
    private final int keyWidth;
    /** What the reading thread reads: the source, or the pipeline over it. */
    private final io.sluice.engine.rows.RowSource rows;
    private final BlockingQueue<Batch> full;
    private final Thread reader;
    private volatile boolean closed;
    private Batch current;
    private int pos;
    private boolean done;
    private long rowsDelivered;

    public PrefetchingRowSource(CountingRowSource source, String name) {
        this(source, r -> r, name);
    }

    /**
     * @param pipeline applied to the source once, here; the row source it makes is read (and closed) by the reading
     *     thread's side only
     */
    public PrefetchingRowSource(CountingRowSource source,
            java.util.function.Function<io.sluice.engine.rows.RowSource, io.sluice.engine.rows.RowSource> pipeline,
            String name) {
        this(source, pipeline, "sluice-parse-" + name, BATCH, DEPTH);
    }

    private PrefetchingRowSource(CountingRowSource source,
            java.util.function.Function<io.sluice.engine.rows.RowSource, io.sluice.engine.rows.RowSource> pipeline,
            String threadName, int batchRows, int depth) {
        this(source, pipeline, threadName, batchRows, depth, 0);
    }

    private PrefetchingRowSource(CountingRowSource source,
            java.util.function.Function<io.sluice.engine.rows.RowSource, io.sluice.engine.rows.RowSource> pipeline,
            String threadName, int batchRows, int depth, int keyWidth) {
        this.batchRows = batchRows;
        this.full = new ArrayBlockingQueue<>(depth);
        this.source = requireNonNull(source, "source is null");
        this.rows = pipeline == null ? source : requireNonNull(pipeline.apply(source), "pipeline made null");
        this.encodedSource = pipeline == null ? (JsonRowSource) source : null;
        this.spare = pipeline == null ? new ArrayBlockingQueue<>(depth + 2) : null;
        this.keyWidth = keyWidth;
        reader = new Thread(pipeline == null ? this::readEncodedLoop : this::readLoop, threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try {
            while (!closed) {
                long bytesBefore = source.uncompressedBytesRead();
                Object[][] batch = new Object[batchRows][];
                int n = 0;
                Throwable failure = null;
                boolean end = false;
                try {
                    while (n < batchRows) {
                        Object[] row = rows.next();
                        if (row == null) {
                            end = true;
                            break;
                        }
                        batch[n++] = row;
                    }
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
                long read = source.rowsRead();
                if (n > 0) {
                    int kib = (int) Math.min(MAX_QUEUED_KIB,
                            Math.max(1, (source.uncompressedBytesRead() - bytesBefore) >> 10));
                    queuedKib.acquire(kib);
                    full.put(new Batch(batch, n, null, read, false, kib));
                }
                if (failure != null) {
                    full.put(new Batch(null, 0, failure, read, false, 0));
                    return;
                }
                if (end) {
                    full.put(new Batch(null, 0, null, read, true, 0));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed by the consumer
        }
    }

    /**
     * Reads a split opened by {@link InputFormats#openEncoded} on a thread of its own, ahead of the consumer, which
     * takes the rows as encoded batches ({@link #nextEncoded()}), each row with {@code keyWidth} key values.
     */
    public static PrefetchingRowSource encoded(CountingRowSource openedEncoded, int keyWidth, String name) {
        if (!(openedEncoded instanceof JsonRowSource json) || !json.encodedMode()) {
            throw new IllegalArgumentException("not a source opened in encoded mode");
        }
        return new PrefetchingRowSource(openedEncoded, null, "sluice-parse-" + name, ENCODED_BATCH_ROWS, DEPTH,
                keyWidth);
    }

    private void readEncodedLoop() {
        try {
            boolean more = true;
            while (!closed && more) {
                long bytesBefore = source.uncompressedBytesRead();
                EncodedRows batch = spare.poll();
                if (batch == null) {
                    batch = new EncodedRows(keyWidth, batchRows + 256, ENCODED_BATCH_BYTES);
                }
                Throwable failure = null;
                try {
                    more = encodedSource.fill(batch, batchRows);
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
                long read = source.rowsRead();
                if (batch.count() > 0) {
                    // the budget counts the batch's buffer: its rows are the input text, re-encoded
                    int kib = (int) Math.min(MAX_QUEUED_KIB, Math.max(1, Math.max(batch.capacityBytes(),
                            source.uncompressedBytesRead() - bytesBefore) >> 10));
                    queuedKib.acquire(kib);
                    full.put(new Batch(null, batch.count(), null, read, false, kib, batch));
                }
                if (failure != null) {
                    full.put(new Batch(null, 0, failure, read, false, 0));
                    return;
                }
                if (!more) {
                    full.put(new Batch(null, 0, null, read, true, 0));
                }
            }
        } catch (InterruptedException e) {
            // closed by the consumer
        }
    }

    /**
     * In encoded mode: the next batch of rows, in order; null at the end. Failures of the source come as from
     * {@link #next()}. Hand the batch back with {@link #recycle} once its rows are taken.
     */
    public EncodedRows nextEncoded() {
        if (encodedSource == null) {
            throw new IllegalStateException("not in encoded mode");
        }
        if (done) {
            return null;
        }
        Batch b = takeBatch();
        return b == null ? null : b.encoded();
    }

    /** Gives a batch from {@link #nextEncoded()} back to be filled again. */
    public void recycle(EncodedRows batch) {
        batch.clear();
        spare.offer(batch);
    }

    /** The next batch with rows, its budget released and the counters moved on; null at the end; throws failures. */
    private Batch takeBatch() {
        Batch b = take();
        queuedKib.release(b.kib());
        rowsDelivered = b.rowsRead();
        if (b.failure() != null) {
            done = true;
            if (b.failure() instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) b.failure();
        }
        if (b.end()) {
            done = true;
            return null;
        }
        return b;
    }

    @Override
    public Object[] next() {
        if (encodedSource != null) {
            throw new IllegalStateException("in encoded mode: read with nextEncoded");
        }
        while (true) {
            if (current != null && pos < current.size()) {
                Object[] row = current.rows()[pos];
                current.rows()[pos++] = null;
                return row;
            }
            if (done) {
                return null;
            }
            Batch b = takeBatch();
            if (b == null) {
                return null;
            }
            current = b;
            pos = 0;
        }
    }

    private Batch take() {
        try {
            Batch b;
            while ((b = full.poll(1, TimeUnit.SECONDS)) == null) {
                if (!reader.isAlive() && full.isEmpty()) {
                    throw new IllegalStateException("input reader thread ended without a result");
                }
            }
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while reading input");
        }
    }

    @Override
    public long bytesRead() {
        return source.bytesRead();
    }

    @Override
    public long uncompressedBytesRead() {
        return source.uncompressedBytesRead();
    }

    @Override
    public long rowsRead() {
        return source.rowsRead();
    }

    /**
     * The source rows read for the batches taken so far (the rows, or the pipeline's rows made from them): exact
     * once {@link #next()} has returned null, and read on the consumer's thread without a race.
     */
    public long rowsDelivered() {
        return rowsDelivered;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reader.interrupt();
        full.clear(); // unblocks a reader waiting to put
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reader.isAlive() && System.nanoTime() < deadline) {
            try {
                reader.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            full.clear();
        }
        // normally the reader has ended; one blocked in a read that ignores interrupts is released by the close
        rows.close();
        if (rows != source) {
            source.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rows and batches of {@link #ahead}: a few thousand rows at most wait between the two threads. */
    private static final int AHEAD_BATCH = 256;
    private static final int AHEAD_DEPTH = 8;

    /**
     * The rows of {@code rows}, in order: the first {@code inline} read by the caller itself, and if there are more, the
     * rest read on a thread of its own a few batches ahead. For a stage whose processing (merging sorted partitions,
     * combining groups) and whose output (encoding, sorting) each take a core: a large input then keeps both busy,
     * while a small one never starts a thread. Failures reach the caller as with the constructor; closing stops the
     * thread, then closes {@code rows}.
     */
    public static io.sluice.engine.rows.RowSource ahead(io.sluice.engine.rows.RowSource rows, long inline, String name) {
        requireNonNull(rows, "rows is null");
        return new io.sluice.engine.rows.RowSource() {
            private long taken;
            private boolean ended;
            private PrefetchingRowSource prefetching;

            @Override
            public Object[] next() {
                if (prefetching != null) {
                    return prefetching.next();
                }
                if (ended) {
                    return null;
                }
                if (taken < inline) {
                    Object[] row = rows.next();
                    taken++;
                    ended = row == null;
                    return row;
                }
                prefetching = new PrefetchingRowSource(
                        uncounted(rows), r -> r, "sluice-ahead-" + name, AHEAD_BATCH, AHEAD_DEPTH);
                return prefetching.next();
            }

            @Override
            public void close() {
                if (prefetching != null) {
                    prefetching.close(); // stops the thread, then closes rows
                } else {
                    rows.close();
                }
            }
        };
    }

    private static CountingRowSource uncounted(io.sluice.engine.rows.RowSource rows) {
        return new CountingRowSource() {
            @Override
            public Object[] next() {
                return rows.next();
            }

            @Override
            public void close() {
                rows.close();
            }

            @Override
            public long bytesRead() {
                return 0;
            }

            @Override
            public long uncompressedBytesRead() {
                return 0;
            }

            @Override
            public long rowsRead() {
                return 0;
            }
        };
    }
}
