package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.FrameWriter;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A worker's output of one stage: takes the processor's rows, sorts and partitions them as the stage's shuffle
 * spec says, and keeps each partition as frames in one local file, ready to be served to consumers.
 *
 * <ul>
 *   <li>no shuffle spec, or {@code mix}: rows kept in arrival order as partition 0 (written as they come);</li>
 *   <li>{@code hash}: rows sorted by (hash partition, key) — so each partition is sorted by the cluster key;
 *       without key columns, rows go round-robin and keep arrival order;</li>
 *   <li>{@code maxCount} / {@code targetSize}: rows sorted by key (spilling to disk past the memory budget) while
 *       {@link KeyStatistics} are collected; the controller turns merged statistics into boundaries and
 *       {@link #partition(PartitionBoundaries)} writes the partitions, or, when every row is in one sorted run on
 *       disk (input that came in key order), cuts that run into partitions read in place ({@link RunPartitions}).</li>
 * </ul>
 *
 * <p>Group-by pre-shuffle stages with an aggregating shuffle (maxCount aggregate=true, or hash) on exactly their
 * dimensions fold rows with equal keys while sorting. Lifecycle: {@code add}* → {@link #finishAndCollectStatistics()}
 * → {@code partition(…)} → {@link #readPartition(int)}* → {@link #close()}. Counters may be read from any thread.
 */
public final class StageOutput implements AutoCloseable, EncodedPostShuffle.Output {
    private enum Mode {
        DIRECT,
        HASH,
        RANGE
    }

    private final StageDefinition stage;
    private final RowSignature signature;
    private final int columns;
    /** The row being added, encoded (reused). */
    private final ByteSink rowBytes = new ByteSink(256);
    /** Where each value of the row {@link #addEncodedRow} adds starts (reused). */
    private final int[] rowOffsets;
    private final int maxFrameBytes;
    private final Mode mode;
    private final boolean countShuffle;
    private final KeyCodec keyCodec;
    private final int bucketByCount;
    private final ExternalSorter sorter;
    private final HashPartitioner hashPartitioner;
    private final KeyStatistics statistics = new KeyStatistics();
    /** False when the controller needs no boundaries (one partition): then no key statistics are gathered. */
    private final boolean collectStatistics;
    /** With a limit hint: the first rows in (key, arrival) order seen so far, largest on top; else null. */
    private final TopRows top;
    /**
     * With {@link #top}: the signature position of the first key column when it is a LONG (else -1), and whether it
     * sorts descending. A row whose value there is strictly worse than the worst kept row's is dropped without
     * encoding its key (most rows of a top-N over millions of groups).
     */
    private final int topLongKey;
    private final boolean topLongKeyDescending;
    private final ChannelCounters output = new ChannelCounters();
    private final ChannelCounters shuffle = new ChannelCounters();
    private final Path dir;
    private final Path partitionFile;

    private DataOutputStream directOut;
    private FrameWriter directWriter;
    private long directBytes;

    private long outputFrameFill;
    private long roundRobin;
    private byte[] lastBucket = new byte[0];
    private boolean finished;
    private boolean partitioned;
    private long[] offsets;
    /** Set when the partitions are slices of the sorter's one run, read in place instead of from a copy. */
    private RunPartitions inPlace;
    private int partitionCount = -1;

    public StageOutput(StageDefinition stage, Path workDir, long memoryBudgetBytes, int maxFrameBytes) {
        this.stage = requireNonNull(stage, "stage is null");
        requireNonNull(workDir, "workDir is null");
        this.signature = stage.signature();
        this.columns = signature.size();
        this.rowOffsets = new int[columns];
        this.maxFrameBytes = maxFrameBytes;
        ShuffleSpec spec = stage.shuffleSpec();
        try {
            Files.createDirectories(workDir);
            this.dir = Files.createTempDirectory(workDir, "stage" + stage.stageNumber() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.partitionFile = dir.resolve("partitions.frames");
        this.collectStatistics = io.sluice.engine.kernel.ControllerQueryKernel.needsStatistics(stage);
        ClusterBy clusterBy = spec == null ? ClusterBy.none() : spec.clusterBy();
        this.bucketByCount = clusterBy.bucketByCount();
        this.countShuffle = spec != null;
        if (spec == null || spec instanceof ShuffleSpec.Mix) {
            mode = Mode.DIRECT;
            top = null;
            topLongKey = -1;
            topLongKeyDescending = false;
            keyCodec = null;
            sorter = null;
            hashPartitioner = null;
            openDirect();
        } else {
            mode = spec instanceof ShuffleSpec.Hash ? Mode.HASH : Mode.RANGE;
            keyCodec = new KeyCodec(signature, clusterBy.columns());
            hashPartitioner = spec instanceof ShuffleSpec.Hash h ? new HashPartitioner(h.partitions()) : null;
            RowCombiner combiner = combinerFor(stage, spec);
            top = spec instanceof ShuffleSpec.MaxCount mc && mc.limitHint() != null && combiner == null
                    ? new TopRows(mc.limitHint())
                    : null;
            KeyColumn first = clusterBy.columns().isEmpty() ? null : clusterBy.columns().get(0);
            int at = first == null ? -1 : signature.indexOf(first.columnName());
            topLongKey = top != null && at >= 0 && signature.type(at) == ColumnType.LONG ? at : -1;
            topLongKeyDescending = first != null && first.order() == io.sluice.engine.plan.KeyOrder.DESCENDING;
            sorter = new ExternalSorter(signature, null, dir, memoryBudgetBytes, maxFrameBytes,
                    ExternalSorter.DEFAULT_MAX_FAN_IN, combiner);
        }
    }

    private static RowCombiner combinerFor(StageDefinition stage, ShuffleSpec spec) {
        if (!(stage.processor() instanceof GroupByPreShuffleSpec g) || g.complete() != null) {
            return null; // a complete GROUP BY's output is finished groups, shuffled by the query's next keys
        }
        boolean aggregating = (spec instanceof ShuffleSpec.MaxCount mc && mc.aggregate()) || spec instanceof ShuffleSpec.Hash;
        if (!aggregating) {
            return null;
        }
        Set<String> keyNames = new HashSet<>();
        for (KeyColumn k : spec.clusterBy().columns()) {
            keyNames.add(k.columnName());
        }
        Set<String> dimNames = new HashSet<>();
        for (int i = 0; i < g.dimensions().size(); i++) {
            dimNames.add(g.dimensions().get(i).name());
        }
        List<String> firstColumns = stage.signature().names().subList(0, Math.min(g.dimensions().size(), stage.signature().size()));
        if (!keyNames.equals(dimNames) || !dimNames.equals(new HashSet<>(firstColumns))) {
            return null;
        }
        return StageProcessors.preShuffleCombiner(g, stage.signature());
    }

    private void openDirect() {
        try {
            directOut = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(partitionFile), 1 << 16));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        directWriter = new FrameWriter(signature, maxFrameBytes);
    }

    public StageDefinition stage() {
        return stage;
    }

    /** True when {@link #partition(PartitionBoundaries)} needs boundaries from the controller. */
    public boolean needsBoundaries() {
        return mode == Mode.RANGE;
    }

    /** Adds one output row (the array is kept). */
    @Override
    public void add(Object[] row) {
        if (finished) {
            throw new IllegalStateException("output already finished");
        }
        // The row is encoded once, for the frame or the sorter (which keeps rows as bytes), and the encoding gives the
        // counters its size; a limit-hinted sort keeps only its top rows as values, so there only the size is computed.
        boolean encode = top == null;
        ByteSink encoded = null;
        if (encode) {
            encoded = rowBytes;
            encoded.reset();
            countOutput(RowCodec.writeRowSized(encoded, row, columns));
        } else {
            countOutput(row);
        }
        route(row, null, encoded);
    }

    /** True when rows may be added already encoded ({@link #addEncoded}): a top-N sort keeps its rows as values. */
    public boolean acceptsEncoded() {
        return top == null;
    }

    /** The positions of the output columns the shuffle key is made of: the values {@link #addEncoded} needs. */
    public int[] keyPositions() {
        return keyCodec == null ? new int[0] : keyCodec.positions();
    }

    /**
     * Adds one output row already in {@link RowCodec} layout (as {@link #add} would encode it). {@code keyValues}
     * holds the values of the {@link #keyPositions key columns} at their positions (the others are not read);
     * {@code countedSize} is the row's size as {@link RowCodec#writeRowSized} counts it.
     */
    @Override
    public void addEncoded(Object[] keyValues, ByteSink encoded, int countedSize) {
        if (finished) {
            throw new IllegalStateException("output already finished");
        }
        if (top != null) {
            throw new IllegalStateException("a top-N sort keeps rows as values");
        }
        countOutput(countedSize);
        route(keyValues, null, encoded);
    }

    /**
     * As {@link #addEncoded}, the row's shuffle key made from its bytes instead of from values: for rows that are
     * never values (partial groups written and combined as bytes on the parse thread).
     */
    public void addEncodedRow(ByteSink encoded, int countedSize) {
        if (finished) {
            throw new IllegalStateException("output already finished");
        }
        if (top != null) {
            throw new IllegalStateException("a top-N sort keeps rows as values");
        }
        countOutput(countedSize);
        byte[] key = null;
        if (keyCodec != null) {
            RowCodec.valueOffsets(encoded.array(), 0, encoded.size(), columns, rowOffsets);
            key = keyCodec.encode(encoded.array(), rowOffsets);
        }
        route(null, key, encoded);
    }

    /**
     * Sends an added row to the direct frames or the sorter: its key is {@code key} when not null, else made from
     * {@code row}, which then holds at least the key's values.
     */
    private void route(Object[] row, byte[] key, ByteSink encoded) {
        switch (mode) {
            case DIRECT -> {
                if (!directWriter.addEncoded(encoded.array(), 0, encoded.size())) {
                    flushDirect(false);
                    directWriter.addEncoded(encoded.array(), 0, encoded.size());
                }
            }
            case HASH -> {
                byte[] k = key != null ? key : keyCodec.encode(row);
                int p = keyCodec.keyColumnCount() == 0
                        ? (int) (roundRobin++ % hashPartitioner.partitions())
                        : hashPartitioner.partition(k);
                byte[] partitioned = new byte[4 + k.length];
                partitioned[0] = (byte) (p >>> 24);
                partitioned[1] = (byte) (p >>> 16);
                partitioned[2] = (byte) (p >>> 8);
                partitioned[3] = (byte) p;
                System.arraycopy(k, 0, partitioned, 4, k.length);
                sorter.add(partitioned, row, encoded);
            }
            case RANGE -> {
                if (top != null) {
                    if (!surelyDropped(row)) {
                        top.offer(keyCodec.encode(row), row);
                    }
                } else {
                    sortRange(key != null ? key : keyCodec.encode(row), row, encoded);
                }
            }
        }
    }

    /** True when the top-N is full and the row's leading LONG key is strictly worse than its worst kept row's. */
    private boolean surelyDropped(Object[] row) {
        if (topLongKey < 0 || !(row[topLongKey] instanceof Long v)) {
            return false;
        }
        Object[] worst = top.worstKept();
        if (worst == null || !(worst[topLongKey] instanceof Long w)) {
            return false;
        }
        return topLongKeyDescending ? v < w : v > w;
    }

    private void sortRange(byte[] key, Object[] row, ByteSink encoded) {
        if (collectStatistics) {
            statistics.add(bucketOf(key), key);
        }
        sorter.add(key, row, encoded);
    }

    private byte[] bucketOf(byte[] key) {
        if (bucketByCount == 0) {
            return lastBucket;
        }
        int len = keyCodec.prefixLength(key, bucketByCount);
        if (len != lastBucket.length || !Arrays.equals(key, 0, len, lastBucket, 0, len)) {
            lastBucket = Arrays.copyOf(key, len);
        }
        return lastBucket;
    }

    /**
     * Counts a row the processor produced that a limit-hinted sort would drop anyway, without adding it (the output
     * counters stay those of adding every row). {@code rowSize} is its {@link RowCodec#rowSize}.
     */
    public void countDropped(int rowSize) {
        if (top == null) {
            throw new IllegalStateException("only a limit-hinted sort drops rows");
        }
        countOutput(rowSize);
    }

    /**
     * Counts {@code rows} rows the processor produced that a limit-hinted sort drops and that were never framed (their
     * sizes unknown): rows only, no bytes or frames ({@link SegmentTopN} ranks rows without reading them).
     */
    public void countUnframed(long rows) {
        if (top == null) {
            throw new IllegalStateException("only a limit-hinted sort drops rows");
        }
        if (rows > 0) {
            output.add(0, rows, 0, 0);
        }
    }

    /** {@link #countDropped(int)} of the rows whose sizes are {@code sizes[from, to)}, in that order. */
    public void countDropped(int[] sizes, int from, int to) {
        if (top == null) {
            throw new IllegalStateException("only a limit-hinted sort drops rows");
        }
        long bytes = 0;
        long frames = 0;
        for (int i = from; i < to; i++) {
            int size = sizes[i];
            if (outputFrameFill == 0 || outputFrameFill + size > maxFrameBytes) {
                outputFrameFill = 8;
                frames++;
                bytes += 8;
            }
            outputFrameFill += size;
            bytes += size;
        }
        if (to > from) {
            output.add(0, to - from, bytes, frames);
        }
    }

    private void countOutput(Object[] row) {
        countOutput(RowCodec.rowSize(row, columns));
    }

    private void countOutput(int size) {
        long frames = 0;
        if (outputFrameFill == 0) {
            outputFrameFill = 8;
            frames = 1;
        } else if (outputFrameFill + size > maxFrameBytes) {
            outputFrameFill = 8;
            frames = 1;
        }
        outputFrameFill += size;
        output.add(0, 1, size + (frames == 1 ? 8 : 0), frames);
    }

    private void flushDirect(boolean last) {
        if (!directWriter.isEmpty()) {
            int rows = directWriter.numRows();
            int size = directWriter.sizeBytes();
            try {
                directBytes += directWriter.writeTo(directOut);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (countShuffle) {
                shuffle.add(0, rows, size, 1);
            }
        }
        if (last) {
            try {
                directOut.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Ends input. Returns the key statistics (empty unless the stage range-partitions into several partitions). */
    public KeyStatistics finishAndCollectStatistics() {
        if (!finished) {
            finished = true;
            if (top != null) {
                for (TopRows.Entry e : top.drainInOrder()) {
                    sortRange(e.key(), e.row(), null);
                }
            }
            if (mode == Mode.DIRECT) {
                flushDirect(true);
                offsets = new long[] {0, directBytes};
                partitionCount = 1;
                partitioned = true;
            }
        }
        return statistics;
    }

    /** Writes the partitions of a range-partitioned stage. */
    public void partition(PartitionBoundaries boundaries) {
        requireNonNull(boundaries, "boundaries is null");
        if (mode != Mode.RANGE) {
            throw new IllegalStateException("only range shuffles take boundaries");
        }
        finishAndCollectStatistics();
        writePartitions(boundaries.partitionCount(), boundaries);
    }

    /** Writes the partitions of a hash, mix or unshuffled stage (no boundaries needed). */
    public void partition() {
        finishAndCollectStatistics();
        if (mode == Mode.RANGE) {
            throw new IllegalStateException("range shuffles need boundaries");
        }
        if (mode == Mode.HASH) {
            writePartitions(hashPartitioner.partitions(), null);
        }
    }

    private void writePartitions(int count, PartitionBoundaries boundaries) {
        if (partitioned) {
            throw new IllegalStateException("already partitioned");
        }
        partitioned = true;
        partitionCount = count;
        ExternalSorter.SingleRun run = boundaries == null ? null : sorter.finishAsSingleRun();
        if (run != null) {
            // all rows are in one sorted run (the input came in key order): partitions are read from it in place
            inPlace = RunPartitions.slice(run, boundaries.starts(), shuffle);
            return;
        }
        offsets = new long[count + 1];
        shuffle.ensurePartitions(count);
        FrameWriter writer = new FrameWriter(signature, maxFrameBytes);
        long pos = 0;
        int current = 0;
        try (KeyedRowSource rows = sorter.sortedWithKeys();
                DataOutputStream out = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(partitionFile), 1 << 16))) {
            while (rows.advance()) {
                byte[] key = rows.key();
                int p = boundaries == null
                        ? ((key[0] & 0xFF) << 24) | ((key[1] & 0xFF) << 16) | ((key[2] & 0xFF) << 8) | (key[3] & 0xFF)
                        : partitionAtOrAfter(boundaries, key, current);
                if (count == 0) {
                    throw new IllegalStateException("rows present but zero partitions");
                }
                while (current < p) {
                    pos += flushPartition(out, writer, current);
                    current++;
                    offsets[current] = pos;
                }
                byte[] encoded = rows.encodedRow();
                if (encoded != null) {
                    // the row's bytes as spilled are its frame bytes: copied, not decoded and encoded again
                    int off = rows.encodedRowOffset();
                    int len = rows.encodedRowLength();
                    if (!writer.addEncoded(encoded, off, len)) {
                        pos += flushPartition(out, writer, current);
                        writer.addEncoded(encoded, off, len);
                    }
                } else if (!writer.add(rows.row())) {
                    pos += flushPartition(out, writer, current);
                    writer.add(rows.row());
                }
            }
            while (current < count) {
                pos += flushPartition(out, writer, current);
                current++;
                offsets[current] = pos;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int partitionAtOrAfter(PartitionBoundaries b, byte[] key, int current) {
        int p = current;
        List<byte[]> starts = b.starts();
        while (p + 1 < starts.size() && Arrays.compareUnsigned(starts.get(p + 1), key) <= 0) {
            p++;
        }
        return p;
    }

    private int flushPartition(DataOutputStream out, FrameWriter writer, int partition) {
        if (writer.isEmpty()) {
            return 0;
        }
        shuffle.add(partition, writer.numRows(), writer.sizeBytes(), 1);
        try {
            return writer.writeTo(out); // from the writer's buffer: no frame-sized copy
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int partitionCount() {
        if (!partitioned) {
            throw new IllegalStateException("not partitioned yet");
        }
        return partitionCount;
    }

    /** Frames of one partition; a fresh iterator each call, reading the file lazily. */
    public Iterator<Frame> readPartition(int p) {
        return readPartition(p, false);
    }

    /**
     * As {@link #readPartition(int)}, but every frame is read into one buffer the iterator reuses: a frame is valid
     * only until the next call to {@code next()} (for a reader that decodes a frame before it asks for the next; no
     * frame-sized allocation per frame).
     */
    public Iterator<Frame> readPartitionReusingBuffer(int p) {
        return readPartition(p, true);
    }

    private Iterator<Frame> readPartition(int p, boolean reuse) {
        if (!partitioned) {
            throw new IllegalStateException("not partitioned yet");
        }
        if (p < 0 || p >= partitionCount) {
            throw new IndexOutOfBoundsException("partition " + p + " of " + partitionCount);
        }
        if (inPlace != null) {
            return inPlace.read(p, reuse);
        }
        long start = offsets[p];
        long end = offsets[p + 1];
        return new Iterator<>() {
            private long pos = start;
            private byte[] buffer = new byte[0];

            @Override
            public boolean hasNext() {
                return pos < end;
            }

            @Override
            public Frame next() {
                if (pos >= end) {
                    throw new NoSuchElementException();
                }
                try (RandomAccessFile f = new RandomAccessFile(partitionFile.toFile(), "r")) {
                    f.seek(pos);
                    int len = f.readInt();
                    byte[] b = reuse && buffer.length >= len ? buffer : new byte[len];
                    if (reuse) {
                        buffer = b;
                    }
                    f.readFully(b, 0, len);
                    pos += 4 + len;
                    return new Frame(b, len, FrameReader.rowCount(b));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** True when the partitions are read in place from the sorter's one run (no partition file was written). */
    boolean readsInPlace() {
        return inPlace != null;
    }

    /** Processor output (one channel): rows, bytes and frames as frames would hold them. */
    public ChannelCounters output() {
        return output;
    }

    /** What was written to the shuffle, per output partition. */
    public ChannelCounters shuffle() {
        return shuffle;
    }

    public SortProgress sortProgress() {
        return sorter == null ? SortProgress.trivial() : sorter.progress();
    }

    /** Number of sorted runs spilled to disk (0 when everything fit in memory). */
    public int spilledRuns() {
        return sorter == null ? 0 : sorter.spilledRuns();
    }

    @Override
    public void close() {
        if (directOut != null) {
            try {
                directOut.close();
            } catch (IOException e) {
                // best effort
            }
        }
        if (sorter != null) {
            sorter.close();
        }
        ExternalSorter.deleteQuietly(partitionFile);
        ExternalSorter.deleteQuietly(dir);
    }
}
