package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.storage.DeepStorage;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Turns one sorted partition of the upstream stage into segment files: maps upstream columns to stored columns
 * ({@code [__time, dimensions…, metrics…]}), cuts a new segment at every time-chunk change and every
 * {@code rowsPerSegment} rows, sorts each segment's rows by {@code [__time, clusteredBy…]}, writes the file, pushes
 * it to deep storage and describes it. Stateless; all I/O goes through the temp dir and the deep storage.
 *
 * <p>Segments ordered by {@code __time} alone whose columns are strings and numbers are buffered column by column
 * (dictionary ids and stored bits, no row objects) within the byte budget, and sorted by permuting the columns.
 * Otherwise, or past that budget, rows are buffered as row objects: at most {@code maxRowsInMemory} of them per
 * segment; beyond that, sorted runs are spilled to the temp dir in the segment format and merged when the segment is
 * complete. The files are the same either way ({@code segmentGenerationProgress}: processed → persisted (sorted, in
 * memory or spilled) → merged → pushed).
 */
public final class SegmentGenerator {
    public SegmentGenerator() {}

    public List<GeneratedSegment> generate(
            SegmentGeneratorSpec spec,
            RowSignature inputSignature,
            RowSource sortedRows,
            String version,
            Path tempDir,
            DeepStorage deepStorage,
            SegmentGenerationCounters counters) {
        return generate(spec, inputSignature, sortedRows, version, tempDir, deepStorage, counters, null);
    }

    /**
     * As above; with a {@code namePrefix} the segments' deep-storage names are {@code <namePrefix>-<n>} (n-th
     * segment of this call) rather than random, so a worker's re-run after a lost attempt overwrites whatever the
     * lost attempt had pushed instead of leaving copies beside it.
     */
    public List<GeneratedSegment> generate(
            SegmentGeneratorSpec spec,
            RowSignature inputSignature,
            RowSource sortedRows,
            String version,
            Path tempDir,
            DeepStorage deepStorage,
            SegmentGenerationCounters counters,
            String namePrefix) {
        return generate(spec, inputSignature, sortedRows, version, tempDir, deepStorage, counters, namePrefix, 0);
    }

