package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.ByteSource;
import io.sluice.engine.frame.FrameWriter;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * External merge sort of rows by a byte-comparable key within an approximate memory budget. Rows are buffered in
 * memory as bytes ({@link SortBuffer}); when the buffer passes half the budget it is handed to a background thread
 * that sorts it (stable), optionally combines it (equal keys folded by the {@link RowCombiner}) and spills it as a
 * run of frames to a file (each row: its key, the length of its values' encoding, its values), while rows go on into
 * a second buffer. Rows stay in their
 * encoding through the sort and merges and are decoded only where asked for ({@link KeyedRowSource#row()}) or
 * combined. {@link #sortedWithKeys()}
 * merges the runs k-way with a priority queue, first in intermediate levels of at most {@code maxFanIn} runs when
 * there are more. Equal keys keep arrival order. Files live in a private directory under {@code tempDir} and are
 * deleted by {@link #close()}. Not thread-safe, except {@link #progress()}.
 */
public final class ExternalSorter implements AutoCloseable {
    public static final int DEFAULT_MAX_FAN_IN = 64;
    private static final int MIN_RUN_FRAME_BYTES = 64 * 1024;
    private static final int MAX_RUN_FRAME_BYTES = 256 * 1024;
    private static final AtomicInteger SPILL_THREAD_COUNT = new AtomicInteger();
    /** Threads that sort and write full buffers while their sorters' callers go on adding rows (daemons, reused). */
    private static final ExecutorService SPILL_THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sluice-spill-" + SPILL_THREAD_COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private final RowSignature signature;
    private final KeyCodec keyCodec;
    private final Path tempDir;
    private final long memoryBudgetBytes;
    private final int maxFrameBytes;
    private final int maxFanIn;
    private final int runFrameBytes;
    private final RowCombiner combiner;
    private final RowSignature runSignature;

    /** The buffer rows are added to. */
    private SortBuffer buffer = new SortBuffer();
    /** A buffer a background spill has written, kept (cleared, with its chunks) for the next swap; or null. */
    private SortBuffer spare;
    /** The background spill under way (sorting and writing the previous buffer), or null: at most one at a time. */
    private CompletableFuture<SortBuffer> spilling;
    /** A row added without its encoding, encoded (reused). */
    private final ByteSink rowScratch = new ByteSink(256);
    private final List<Path> runs = new ArrayList<>();
    /** The frame index of each run spilled from the input (complete once the run is closed). */
    private final Map<Path, List<RunFrame>> runIndex = new HashMap<>();
    private Path dir;
    private int fileCounter;
    private int runsSpilled;
    private long rowsAdded;
    private boolean finished;
    private final List<AutoCloseable> openSources = new ArrayList<>();

    private int totalLevels = -1;
    private final Map<Integer, Long> levelTotals = new HashMap<>();
    private final Map<Integer, Long> levelMerged = new HashMap<>();
    private boolean trivial;
    private boolean done;

    /**
     * Input still in key order after this many buffered bytes is streamed to disk from then on (it needs no sort,
     * and holding it only fills the heap); smaller inputs stay in memory.
     */
    private static final long IN_ORDER_STREAM_BYTES = 16L << 20;

    /** True while every key added so far was >= the one before. */
    private boolean inOrder = true;
    private byte[] lastKey;
    /** The first run, still being appended to while the input stays in key order; null otherwise. */
    private RunWriter openRun;

    /**
     * @param keyCodec encodes the sort key of a row; may be null when every row is added with an explicit key
     * @param combiner null, or folds rows with equal keys
     */
    public ExternalSorter(
            RowSignature signature,
            KeyCodec keyCodec,
            Path tempDir,
            long memoryBudgetBytes,
            int maxFrameBytes,
            int maxFanIn,
            RowCombiner combiner) {
        this.signature = requireNonNull(signature, "signature is null");
        this.keyCodec = keyCodec;
        this.tempDir = requireNonNull(tempDir, "tempDir is null");
        if (maxFanIn < 2) {
            throw new IllegalArgumentException("maxFanIn must be >= 2");
        }
        this.memoryBudgetBytes = Math.max(1, memoryBudgetBytes);
        this.maxFrameBytes = maxFrameBytes;
        // A merge reads up to maxFanIn + 1 runs at once, one frame each: size run frames so that they fit the
        // budget together (a 64 KiB floor; a larger row still gets a frame of its own, up to maxFrameBytes).
        // At most 256 KiB either way: larger arrays are "humongous" to G1 on a small heap (1 MiB regions), each
        // one allocated outside the young generation and starting a concurrent cycle.
        this.runFrameBytes = (int) Math.max(MIN_RUN_FRAME_BYTES,
                Math.min(MAX_RUN_FRAME_BYTES, Math.min(maxFrameBytes, this.memoryBudgetBytes / (maxFanIn + 1))));
        this.maxFanIn = maxFanIn;
        this.combiner = combiner;
        List<io.sluice.engine.types.ColumnSignature> cols = new ArrayList<>();
        cols.add(new io.sluice.engine.types.ColumnSignature("\u0000key", ColumnType.COMPLEX_STATE));
        // the length of the row's values, so that a merge steps over rows it does not decode without walking them
        cols.add(new io.sluice.engine.types.ColumnSignature("\u0000length", ColumnType.LONG));
        for (int i = 0; i < signature.size(); i++) {
            cols.add(new io.sluice.engine.types.ColumnSignature("\u0000c" + i, signature.type(i)));
        }
        this.runSignature = new RowSignature(cols);
    }

    public ExternalSorter(
            RowSignature signature, KeyCodec keyCodec, Path tempDir, long memoryBudgetBytes, RowCombiner combiner) {
        this(signature, keyCodec, tempDir, memoryBudgetBytes, FrameWriter.DEFAULT_MAX_FRAME_BYTES,
                DEFAULT_MAX_FAN_IN, combiner);
    }

    /** Adds a row (the sorter keeps the array). */
    public void add(Object[] row) {
        add(keyCodec.encode(row), row);
    }

    /** Adds a row with an already encoded key. */
    public void add(byte[] key, Object[] row) {
        add(key, row, null);
    }

    /** As {@link #add(byte[], Object[])}; {@code encodedRow}, when not null, is the row in {@link RowCodec} layout. */
    public void add(byte[] key, Object[] row, ByteSink encodedRow) {
        if (finished) {
            throw new IllegalStateException("sorter already finished");
        }
        if (inOrder && lastKey != null && Arrays.compareUnsigned(lastKey, key) > 0) {
            inOrder = false;
            closeOpenRun();
        }
        lastKey = key;
        if (openRun != null) {
            // Input in key order since the start, past the memory budget: it goes straight to the open run.
            if (encodedRow != null) {
                openRun.writeEncoded(key, encodedRow);
            } else {
                openRun.write(key, row);
            }
            rowsAdded++;
            return;
        }
        if (encodedRow == null) {
            encodedRow = rowScratch;
            encodedRow.reset();
            RowCodec.writeRow(encodedRow, row, signature.size());
        }
        buffer.add(key, encodedRow.array(), 0, encodedRow.size());
        rowsAdded++;
        long bufferedBytes = buffer.usedBytes();
        if (inOrder && runs.isEmpty()
                && (bufferedBytes >= memoryBudgetBytes / 2 || bufferedBytes >= IN_ORDER_STREAM_BYTES)) {
            spill();
        } else if (bufferedBytes >= memoryBudgetBytes / 2) {
            spillInBackground();
        }
    }

    public long rowsAdded() {
        return rowsAdded;
    }

    /** Number of sorted runs spilled to disk so far, a background one included (and intermediate merge outputs). */
    public synchronized int spilledRuns() {
        return runsSpilled;
    }

    private Path newFile(String prefix) {
        try {
            if (dir == null) {
                Files.createDirectories(tempDir);
                dir = Files.createTempDirectory(tempDir, "sort-");
            }
            return dir.resolve(prefix + "-" + (fileCounter++) + ".frames");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hands the full buffer to a background thread that sorts it and writes it as a run, and goes on adding rows to
     * a second buffer: the caller's thread does not wait for the sort and the writing (a stage's processor keeps
     * feeding it). Each buffer holds half the budget; a spill still under way is waited for first.
     */
    private void spillInBackground() {
        awaitSpill();
        SortBuffer full = buffer;
        buffer = spare == null ? new SortBuffer() : spare;
        spare = null;
        Path file = newFile("run");
        RunWriter w = new RunWriter(file);
        runs.add(file);
        runIndex.put(file, w.index);
        synchronized (this) {
            runsSpilled++;
        }
        spilling = CompletableFuture.supplyAsync(() -> {
            try {
                writeRun(full, w);
            } finally {
                w.close();
            }
            full.clear();
            return full;
        }, SPILL_THREADS);
    }

    /** Waits for the background spill under way, if any; rethrows its failure. */
    private void awaitSpill() {
        CompletableFuture<SortBuffer> f = spilling;
        if (f == null) {
            return;
        }
        spilling = null;
        spare = Futures.join(f);
    }

    /** Sorts the buffer and writes its rows (combined when there is a combiner) to the run. */
    private void writeRun(SortBuffer b, RunWriter w) {
        b.sort();
        KeyedRowSource sorted = buffered(b);
        while (sorted.advance()) {
            w.write(sorted);
        }
    }

    private void spill() {
        if (buffer.size() == 0) {
            return;
        }
        buffer.sort();
        Path file = newFile("run");
        RunWriter w = new RunWriter(file);
        try {
            KeyedRowSource sorted = buffered(buffer);
            while (sorted.advance()) {
                w.write(sorted);
            }
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        if (inOrder && runs.isEmpty()) {
            // Everything so far came in key order: keep the run open and append what follows while that lasts,
            // instead of buffering, sorting and merging runs that only follow each other.
            openRun = w;
        } else {
            w.close();
        }
        runs.add(file);
        runIndex.put(file, w.index);
        synchronized (this) {
            runsSpilled++;
        }
        if (openRun != null) {
            buffer.release(); // rows now stream to the open run; chunks are made again only if the order breaks
        } else {
            buffer.clear();
        }
    }

    /** The buffer's rows in its current order, equal keys combined when there is a combiner. */
    private KeyedRowSource buffered(SortBuffer b) {
        KeyedRowSource rows = new BufferSource(b, signature.size());
        return combiner == null ? rows : new CombiningSource(rows, combiner, signature.size());
    }

    /** Finishes adding; returns rows in key order. */
    public RowSource sorted() {
        KeyedRowSource k = sortedWithKeys();
        return new RowSource() {
            @Override
            public Object[] next() {
                return k.advance() ? k.row() : null;
            }

            @Override
            public void close() {
                k.close();
            }
        };
    }

    private void closeOpenRun() {
        if (openRun != null) {
            RunWriter w = openRun;
            openRun = null;
            w.close();
        }
    }

    /**
     * A frame of a run file: where its frame-file entry starts, the frame's size, its rows, their values' bytes, and
     * its first and last keys.
     */
    public record RunFrame(long offset, int sizeBytes, int rows, long rowBytes, byte[] firstKey, byte[] lastKey) {}

    /**
     * A sorted run on disk and its frames. Each frame is a frame-file entry (4-byte length, then the frame); each of
     * its rows: the key, the length of the row's values, the values ({@link RowCodec} layout).
     */
    public record SingleRun(Path file, List<RunFrame> frames) {}

    /**
     * Finishes adding when every row is in one run on disk and no combiner folds equal keys (input that arrives in key
     * order past {@link #IN_ORDER_STREAM_BYTES} streams into such a run): returns that run, to be read in place
     * instead of copied through a merge of one source. Otherwise returns null and the sorter stays open for
     * {@link #sortedWithKeys()}. The file lives until {@link #close()}.
     */
    public SingleRun finishAsSingleRun() {
        if (!finished) {
            awaitSpill();
        }
        if (finished || combiner != null || rowsAdded == 0 || buffer.size() != 0 || runs.size() != 1) {
            return null;
        }
        finished = true;
        closeOpenRun();
        buffer.release();
        spare = null; // a background spill's cleared buffer: not needed while the run is read in place
        synchronized (this) {
            totalLevels = 2;
            levelTotals.put(0, 1L);
            levelMerged.put(0, 1L);
            levelTotals.put(1, 1L);
            levelMerged.put(1, 1L);
            done = true;
        }
        return new SingleRun(runs.get(0), List.copyOf(runIndex.get(runs.get(0))));
    }

    /** Finishes adding; returns (key, row) pairs in key order. Can be called once. */
    public KeyedRowSource sortedWithKeys() {
        if (finished) {
            throw new IllegalStateException("sorted output already requested");
        }
        finished = true;
        awaitSpill();
        spare = null;
        closeOpenRun();
        if (rowsAdded == 0) {
            synchronized (this) {
                trivial = true;
                done = true;
            }
            return new KeyedRowSource() {
                @Override
                public boolean advance() {
                    return false;
                }

                @Override
                public byte[] key() {
                    throw new IllegalStateException("empty");
                }

                @Override
                public Object[] row() {
                    throw new IllegalStateException("empty");
                }
            };
        }
        buffer.sort();
        int n = buffer.size();
        if (n == 0) {
            buffer.release(); // everything is in runs
        }
        long initialRuns = runs.size() + (n > 0 ? 1 : 0);
        int intermediateLevels = 0;
        for (long r = initialRuns; r > maxFanIn; r = (r + maxFanIn - 1) / maxFanIn) {
            intermediateLevels++;
        }
        synchronized (this) {
            totalLevels = intermediateLevels + 2;
            levelTotals.put(0, initialRuns);
            levelMerged.put(0, initialRuns);
            long r = initialRuns;
            for (int lv = 1; lv <= intermediateLevels; lv++) {
                r = (r + maxFanIn - 1) / maxFanIn;
                levelTotals.put(lv, r);
                levelMerged.put(lv, 0L);
            }
            levelTotals.put(totalLevels - 1, 1L);
            levelMerged.put(totalLevels - 1, 0L);
        }
        // intermediate levels merge the on-disk runs; the in-memory run joins the final merge only (so the final
        // merge may read maxFanIn + 1 sources)
        List<Path> level = new ArrayList<>(runs);
        for (int lv = 1; lv <= intermediateLevels; lv++) {
            List<Path> next = new ArrayList<>();
            for (int g = 0; g < level.size(); g += maxFanIn) {
                List<Path> group = level.subList(g, Math.min(level.size(), g + maxFanIn));
                if (group.size() == 1) {
                    next.add(group.get(0));
                } else {
                    Path out = newFile("merge" + lv);
                    try (KeyedRowSource merged = merge(openRuns(group));
                            RunWriter w = new RunWriter(out)) {
                        while (merged.advance()) {
                            w.write(merged);
                        }
                    }
                    for (Path p : group) {
                        deleteQuietly(p);
                    }
                    next.add(out);
                    synchronized (this) {
                        runsSpilled++;
                    }
                }
                synchronized (this) {
                    levelMerged.merge(lv, 1L, Long::sum);
                }
            }
            level = next;
        }
        runs.clear();
        runs.addAll(level);
        List<KeyedRowSource> sources = openRuns(runs);
        if (n > 0) {
            sources.add(new BufferSource(buffer, signature.size()));
        }
        KeyedRowSource merged = sources.size() == 1 ? sources.get(0) : merge(sources);
        KeyedRowSource out = combiner == null ? merged : new CombiningSource(merged, combiner, signature.size());
        return new KeyedRowSource() {
            @Override
            public boolean advance() {
                boolean more = out.advance();
                if (!more) {
                    markDone();
                    buffer.release(); // its chunks are not needed once read, though the sorter lives on
                }
                return more;
            }

            @Override
            public byte[] key() {
                return out.key();
            }

            @Override
            public Object[] row() {
                return out.row();
            }

            @Override
            public byte[] encodedRow() {
                return out.encodedRow();
            }

            @Override
            public int encodedRowOffset() {
                return out.encodedRowOffset();
            }

            @Override
            public int encodedRowLength() {
                return out.encodedRowLength();
            }

            @Override
            public void close() {
                out.close();
            }
        };
    }

    private synchronized void markDone() {
        if (!done) {
            done = true;
            levelMerged.put(totalLevels - 1, 1L);
        }
    }

    /** A snapshot of the sort's progress (thread-safe). */
    public synchronized SortProgress progress() {
        if (trivial) {
            return SortProgress.trivial();
        }
        if (totalLevels < 0) {
            return SortProgress.notStarted();
        }
        double sum = 0;
        for (int lv = 0; lv < totalLevels; lv++) {
            long t = levelTotals.getOrDefault(lv, 1L);
            long m = levelMerged.getOrDefault(lv, 0L);
            sum += t <= 0 ? 0 : Math.min(1.0, (double) m / t);
        }
        return new SortProgress(totalLevels, levelTotals, levelMerged, 1, sum / totalLevels, false);
    }

    private List<KeyedRowSource> openRuns(List<Path> files) {
        List<KeyedRowSource> out = new ArrayList<>(files.size());
        for (Path p : files) {
            RunReader r = new RunReader(p, signature.size());
            openSources.add(r);
            out.add(r);
        }
        return out;
    }

    private static KeyedRowSource merge(List<KeyedRowSource> sources) {
        return new MergingSource(sources);
    }

    @Override
    public void close() {
        CompletableFuture<SortBuffer> f = spilling;
        spilling = null;
        if (f != null) {
            try {
                f.join(); // its run file is deleted below, once nothing writes it
            } catch (RuntimeException e) {
                // the failure was the caller's to see on the next add; closing goes on
            }
        }
        spare = null;
        if (openRun != null) {
            try {
                closeOpenRun();
            } catch (RuntimeException e) {
                // best effort: the file is deleted below
            }
        }
        for (AutoCloseable c : openSources) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        openSources.clear();
        buffer.release();
        if (dir != null) {
            try (var stream = Files.list(dir)) {
                for (Path p : (Iterable<Path>) stream::iterator) {
                    deleteQuietly(p);
                }
            } catch (IOException e) {
                // best effort
            }
            deleteQuietly(dir);
        }
    }

    /** Chunks of memory the in-memory buffer holds (in use or kept for the next rows). */
    int bufferChunks() {
        return buffer.chunks();
    }

    /** The private directory holding spill files (null before the first spill). */
    Path spillDirectory() {
        return dir;
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    // ------------------------------------------------------------------ run files

    private final class RunWriter implements AutoCloseable {
        private final DataOutputStream out;
        private final FrameWriter writer = new FrameWriter(runSignature, maxFrameBytes);
        private final ByteSink rowBytes = new ByteSink(256);
        private final ByteSink encoded = new ByteSink(256);
        /** The frames written so far, each with its place in the file, its rows' sizes and its first and last keys. */
        private final List<RunFrame> index = new ArrayList<>();
        /** The key of the last row added to the open frame (copied: a source may reuse its key array). */
        private final ByteSink lastKey = new ByteSink(64);
        private byte[] firstKey;
        private long frameRowBytes;
        private long position;

        RunWriter(Path file) {
            try {
                // the frames' write calls on another thread: this one goes on encoding and sorting rows meanwhile
                out = new DataOutputStream(new WriteBehindOutputStream(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(byte[] key, Object[] row) {
            rowBytes.reset();
            RowCodec.writeRow(rowBytes, row, signature.size());
            writeEncoded(key, rowBytes.array(), 0, rowBytes.size());
        }

        /** The source's current row, copied in its encoding when the source has it. */
        void write(KeyedRowSource source) {
            byte[] bytes = source.encodedRow();
            if (bytes != null) {
                writeEncoded(source.key(), bytes, source.encodedRowOffset(), source.encodedRowLength());
            } else {
                write(source.key(), source.row());
            }
        }

        /** As {@link #write}, the row's values given in {@link RowCodec} layout. */
        void writeEncoded(byte[] key, ByteSink rowBytes) {
            writeEncoded(key, rowBytes.array(), 0, rowBytes.size());
        }

        /** As {@link #write}, the row's values given in {@link RowCodec} layout at {@code bytes[off, off + len)}. */
        void writeEncoded(byte[] key, byte[] bytes, int off, int len) {
            encoded.reset();
            // as RowCodec.writeValue of the key and of the length, without boxing the length
            encoded.writeTaggedBytes(RowCodec.BYTES, key, 0, key.length);
            encoded.writeTaggedVarLong(RowCodec.LONG, RowCodec.zigzag(len));
            encoded.write(bytes, off, len);
            if (!writer.addEncoded(encoded.array(), 0, encoded.size())) {
                flush();
                if (!writer.addEncoded(encoded.array(), 0, encoded.size())) {
                    throw new IllegalStateException("row does not fit an empty frame");
                }
            }
            if (writer.numRows() == 1) {
                firstKey = key.clone();
            }
            lastKey.reset();
            lastKey.write(key, 0, key.length);
            frameRowBytes += len;
            if (writer.sizeBytes() >= runFrameBytes) {
                flush();
            }
        }

        private void flush() {
            if (writer.isEmpty()) {
                return;
            }
            int rows = writer.numRows();
            try {
                int written = writer.writeTo(out);
                index.add(new RunFrame(position, written - 4, rows, frameRowBytes, firstKey,
                        Arrays.copyOf(lastKey.array(), lastKey.size())));
                position += written;
                frameRowBytes = 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                flush();
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads a run back; a row is decoded only when asked for, and is otherwise available in its encoding. */
    private static final class RunReader implements KeyedRowSource {
        private final DataInputStream in;
        private final int columns;
        private byte[] frame;
        private int frameEnd;
        private ByteSource src;
        private int left;
        private byte[] key;
        private int rowStart;
        private int rowEnd;
        private Object[] row;
        private boolean closed;

        RunReader(Path file, int columns) {
            this.columns = columns;
            try {
                // Frames are read whole; a small buffer suffices, and a partition read may open many runs at once.
                in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 8 * 1024));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean advance() {
            while (true) {
                if (left > 0) {
                    left--;
                    key = (byte[]) RowCodec.readValue(src);
                    int at = src.position();
                    long length = RowCodec.longAt(frame, at);
                    rowStart = RowCodec.valueEnd(frame, at, frameEnd);
                    if (length < 0 || length > frameEnd - rowStart) {
                        throw new IllegalStateException("Corrupt run: row length " + length);
                    }
                    rowEnd = rowStart + (int) length;
                    src.skip(rowEnd - at);
                    row = null;
                    return true;
                }
                if (closed) {
                    return false;
                }
                Frame f = FrameFile.read(in);
                if (f == null) {
                    close();
                    return false;
                }
                frame = f.bytes();
                frameEnd = f.sizeBytes();
                src = new ByteSource(frame, 0, frameEnd);
                src.readInt(); // magic
                left = src.readInt();
            }
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public Object[] row() {
            if (row == null) {
                row = RowCodec.readRow(new ByteSource(frame, rowStart, rowEnd), columns);
            }
            return row;
        }

        @Override
        public byte[] encodedRow() {
            return frame;
        }

        @Override
        public int encodedRowOffset() {
            return rowStart;
        }

        @Override
        public int encodedRowLength() {
            return rowEnd - rowStart;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                frame = null;
                src = null;
                left = 0;
                try {
                    in.close();
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }

    /** The rows of a {@link SortBuffer}, in its order; a row is decoded only when asked for. */
    private static final class BufferSource implements KeyedRowSource {
        private final SortBuffer entries;
        private final int columns;
        private int i = -1;
        private byte[] key;
        private Object[] row;

        BufferSource(SortBuffer entries, int columns) {
            this.entries = entries;
            this.columns = columns;
        }

        @Override
        public boolean advance() {
            row = null;
            if (++i < entries.size()) {
                key = entries.key(i);
                return true;
            }
            key = null;
            return false;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public Object[] row() {
            if (row == null) {
                int off = entries.rowOffset(i);
                row = RowCodec.readRow(new ByteSource(entries.bytes(i), off, off + entries.rowLength(i)), columns);
            }
            return row;
        }

        @Override
        public byte[] encodedRow() {
            return entries.bytes(i);
        }

        @Override
        public int encodedRowOffset() {
            return entries.rowOffset(i);
        }

        @Override
        public int encodedRowLength() {
            return entries.rowLength(i);
        }
    }

    /**
     * K-way merge; ties go to the lower source index, which keeps arrival order across runs. The current row is the
     * current row of the source it came from (that source is advanced only when the merge moves on), so it stays in
     * its encoding unless asked for.
     *
     * <p>A binary heap of source indexes ordered by their current keys, whose top is the current source: moving on
     * advances that source and sifts its new key down from the top (one pass, and two comparisons when the same run
     * still holds the least key, as it often does), instead of taking the top out and putting it back in.
     */
    private static final class MergingSource implements KeyedRowSource {
        private final List<KeyedRowSource> sources;
        private final int[] heap;
        private int size;
        private final byte[][] heads;
        private KeyedRowSource current;
        private boolean started;
        private byte[] key;

        MergingSource(List<KeyedRowSource> sources) {
            this.sources = sources;
            this.heads = new byte[sources.size()][];
            this.heap = new int[sources.size()];
            for (int i = 0; i < sources.size(); i++) {
                KeyedRowSource s = sources.get(i);
                if (s.advance()) {
                    heads[i] = s.key();
                    heap[size++] = i;
                }
            }
            for (int at = size / 2 - 1; at >= 0; at--) {
                siftDown(at);
            }
        }

        /** True when source a's current row goes before source b's. */
        private boolean before(int a, int b) {
            int c = Arrays.compareUnsigned(heads[a], heads[b]);
            return c != 0 ? c < 0 : a < b;
        }

        private void siftDown(int at) {
            int moving = heap[at];
            int half = size >>> 1;
            while (at < half) {
                int child = 2 * at + 1;
                int right = child + 1;
                if (right < size && before(heap[right], heap[child])) {
                    child = right;
                }
                if (!before(heap[child], moving)) {
                    break;
                }
                heap[at] = heap[child];
                at = child;
            }
            heap[at] = moving;
        }

        @Override
        public boolean advance() {
            if (started && size > 0) {
                int top = heap[0];
                KeyedRowSource s = sources.get(top);
                if (s.advance()) {
                    heads[top] = s.key();
                } else {
                    heads[top] = null;
                    heap[0] = heap[--size];
                }
                if (size > 1) {
                    siftDown(0);
                }
            }
            started = true;
            if (size == 0) {
                current = null;
                return false;
            }
            int top = heap[0];
            current = sources.get(top);
            key = heads[top];
            return true;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public Object[] row() {
            return current.row();
        }

        @Override
        public byte[] encodedRow() {
            return current.encodedRow();
        }

        @Override
        public int encodedRowOffset() {
            return current.encodedRowOffset();
        }

        @Override
        public int encodedRowLength() {
            return current.encodedRowLength();
        }

        @Override
        public void close() {
            for (KeyedRowSource s : sources) {
                s.close();
            }
        }
    }

    /**
     * Folds adjacent rows with equal keys; a row with no equal neighbour keeps its encoding. It reads one row ahead,
     * so it relies on its input leaving the bytes of a row it has moved past unchanged: run files read each frame
     * into a new array, and a {@link SortBuffer} is not written while it is read.
     */
    private static final class CombiningSource implements KeyedRowSource {
        private final KeyedRowSource in;
        private final RowCombiner combiner;
        private final int columns;
        private boolean hasPending;
        private boolean exhausted;
        private final Held pending = new Held();
        private final Held current = new Held();

        /** A row taken from the input: its key, and its bytes or (when the input has none, or after combining) values. */
        private static final class Held {
            byte[] key;
            byte[] bytes;
            int off;
            int len;
            Object[] row;

            void take(KeyedRowSource s) {
                key = s.key();
                bytes = s.encodedRow();
                if (bytes != null) {
                    off = s.encodedRowOffset();
                    len = s.encodedRowLength();
                    row = null;
                } else {
                    row = s.row();
                }
            }

            void copy(Held h) {
                key = h.key;
                bytes = h.bytes;
                off = h.off;
                len = h.len;
                row = h.row;
            }

            Object[] row(int columns) {
                if (row == null) {
                    row = RowCodec.readRow(new ByteSource(bytes, off, off + len), columns);
                }
                return row;
            }
        }

        CombiningSource(KeyedRowSource in, RowCombiner combiner, int columns) {
            this.in = in;
            this.combiner = combiner;
            this.columns = columns;
        }

        @Override
        public boolean advance() {
            if (!hasPending) {
                if (exhausted || !in.advance()) {
                    exhausted = true;
                    return false;
                }
                current.take(in);
            } else {
                current.copy(pending);
                hasPending = false;
            }
            while (in.advance()) {
                if (Arrays.equals(current.key, in.key())) {
                    current.row = combiner.combine(current.row(columns), in.row());
                    current.bytes = null;
                } else {
                    pending.take(in);
                    hasPending = true;
                    return true;
                }
            }
            exhausted = true;
            return true;
        }

        @Override
        public byte[] key() {
            return current.key;
        }

        @Override
        public Object[] row() {
            return current.row(columns);
        }

        @Override
        public byte[] encodedRow() {
            return current.bytes;
        }

        @Override
        public int encodedRowOffset() {
            return current.off;
        }

        @Override
        public int encodedRowLength() {
            return current.len;
        }

        @Override
        public void close() {
            in.close();
        }
    }
}
