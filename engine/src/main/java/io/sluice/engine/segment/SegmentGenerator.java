package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.SegmentGeneratorSpec;
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
import java.util.UUID;

/**
 * Turns one sorted partition of the upstream stage into segment files: maps upstream columns to stored columns
 * ({@code [__time, dimensions…, metrics…]}), cuts a new segment at every time-chunk change and every
 * {@code rowsPerSegment} rows, sorts each segment's rows by {@code [__time, clusteredBy…]}, writes the file, pushes
 * it to deep storage and describes it. Stateless; all I/O goes through the temp dir and the deep storage.
 *
 * <p>Each segment's rows are buffered in memory (at most {@code rowsPerSegment} of them); {@code maxRowsInMemory}
 * spilling is not implemented.
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
        ReplaceBounds bounds = ReplaceBounds.of(spec.replaceTimeChunks());
        Granularity granularity = spec.segmentGranularity();
        long rowsPerSegment = spec.rowsPerSegment() > 0 ? spec.rowsPerSegment() : 3_000_000L;

        List<GeneratedSegment> out = new ArrayList<>();
        List<Object[]> buffer = new ArrayList<>();
        long bucket = 0;
        try (sortedRows) {
            Object[] in;
            while ((in = sortedRows.next()) != null) {
                Object[] row = new Object[stored.size()];
                for (int c = 0; c < row.length; c++) {
                    row[c] = sourceIndex[c] < 0 ? null : in[sourceIndex[c]];
                }
                long time = timeOf(row[0]);
                row[0] = time;
                long rowBucket = granularity.bucketStart(time);
                if (buffer.isEmpty() || rowBucket != bucket) {
                    bounds.check(rowBucket, granularity.bucketEnd(rowBucket));
                }
                if (!buffer.isEmpty() && (rowBucket != bucket || buffer.size() >= rowsPerSegment)) {
                    out.add(flush(spec, stored, metricNames, order, buffer, bucket, version, tempDir, deepStorage,
                            counters));
                    buffer = new ArrayList<>();
                }
                bucket = rowBucket;
                buffer.add(row);
                counters.addProcessed(1);
            }
        }
        if (!buffer.isEmpty()) {
            out.add(flush(spec, stored, metricNames, order, buffer, bucket, version, tempDir, deepStorage, counters));
        }
        return out;
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

    private static GeneratedSegment flush(
            SegmentGeneratorSpec spec,
            RowSignature stored,
            List<String> metrics,
            Comparator<Object[]> order,
            List<Object[]> rows,
            long bucket,
            String version,
            Path tempDir,
            DeepStorage deepStorage,
            SegmentGenerationCounters counters) {
        rows.sort(order);
        counters.addPersisted(rows.size());
        long start = bucket;
        long end = spec.segmentGranularity().bucketEnd(bucket);
        String uniqueName = UUID.randomUUID().toString();
        Path file = tempDir.resolve(uniqueName + ".sluice");
        try {
            Files.createDirectories(tempDir);
            Iterator<Object[]> it = rows.iterator();
            SegmentFileInfo info = SegmentWriter.write(file, stored, () -> it.hasNext() ? it.next() : null);
            counters.addMerged(info.numRows());
            String path = deepStorage.push(file, spec.dataSource(), start, end, version, uniqueName);
            counters.addPushed(info.numRows());
            return new GeneratedSegment(start, end, info.numRows(), info.sizeBytes(), path, stored.columns(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create temp dir " + tempDir, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // best effort: the temp dir belongs to the worker and is removed with it
            }
        }
    }

    private static Comparator<Object[]> segmentOrder(RowSignature stored, List<String> clusteredBy) {
        List<Integer> keys = new ArrayList<>();
        keys.add(0);
        for (String c : clusteredBy) {
            int i = stored.indexOf(c);
            if (i > 0 && !keys.contains(i)) {
                keys.add(i);
            }
        }
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
    private record ReplaceBounds(List<long[]> intervals, String text) {
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
            return new ReplaceBounds(parsed, names.toString());
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
