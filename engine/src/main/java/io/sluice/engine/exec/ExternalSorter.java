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
import java.io.BufferedOutputStream;
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
import java.util.PriorityQueue;

/**
 * External merge sort of rows by a byte-comparable key within an approximate memory budget. Rows are buffered in
 * memory; when the buffer's estimated size passes the budget it is sorted (stable), optionally combined (equal
 * keys folded by the {@link RowCombiner}), and spilled as a run of frames to a file. {@link #sortedWithKeys()}
 * merges the runs k-way with a priority queue, first in intermediate levels of at most {@code maxFanIn} runs when
 * there are more. Equal keys keep arrival order. Files live in a private directory under {@code tempDir} and are
 * deleted by {@link #close()}. Not thread-safe, except {@link #progress()}.
 */
public final class ExternalSorter implements AutoCloseable {
    public static final int DEFAULT_MAX_FAN_IN = 64;
    private static final int MIN_RUN_FRAME_BYTES = 64 * 1024;
    private static final int MAX_RUN_FRAME_BYTES = 256 * 1024;

    private final RowSignature signature;
    private final KeyCodec keyCodec;
    private final Path tempDir;
    private final long memoryBudgetBytes;
    private final int maxFrameBytes;
    private final int maxFanIn;
    private final int runFrameBytes;
    private final RowCombiner combiner;
    private final RowSignature runSignature;

    private Entry[] buffer = new Entry[1024];
    private int buffered;
    private long bufferedBytes;
    private final List<Path> runs = new ArrayList<>();
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

    private record Entry(byte[] key, Object[] row) {}

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