    /**
     * As above; besides {@code maxRowsInMemory}, a segment's buffered rows are also sorted and spilled once their
     * estimated heap size reaches {@code maxBytesInMemory} (0 = no byte limit), so a worker's memory budget holds
     * whatever the rows' width.
     */
    public List<GeneratedSegment> generate(
            SegmentGeneratorSpec spec,
            RowSignature inputSignature,
            RowSource sortedRows,
            String version,
            Path tempDir,
            DeepStorage deepStorage,
            SegmentGenerationCounters counters,
            String namePrefix,
            long maxBytesInMemory) {
        requireNonNull(spec, "spec is null");
        requireNonNull(inputSignature, "inputSignature is null");
        requireNonNull(sortedRows, "sortedRows is null");
        requireNonNull(version, "version is null");
        requireNonNull(tempDir, "tempDir is null");
        requireNonNull(deepStorage, "deepStorage is null");
        requireNonNull(counters, "counters is null");

        RowSignature stored = storedSignature(spec);
        int[] sourceIndex = sourceIndexes(spec, inputSignature, stored);
        List<String> metricNames = new ArrayList<>();
        for (AggregatorSpec m : spec.metrics()) {
            metricNames.add(m.name());
        }
        Comparator<Object[]> order = segmentOrder(stored, spec.clusteredBy());
        // Ordered by __time alone (no clustering column): rows are buffered column by column, not as row objects.
        boolean columnar = orderKeys(stored, spec.clusteredBy()).size() == 1
                && SegmentWriter.Columnar.supports(stored);
        ReplaceBounds bounds = ReplaceBounds.of(spec.replaceTimeChunks());
        Granularity granularity = spec.segmentGranularity();
        long rowsPerSegment = spec.rowsPerSegment() > 0 ? spec.rowsPerSegment() : 3_000_000L;

        // Frames read column by column: string values go to the dictionaries as the frame's UTF-8 bytes.
        EncodedRowSource encoded = columnar && sortedRows instanceof EncodedRowSource e ? e : null;

        List<GeneratedSegment> out = new ArrayList<>();
        // A finished segment is sorted, written and pushed on its own thread while the next one's rows are read;
        // at most one segment is finishing at a time.
        Finisher finisher = new Finisher(out);
        // The segment a row goes to: a new one at every time-chunk change and every rowsPerSegment rows.
        class Cutter {
            Pending pending;
            long bucket;
            /** The buffer sizes of the last segment handed over: the next one's start there. */
            SegmentWriter.Columnar.Sizes previousSizes;
            int started; // segments begun so far: names their files (out lags while one is finishing)

            Pending segmentFor(long time) {
                long rowBucket = granularity.bucketStart(time);
                if (pending == null || rowBucket != bucket) {
                    bounds.check(rowBucket, granularity.bucketEnd(rowBucket));
                }
                if (pending != null && (rowBucket != bucket || pending.rows >= rowsPerSegment)) {
                    Pending full = pending;
                    pending = null;
                    if (full.columnar != null) {
                        previousSizes = full.columnar.sizes(); // read before another thread finishes it
                    }
                    finisher.submit(full);
                }
                if (pending == null) {
                    String name = namePrefix == null ? UUID.randomUUID().toString() : namePrefix + "-" + started;
                    started++;
                    pending = new Pending(spec, stored, metricNames, order, rowBucket, version, name, tempDir,
                            deepStorage, counters, maxBytesInMemory, columnar, encoded != null, previousSizes);
                }
                bucket = rowBucket;
                return pending;
            }
        }
        Cutter cutter = new Cutter();
        boolean done = false;
        try (sortedRows) {
            if (encoded != null) {
                int[] offsets = new int[inputSignature.size()];
                int timeSource = sourceIndex[0];
                while (encoded.advance(offsets)) {
                    byte[] buf = encoded.buffer();
                    int at = offsets[timeSource];
                    long time = buf[at] == RowCodec.LONG ? RowCodec.longAt(buf, at) : timeOf(RowCodec.valueAt(buf, at));
                    cutter.segmentFor(time).addEncoded(time, buf, offsets, sourceIndex);
                    counters.addProcessed(1);
                }
            } else {
                Object[] in;
                while ((in = sortedRows.next()) != null) {
                    Object[] row = new Object[stored.size()];
                    for (int c = 0; c < row.length; c++) {
                        row[c] = sourceIndex[c] < 0 ? null : in[sourceIndex[c]];
                    }
                    long time = timeOf(row[0]);
                    row[0] = time;
                    cutter.segmentFor(time).add(row);
                    counters.addProcessed(1);
                }
            }
            if (cutter.pending != null) {
                Pending last = cutter.pending;
                cutter.pending = null;
                finisher.submit(last);
            }
            finisher.awaitLast();
            done = true;
        } finally {
            finisher.close();
            if (cutter.pending != null) {
                cutter.pending.discard();
            }
            if (!done) {
                // nobody will report or publish the segments pushed so far: their files go
                for (GeneratedSegment g : out) {
                    try {
                        deepStorage.delete(g.loadSpecPath());
                    } catch (RuntimeException e) {
                        // the failure being thrown matters more; a file left behind is only garbage
                    }
                }
            }
        }
        return out;
    }

    /** Finishes segments one at a time on a thread of its own, keeping their order in {@code out}. */
    private static final class Finisher implements AutoCloseable {
        private final List<GeneratedSegment> out;
        private final ExecutorService executor;
        private Future<GeneratedSegment> inFlight;
        private Pending inFlightPending;

        Finisher(List<GeneratedSegment> out) {
            this.out = out;
            this.executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "sluice-segment-finisher");
                t.setDaemon(true);
                return t;
            });
        }

        /** Waits for the segment finishing now (rethrowing its failure), then starts finishing {@code p}. */
        void submit(Pending p) {
            try {
                awaitLast();
            } catch (RuntimeException | Error e) {
                p.discard();
                throw e;
            }
            inFlightPending = p;
            inFlight = executor.submit(p::finish);
        }

        void awaitLast() {
            if (inFlight == null) {
                return;
            }
            Future<GeneratedSegment> f = inFlight;
            inFlight = null;
            inFlightPending = null;
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        out.add(f.get());
                        return;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("Segment generation failed", cause);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** After a failure: interrupts the segment finishing now, waits for its thread to end, drops its files. */
        @Override
        public void close() {
            executor.shutdownNow();
            boolean interrupted = false;
            try {
                while (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    // a push to deep storage that ignores interrupts: keep waiting, it owns temp files
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (inFlightPending != null) {
                inFlightPending.discard();
                inFlightPending = null;
            }
            if (inFlight != null && inFlight.isDone() && !inFlight.isCancelled()) {
                try {
                    out.add(inFlight.get()); // pushed before the failure: the caller removes it with the others
                } catch (ExecutionException | InterruptedException e) {
                    // it did not push
                }
            }
            inFlight = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The stored columns: {@code __time} LONG, the dimensions in spec order, then the metrics' intermediate types. */
    public static RowSignature storedSignature(SegmentGeneratorSpec spec) {
        List<ColumnSignature> cols = new ArrayList<>();
        cols.add(new ColumnSignature("__time", ColumnType.LONG));
        for (ColumnSignature d : spec.dimensions()) {
            if (!d.name().equals("__time")) {
                cols.add(d);
            }
        }
        for (AggregatorSpec m : spec.metrics()) {
            cols.add(new ColumnSignature(m.name(), m.intermediateType()));
        }
        return new RowSignature(cols);
    }

    private static int[] sourceIndexes(SegmentGeneratorSpec spec, RowSignature input, RowSignature stored) {
        int[] idx = new int[stored.size()];
        for (int c = 0; c < idx.length; c++) {
            String name = stored.name(c);
            int found = -1;
            for (ColumnMapping m : spec.columnMappings()) {
                if (m.outputColumn().equals(name)) {
                    found = input.indexOf(m.queryColumn());
                    if (found >= 0) {
                        break;
                    }
                }
            }
            if (found < 0) {
                found = input.indexOf(name);
            }
            idx[c] = found;
        }
        if (idx[0] < 0) {
            throw new IllegalArgumentException("No input column maps to __time in " + input);
        }
        return idx;
    }

    private static long timeOf(Object v) {
        if (v == null) {
            throw new FaultException(Faults.insertTimeNull());
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException("__time must be a LONG, got " + v.getClass().getSimpleName());
    }

    /**
     * One segment being built: rows buffered in memory up to {@code maxRowsInMemory}, then sorted and spilled to a
     * run file (in the segment format) in the temp dir; {@link #finish} merges the runs and the in-memory rows into
     * the final file and pushes it.
     */
    private static final class Pending {
        /** Byte budget of a column-by-column segment when the caller gives none. */
        private static final long DEFAULT_COLUMNAR_LIMIT = 256L << 20;

        private final SegmentGeneratorSpec spec;
        private final RowSignature stored;
        private final List<String> metrics;
        private final Comparator<Object[]> order;
        private final long bucket;
        private final String version;
        private final String uniqueName;
        private final Path tempDir;
        private final DeepStorage deepStorage;
        private final SegmentGenerationCounters counters;
        private final int maxRowsInMemory;
        private final List<Path> runs = new ArrayList<>();
        private final long maxBytesInMemory;
        private List<Object[]> buffer = new ArrayList<>();
        private long bufferedBytes;
        private long rows;
        /**
         * The segment's rows column by column while they fit {@link #columnarLimit}; null for the row path (row
         * objects sorted in memory, spilled as sorted runs past {@code maxRowsInMemory} / {@code maxBytesInMemory}).
         * The file is the same either way; past the limit the rows move to the row path.
         */
        private SegmentWriter.Columnar columnar;
        private final long columnarLimit;

        Pending(
                SegmentGeneratorSpec spec,
                RowSignature stored,
                List<String> metrics,
                Comparator<Object[]> order,
                long bucket,
                String version,
                String uniqueName,
                Path tempDir,
                DeepStorage deepStorage,
                SegmentGenerationCounters counters,
                long maxBytesInMemory,
                boolean columnar,
                boolean encodedRows,
                SegmentWriter.Columnar.Sizes previousSizes) {
            this.spec = spec;
            this.uniqueName = uniqueName;
            this.maxBytesInMemory = maxBytesInMemory > 0 ? maxBytesInMemory : Long.MAX_VALUE;
            this.stored = stored;
            this.metrics = metrics;
            this.order = order;
            this.bucket = bucket;
            this.version = version;
            this.tempDir = tempDir;
            this.deepStorage = deepStorage;
            this.counters = counters;
            this.maxRowsInMemory = spec.maxRowsInMemory() > 0 ? spec.maxRowsInMemory() : Integer.MAX_VALUE;
            this.columnar = columnar ? new SegmentWriter.Columnar(stored, encodedRows, previousSizes) : null;
            // Column by column a row takes a few dozen bytes instead of a row object's ~1 KB, so maxRowsInMemory
            // (a bound on row objects) does not apply; the byte budget does.
            this.columnarLimit = maxBytesInMemory > 0 ? maxBytesInMemory : DEFAULT_COLUMNAR_LIMIT;
        }

        void add(Object[] row) {
            if (columnar != null) {
                columnar.add(row);
                rows++;
                if ((rows & 1023) == 0 && columnar.estimatedBytes() > columnarLimit) {
                    toRowPath();
                }
                return;
            }
            addRow(row);
            rows++;
        }

        /**
         * As {@link #add} of the row whose stored column c is the tagged value at {@code buf[offsets[sourceIndex[c]]]}
         * (NULL where {@code sourceIndex[c] < 0}) and whose {@code __time} is {@code time}.
         */
        void addEncoded(long time, byte[] buf, int[] offsets, int[] sourceIndex) {
            if (columnar != null) {
                columnar.addEncoded(time, buf, offsets, sourceIndex);
                rows++;
                if ((rows & 1023) == 0 && columnar.estimatedBytes() > columnarLimit) {
                    toRowPath();
                }
                return;
            }
            Object[] row = new Object[stored.size()];
            row[0] = time;
            for (int c = 1; c < row.length; c++) {
                row[c] = sourceIndex[c] < 0 ? null : RowCodec.valueAt(buf, offsets[sourceIndex[c]]);
            }
            addRow(row);
            rows++;
        }

        /** Hands the rows buffered column by column to the row path (which spills as it goes). */
        private void toRowPath() {
            SegmentWriter.Columnar c = columnar;
            columnar = null;
            RowSource r = c.arrivalOrder();
            Object[] row;
            while ((row = r.next()) != null) {
                addRow(row);
            }
        }

        private void addRow(Object[] row) {
            buffer.add(row);
            bufferedBytes += io.sluice.engine.exec.RowSizes.estimate(row);
            if (buffer.size() >= maxRowsInMemory || bufferedBytes >= maxBytesInMemory) {
                spill();
            }
        }

        private void spill() {
            buffer.sort(order);
            Path run = tempFile("run");
            runs.add(run);
            Iterator<Object[]> it = buffer.iterator();
            SegmentWriter.write(run, stored, () -> it.hasNext() ? it.next() : null);
            counters.addPersisted(buffer.size());
            buffer = new ArrayList<>();
            bufferedBytes = 0;
        }

        GeneratedSegment finish() {
            if (columnar != null) {
                counters.addPersisted(columnar.rows());
            } else {
                buffer.sort(order);
                counters.addPersisted(buffer.size());
            }
            long start = bucket;
            long end = spec.segmentGranularity().bucketEnd(bucket);
            Path file = tempFile("segment");
            List<SegmentReader> readers = new ArrayList<>();
            try {
                List<RowSource> sources = new ArrayList<>();
                for (Path run : runs) {
                    SegmentReader r = SegmentReader.open(run);
                    readers.add(r);
                    sources.add(r.scan(stored.names(), Long.MIN_VALUE, Long.MAX_VALUE));
                }
                SegmentFileInfo info;
                if (columnar != null) {
                    SegmentWriter.Columnar c = columnar;
                    columnar = null;
                    info = c.write(file);
                } else if (sources.isEmpty()) {
                    // everything in memory: columns are built in parallel
                    info = SegmentWriter.write(file, stored, buffer);
                } else {
                    Iterator<Object[]> it = buffer.iterator();
                    sources.add(() -> it.hasNext() ? it.next() : null);
                    info = SegmentWriter.write(file, stored, new MergingRowSource(sources, order));
                }
                counters.addMerged(info.numRows());
                String path = deepStorage.push(file, spec.dataSource(), start, end, version, uniqueName);
                counters.addPushed(info.numRows());
                SegmentReader.preload(deepStorage.localPath(path));
                return new GeneratedSegment(
                        start, end, info.numRows(), info.sizeBytes(), path, stored.columns(), metrics);
            } finally {
                for (SegmentReader r : readers) {
                    r.close();
                }
                deleteQuietly(file);
                discard();
            }
        }

        void discard() {
            columnar = null;
            buffer = new ArrayList<>();
            for (Path run : runs) {
                deleteQuietly(run);
            }
            runs.clear();
        }

        private Path tempFile(String kind) {
            try {
                Files.createDirectories(tempDir);
                return Files.createTempFile(tempDir, kind + "-", ".sluice");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a temp file in " + tempDir, e);
            }
        }

        private static void deleteQuietly(Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: the temp dir belongs to the worker and is removed with it
            }
        }
    }

    /** K-way merge of sorted row sources; ties go to the earlier source, keeping the merge stable. */
    private static final class MergingRowSource implements RowSource {
        private final List<RowSource> sources;
        private final PriorityQueue<Head> heap;

        private record Head(Object[] row, int source) {}

        MergingRowSource(List<RowSource> sources, Comparator<Object[]> order) {
            this.sources = sources;
            this.heap = new PriorityQueue<>(Math.max(1, sources.size()), (a, b) -> {
                int c = order.compare(a.row(), b.row());
                return c != 0 ? c : Integer.compare(a.source(), b.source());
            });
            for (int i = 0; i < sources.size(); i++) {
                Object[] r = sources.get(i).next();
                if (r != null) {
                    heap.add(new Head(r, i));
                }
            }
        }

        @Override
        public Object[] next() {
            Head h = heap.poll();
            if (h == null) {
                return null;
            }
            Object[] r = sources.get(h.source()).next();
            if (r != null) {
                heap.add(new Head(r, h.source()));
            }
            return h.row();
        }

        @Override
        public void close() {
            for (RowSource s : sources) {
                s.close();
            }
        }
    }

    /** Stored column positions the rows of a segment are sorted by: {@code __time}, then the clustering columns. */
    private static List<Integer> orderKeys(RowSignature stored, List<String> clusteredBy) {
        List<Integer> keys = new ArrayList<>();
        keys.add(0);
        for (String c : clusteredBy) {
            int i = stored.indexOf(c);
            if (i > 0 && !keys.contains(i)) {
                keys.add(i);
            }
        }
        return keys;
    }

    private static Comparator<Object[]> segmentOrder(RowSignature stored, List<String> clusteredBy) {
        List<Integer> keys = orderKeys(stored, clusteredBy);
        return (a, b) -> {
            for (int k : keys) {
                int cmp = compareValues(a[k], b[k]);
                if (cmp != 0) {
                    return cmp;
                }
            }
            return 0;
        };
    }

    /** Nulls first; numbers numerically; strings by UTF-16 order; lists element-wise; anything else by text. */
    static int compareValues(Object a, Object b) {
        if (a == b) {
            return 0;
        }
        if (a == null) {
            return -1;
        }
        if (b == null) {
            return 1;
        }
        if (a instanceof Number x && b instanceof Number y) {
            boolean integral = !(x instanceof Double || x instanceof Float || y instanceof Double || y instanceof Float);
            return integral
                    ? Long.compare(x.longValue(), y.longValue())
                    : Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            int n = Math.min(x.size(), y.size());
            for (int i = 0; i < n; i++) {
                int cmp = compareValues(x.get(i), y.get(i));
                if (cmp != 0) {
                    return cmp;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof List<?> x) {
            return x.isEmpty() ? -1 : compareValues(x.get(0), b);
        }
        if (b instanceof List<?> y) {
            return y.isEmpty() ? 1 : compareValues(a, y.get(0));
        }
        return String.valueOf(a).compareTo(String.valueOf(b));
    }

    /** REPLACE's allowed time chunks; {@code null} bounds allow everything (INSERT or OVERWRITE ALL). */
    private record ReplaceBounds(List<long[]> intervals, List<String> text) {
        static ReplaceBounds of(List<String> replaceTimeChunks) {
            if (replaceTimeChunks == null) {
                return new ReplaceBounds(null, null);
            }
            List<long[]> parsed = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (String s : replaceTimeChunks) {
                long[] p = Intervals.parse(s);
                if (p[0] <= Intervals.ETERNITY_START && p[1] >= Intervals.ETERNITY_END) {
                    return new ReplaceBounds(null, null);
                }
                parsed.add(p);
                names.add(Intervals.format(p[0], p[1]));
            }
            return new ReplaceBounds(parsed, List.copyOf(names));
        }

        void check(long chunkStart, long chunkEnd) {
            if (intervals == null) {
                return;
            }
            for (long[] p : intervals) {
                if (p[0] <= chunkStart && chunkEnd <= p[1]) {
                    return;
                }
            }
            throw new FaultException(Faults.insertTimeOutOfBounds(Intervals.format(chunkStart, chunkEnd), text));
        }
    }
}