    /**
     * True while added rows go straight to a run file (input in key order past the memory budget): an
     * {@code encodedRow} given to {@link #add(byte[], Object[], ByteSink)} is then used instead of encoding the row
     * again.
     */
    public boolean streamsToRun() {
        return openRun != null;
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
        if (buffered == buffer.length) {
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        buffer[buffered++] = new Entry(key, row);
        bufferedBytes += 48 + key.length + RowSizes.estimate(row);
        rowsAdded++;
        if (bufferedBytes >= memoryBudgetBytes
                || (inOrder && bufferedBytes >= IN_ORDER_STREAM_BYTES && runs.isEmpty())) {
            spill();
        }
    }

    public long rowsAdded() {
        return rowsAdded;
    }

    /** Number of sorted runs written to disk so far (intermediate merge outputs included). */
    public synchronized int spilledRuns() {
        return runsSpilled;
    }

    /** Sorts the buffer in place and folds equal keys; returns the new count. */
    private int sortBuffer() {
        // by unsigned key bytes, stable: equal keys keep arrival order
        byte[][] keys = new byte[buffered][];
        for (int i = 0; i < buffered; i++) {
            keys[i] = buffer[i].key;
        }
        int[] order = KeySorter.order(keys, buffered);
        Entry[] sorted = new Entry[buffered];
        for (int i = 0; i < buffered; i++) {
            sorted[i] = buffer[order[i]];
        }
        System.arraycopy(sorted, 0, buffer, 0, buffered);
        if (combiner == null || buffered < 2) {
            return buffered;
        }
        int w = 0;
        for (int r = 1; r < buffered; r++) {
            if (Arrays.equals(buffer[w].key, buffer[r].key)) {
                buffer[w] = new Entry(buffer[w].key, combiner.combine(buffer[w].row, buffer[r].row));
            } else {
                buffer[++w] = buffer[r];
            }
        }
        for (int i = w + 1; i < buffered; i++) {
            buffer[i] = null;
        }
        return w + 1;
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

    private void spill() {
        if (buffered == 0) {
            return;
        }
        int n = sortBuffer();
        Path file = newFile("run");
        RunWriter w = new RunWriter(file);
        try {
            for (int i = 0; i < n; i++) {
                w.write(buffer[i].key, buffer[i].row);
                buffer[i] = null;
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
        synchronized (this) {
            runsSpilled++;
        }
        buffered = 0;
        bufferedBytes = 0;
        if (buffer.length > 4096) {
            buffer = new Entry[1024];
        }
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

    /** Finishes adding; returns (key, row) pairs in key order. Can be called once. */
    public KeyedRowSource sortedWithKeys() {
        if (finished) {
            throw new IllegalStateException("sorted output already requested");
        }
        finished = true;
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
        int n = sortBuffer();
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
                            w.write(merged.key(), merged.row());
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
            sources.add(new ArraySource(buffer, n));
        }
        KeyedRowSource merged = sources.size() == 1 ? sources.get(0) : merge(sources);
        KeyedRowSource out = combiner == null ? merged : new CombiningSource(merged, combiner);
        return new KeyedRowSource() {
            @Override
            public boolean advance() {
                boolean more = out.advance();
                if (!more) {
                    markDone();
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
        buffer = new Entry[0];
        buffered = 0;
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
        private final Object[] scratch = new Object[runSignature.size()];
        private final ByteSink encoded = new ByteSink(256);

        RunWriter(Path file) {
            try {
                out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(byte[] key, Object[] row) {
            scratch[0] = key;
            System.arraycopy(row, 0, scratch, 1, Math.min(row.length, scratch.length - 1));
            if (!writer.add(scratch)) {
                flush();
                if (!writer.add(scratch)) {
                    throw new IllegalStateException("row does not fit an empty frame");
                }
            }
            if (writer.sizeBytes() >= runFrameBytes) {
                flush();
            }
        }

        /** As {@link #write}, the row's values given in {@link RowCodec} layout. */
        void writeEncoded(byte[] key, ByteSink rowBytes) {
            encoded.reset();
            RowCodec.writeValue(encoded, key);
            encoded.write(rowBytes.array(), 0, rowBytes.size());
            if (!writer.addEncoded(encoded.array(), 0, encoded.size())) {
                flush();
                if (!writer.addEncoded(encoded.array(), 0, encoded.size())) {
                    throw new IllegalStateException("row does not fit an empty frame");
                }
            }
            if (writer.sizeBytes() >= runFrameBytes) {
                flush();
            }
        }

        private void flush() {
            try {
                writer.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                if (!writer.isEmpty()) {
                    writer.writeTo(out);
                }
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
                    rowStart = src.position();
                    for (int c = 0; c < columns; c++) {
                        RowCodec.skipValue(src);
                    }
                    rowEnd = src.position();
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
                src = new ByteSource(frame, 0, f.sizeBytes());
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

    private static final class ArraySource implements KeyedRowSource {
        private final Entry[] entries;
        private final int n;
        private int i = -1;

        ArraySource(Entry[] entries, int n) {
            this.entries = entries;
            this.n = n;
        }

        @Override
        public boolean advance() {
            if (i >= 0 && i < n) {
                entries[i] = null;
            }
            return ++i < n;
        }

        @Override
        public byte[] key() {
            return entries[i].key;
        }

        @Override
        public Object[] row() {
            return entries[i].row;
        }
    }

    /** K-way merge; ties go to the lower source index, which keeps arrival order across runs. */
    private static final class MergingSource implements KeyedRowSource {
        private final List<KeyedRowSource> sources;
        private final PriorityQueue<Integer> heap;
        private final byte[][] heads;
        private final Object[][] rows;
        private int current = -1;

        MergingSource(List<KeyedRowSource> sources) {
            this.sources = sources;
            this.heads = new byte[sources.size()][];
            this.rows = new Object[sources.size()][];
            this.heap = new PriorityQueue<>(Math.max(1, sources.size()), (a, b) -> {
                int c = Arrays.compareUnsigned(heads[a], heads[b]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            for (int i = 0; i < sources.size(); i++) {
                pull(i);
            }
        }

        private void pull(int i) {
            KeyedRowSource s = sources.get(i);
            if (s.advance()) {
                heads[i] = s.key();
                rows[i] = s.row();
                heap.add(i);
            } else {
                heads[i] = null;
                rows[i] = null;
            }
        }

        private byte[] key;
        private Object[] row;

        @Override
        public boolean advance() {
            if (current >= 0) {
                pull(current);
                current = -1;
            }
            Integer top = heap.poll();
            if (top == null) {
                return false;
            }
            current = top;
            key = heads[top];
            row = rows[top];
            return true;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public Object[] row() {
            return row;
        }

        @Override
        public void close() {
            for (KeyedRowSource s : sources) {
                s.close();
            }
        }
    }

    /** Folds adjacent rows with equal keys. */
    private static final class CombiningSource implements KeyedRowSource {
        private final KeyedRowSource in;
        private final RowCombiner combiner;
        private byte[] pendingKey;
        private Object[] pendingRow;
        private boolean exhausted;
        private byte[] key;
        private Object[] row;

        CombiningSource(KeyedRowSource in, RowCombiner combiner) {
            this.in = in;
            this.combiner = combiner;
        }

        @Override
        public boolean advance() {
            if (pendingKey == null) {
                if (exhausted || !in.advance()) {
                    exhausted = true;
                    return false;
                }
                pendingKey = in.key();
                pendingRow = in.row();
            }
            key = pendingKey;
            row = pendingRow;
            pendingKey = null;
            pendingRow = null;
            while (in.advance()) {
                if (Arrays.equals(key, in.key())) {
                    row = combiner.combine(row, in.row());
                } else {
                    pendingKey = in.key();
                    pendingRow = in.row();
                    return true;
                }
            }
            exhausted = true;
            return true;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public Object[] row() {
            return row;
        }

        @Override
        public void close() {
            in.close();
        }
    }
}
