package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * Writes one segment file in the {@link SegmentFormat} layout. Column data is buffered in memory, dictionary-encoded
 * as rows arrive (a string row costs one int per value), then compressed and written when the source is exhausted.
 */
public final class SegmentWriter {
    private SegmentWriter() {}

    /**
     * Writes every row of {@code rows} (aligned to {@code signature}, whose column 0 must be {@code __time} LONG) to
     * {@code file}, replacing it. Closes {@code rows}.
     */
    public static SegmentFileInfo write(Path file, RowSignature signature, RowSource rows) {
        requireNonNull(file, "file is null");
        requireNonNull(signature, "signature is null");
        requireNonNull(rows, "rows is null");
        checkSignature(signature);
        int n = signature.size();
        TimeBuilder time = new TimeBuilder();
        List<ColumnBuilder> builders = new ArrayList<>(n);
        builders.add(time);
        for (int c = 1; c < n; c++) {
            builders.add(builderFor(signature.name(c), signature.type(c)));
        }
        long numRows = 0;
        try (rows) {
            Object[] row;
            while ((row = rows.next()) != null) {
                if (row.length < n) {
                    throw new IllegalArgumentException(
                            "Row has " + row.length + " values, signature has " + n + " columns");
                }
                for (int c = 0; c < n; c++) {
                    builders.get(c).add(row[c], (int) numRows);
                }
                numRows++;
                if (numRows > Integer.MAX_VALUE - 1) {
                    throw new IllegalStateException("Too many rows for one segment");
                }
            }
        }
        return writeFile(file, signature, builders, time, numRows);
    }

    /**
     * Writes {@code rows} (held in memory, aligned to {@code signature}) to {@code file}: the same file as
     * {@link #write(Path, RowSignature, RowSource)}, but each column is built from the rows, finished and compressed
     * as one task, the columns in parallel.
     */
    public static SegmentFileInfo write(Path file, RowSignature signature, List<Object[]> rows) {
        requireNonNull(file, "file is null");
        requireNonNull(signature, "signature is null");
        requireNonNull(rows, "rows is null");
        checkSignature(signature);
        int n = signature.size();
        for (Object[] row : rows) {
            if (row.length < n) {
                throw new IllegalArgumentException("Row has " + row.length + " values, signature has " + n + " columns");
            }
        }
        int numRows = rows.size();
        // Transposed first, in row order (each row array is read once): a column task then walks one array.
        Object[][] columns = new Object[n][numRows];
        for (int r = 0; r < numRows; r++) {
            Object[] row = rows.get(r);
            for (int c = 0; c < n; c++) {
                columns[c][r] = row[c];
            }
        }
        TimeBuilder time = new TimeBuilder();
        FinishedColumn[] done = new FinishedColumn[n];
        ColumnTasks.run(n, c -> {
            ColumnBuilder b = c == 0 ? time : builderFor(signature.name(c), signature.type(c));
            Object[] values = columns[c];
            columns[c] = null;
            for (int r = 0; r < numRows; r++) {
                b.add(values[r], r);
            }
            done[c] = finishColumn(b, signature.type(c), numRows);
        });
        return writeFile(file, signature, done, time, numRows);
    }

    /**
     * A segment's rows buffered column by column as they arrive, in arrival order: strings as dictionary ids, numbers
     * as their stored bits, no row objects kept. {@link #write} orders the rows by {@code __time} (stable: equal times
     * keep arrival order) by permuting each column, then finishes the columns in parallel: the file is byte for byte
     * the one {@link #write(Path, RowSignature, List)} writes for the same rows sorted that way. Columns of types
     * other than STRING, LONG, DOUBLE and FLOAT are not supported ({@link #supports}).
     *
     * <p>A buffer made {@code forEncodedRows} keeps its string dictionaries as UTF-8 bytes and takes rows undecoded
     * ({@link #addEncoded}): a frame's string value is hashed and copied in place, with no {@code String} made on the
     * way in or encoded again on the way out. Its file is the same too.
     */
    static final class Columnar {
        private final RowSignature signature;
        private final ColumnBuilder[] builders;
        private long[] times = new long[1024];
        private int rows;

        Columnar(RowSignature signature) {
            this(signature, false);
        }

        Columnar(RowSignature signature, boolean forEncodedRows) {
            this(signature, forEncodedRows, null);
        }

        /**
         * @param previous what the previous segment's buffers held, so that this one's (rows, numbers, UTF-8
         *     dictionaries) start at that size instead of growing step by step (each step a copy, and on a small heap
         *     arrays this large are humongous to G1); null: none
         */
        Columnar(RowSignature signature, boolean forEncodedRows, Sizes previous) {
            if (!supports(signature)) {
                throw new IllegalArgumentException("Not a column-by-column signature: " + signature);
            }
            this.signature = signature;
            this.builders = new ColumnBuilder[signature.size()];
            int expectedRows = previous == null ? 0 : previous.rows();
            if (expectedRows > times.length) {
                times = new long[expectedRows];
            }
            for (int c = 1; c < builders.length; c++) {
                boolean known = previous != null && c < previous.values().length;
                builders[c] = signature.type(c) == ColumnType.STRING && forEncodedRows
                        ? StringColumnBuilder.utf8(signature.name(c), known ? previous.values()[c] : 0,
                                known ? previous.bytes()[c] : 0, expectedRows)
                        : signature.type(c) == ColumnType.STRING ? builderFor(signature.name(c), signature.type(c))
                        : new NumericBuilder(signature.name(c), signature.type(c), expectedRows,
                                known ? previous.nulls()[c] : 0);
            }
        }

        /**
         * The rows of a segment, and per column the values and bytes of its UTF-8 dictionary (0: not one) and the
         * NULLs of a numeric column.
         */
        record Sizes(int rows, int[] values, int[] bytes, int[] nulls) {}

        /** What this segment's buffers hold now. */
        Sizes sizes() {
            int[] values = new int[builders.length];
            int[] bytes = new int[builders.length];
            int[] nulls = new int[builders.length];
            for (int c = 1; c < builders.length; c++) {
                if (builders[c] instanceof StringColumnBuilder b) {
                    values[c] = b.utf8DictionarySize();
                    bytes[c] = b.utf8DictionaryBytes();
                } else if (builders[c] instanceof NumericBuilder b) {
                    nulls[c] = b.nullCount();
                }
            }
            return new Sizes(rows, values, bytes, nulls);
        }

        /** True when every column after {@code __time} is STRING, LONG, DOUBLE or FLOAT. */
        static boolean supports(RowSignature signature) {
            try {
                checkSignature(signature);
            } catch (IllegalArgumentException e) {
                return false;
            }
            for (int c = 1; c < signature.size(); c++) {
                switch (signature.type(c)) {
                    case STRING, LONG, DOUBLE, FLOAT -> { }
                    default -> {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Adds a row (aligned to the signature); the array is not kept. */
        void add(Object[] row) {
            int n = builders.length;
            if (row.length < n) {
                throw new IllegalArgumentException("Row has " + row.length + " values, signature has " + n + " columns");
            }
            if (!(row[0] instanceof Number num)) {
                throw new IllegalArgumentException("__time must be a non-null number, got [" + row[0] + "]");
            }
            if (rows == Integer.MAX_VALUE - 1) {
                throw new IllegalStateException("Too many rows for one segment");
            }
            if (rows == times.length) {
                times = Arrays.copyOf(times, rows * 2);
            }
            times[rows] = num.longValue();
            for (int c = 1; c < n; c++) {
                builders[c].add(row[c], rows);
            }
            rows++;
        }

        /**
         * Adds a row given undecoded ({@link io.sluice.engine.rows.EncodedRowSource}): its {@code __time}, and for
         * each later column c the tagged value at {@code buf[offsets[sourceIndex[c]]]} (NULL where
         * {@code sourceIndex[c] < 0}). The same column data as {@link #add} of the decoded row.
         */
        void addEncoded(long time, byte[] buf, int[] offsets, int[] sourceIndex) {
            if (rows == Integer.MAX_VALUE - 1) {
                throw new IllegalStateException("Too many rows for one segment");
            }
            if (rows == times.length) {
                times = Arrays.copyOf(times, rows * 2);
            }
            times[rows] = time;
            for (int c = 1, n = builders.length; c < n; c++) {
                int source = sourceIndex[c];
                if (source < 0) {
                    builders[c].add(null, rows);
                } else {
                    builders[c].addEncoded(buf, offsets[source], rows);
                }
            }
            rows++;
        }

        int rows() {
            return rows;
        }

        /** Rough heap bytes held. */
        long estimatedBytes() {
            long b = 8L * times.length + 64;
            for (int c = 1; c < builders.length; c++) {
                b += builders[c].estimatedBytes();
            }
            return b;
        }

        /** The rows in arrival order, as values that build the same columns (for handing over to the row path). */
        RowSource arrivalOrder() {
            return new RowSource() {
                private int next;

                @Override
                public Object[] next() {
                    if (next >= rows) {
                        return null;
                    }
                    Object[] row = new Object[builders.length];
                    row[0] = times[next];
                    for (int c = 1; c < row.length; c++) {
                        row[c] = builders[c].valueAt(next);
                    }
                    next++;
                    return row;
                }
            };
        }

        /** Writes the rows sorted by {@code __time} to {@code file}. The buffer cannot be used afterwards. */
        SegmentFileInfo write(Path file) {
            requireNonNull(file, "file is null");
            int n = builders.length;
            int numRows = rows;
            int[] perm = timeOrder(times, numRows);
            TimeBuilder time = new TimeBuilder(numRows);
            for (int i = 0; i < numRows; i++) {
                time.addTime(times[perm == null ? i : perm[i]], i);
            }
            times = null;
            FinishedColumn[] done = new FinishedColumn[n];
            ColumnBuilder[] pending = builders.clone();
            Arrays.fill(builders, null);
            ColumnTasks.run(n, c -> {
                ColumnBuilder b = c == 0 ? time : pending[c];
                pending[c] = null;
                if (c > 0 && perm != null) {
                    b = b.permuted(perm, numRows);
                }
                done[c] = finishColumn(b, signature.type(c), numRows);
            });
            return writeFile(file, signature, done, time, numRows);
        }
    }

    /**
     * Row positions in ascending {@code times} order, equal times in position order (a stable sort); null when the
     * times already ascend.
     */
    static int[] timeOrder(long[] times, int n) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            long t = times[i];
            if (i > 0 && t < times[i - 1]) {
                sorted = false;
            }
            min = Math.min(min, t);
            max = Math.max(max, t);
        }
        if (sorted) {
            return null;
        }
        int[] perm = new int[n];
        if (max - min >= 0 && max - min < (1L << 31)) {
            // (time offset, position) packed into one long: a primitive sort, stable by construction
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = ((times[i] - min) << 32) | i;
            }
            Arrays.sort(keys);
            for (int i = 0; i < n; i++) {
                perm[i] = (int) keys[i];
            }
            return perm;
        }
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        mergeSort(perm, new int[n], 0, n, times);
        return perm;
    }

    /** Stable merge sort of positions {@code a[from, to)} by their times. */
    private static void mergeSort(int[] a, int[] tmp, int from, int to, long[] times) {
        if (to - from < 2) {
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(a, tmp, from, mid, times);
        mergeSort(a, tmp, mid, to, times);
        System.arraycopy(a, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        for (int k = from; k < to; k++) {
            if (j >= to || (i < mid && times[tmp[i]] <= times[tmp[j]])) {
                a[k] = tmp[i++];
            } else {
                a[k] = tmp[j++];
            }
        }
    }

    private static void checkSignature(RowSignature signature) {
        if (signature.size() == 0
                || !signature.name(0).equals("__time")
                || signature.type(0) != ColumnType.LONG) {
            throw new IllegalArgumentException("Segment signature must start with __time LONG: " + signature);
        }
    }

    private static FinishedColumn finishColumn(ColumnBuilder b, ColumnType type, int numRows) {
        List<String> names = new ArrayList<>();
        List<byte[]> compressed = new ArrayList<>();
        for (Map.Entry<String, ByteSink> sec : b.finish(numRows).entrySet()) {
            names.add(sec.getKey());
            ByteSink raw = sec.getValue();
            compressed.add(raw.isPacked() ? SegmentFormat.compressBlocks(raw.array(), raw.size())
                    : SegmentFormat.writeSection(type, sec.getKey(), raw.array(), raw.size()));
        }
        return new FinishedColumn(b.multiValue(), names, compressed);
    }

    private static SegmentFileInfo writeFile(
            Path file, RowSignature signature, List<ColumnBuilder> builders, TimeBuilder time, long numRows) {
        // Columns are finished (dictionaries sorted, bitmaps built) and compressed in parallel; the file lists them
        // in signature order whatever order they finish in.
        int n = builders.size();
        FinishedColumn[] done = new FinishedColumn[n];
        ColumnBuilder[] pendingBuilders = builders.toArray(new ColumnBuilder[0]);
        builders.clear();
        ColumnTasks.run(n, c -> {
            ColumnBuilder b = pendingBuilders[c];
            pendingBuilders[c] = null; // release the raw column once compressed
            done[c] = finishColumn(b, signature.type(c), (int) numRows);
        });
        return writeFile(file, signature, done, time, numRows);
    }

    private static SegmentFileInfo writeFile(
            Path file, RowSignature signature, FinishedColumn[] done, TimeBuilder time, long numRows) {
        int n = done.length;
        List<SegmentFormat.ColumnEntry> entries = new ArrayList<>();
        List<byte[]> payload = new ArrayList<>();
        long offset = 0;
        for (int c = 0; c < n; c++) {
            Map<String, long[]> sections = new LinkedHashMap<>();
            FinishedColumn f = done[c];
            for (int k = 0; k < f.names().size(); k++) {
                byte[] comp = f.compressed().get(k);
                sections.put(f.names().get(k), new long[] {offset, comp.length});
                payload.add(comp);
                offset += comp.length;
            }
            entries.add(new SegmentFormat.ColumnEntry(
                    signature.name(c), signature.type(c).druidName(), f.multiValue(), sections));
        }
        long minTime = numRows == 0 ? 0 : time.min;
        long maxTime = numRows == 0 ? 0 : time.max;
        SegmentFormat.Header header =
                new SegmentFormat.Header(numRows, minTime, maxTime, time.sorted, entries);
        byte[] headerBytes;
        try {
            headerBytes = SegmentFormat.JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise segment header", e);
        }
        ByteBuffer preamble = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        preamble.put(SegmentFormat.MAGIC).putInt(SegmentFormat.VERSION).putInt(headerBytes.length);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                out.write(preamble.array());
                out.write(headerBytes);
                for (byte[] p : payload) {
                    out.write(p);
                }
            }
            return new SegmentFileInfo(numRows, Files.size(file), minTime, maxTime);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write segment file " + file, e);
        }
    }

    private record FinishedColumn(boolean multiValue, List<String> names, List<byte[]> compressed) {}

    private static ColumnBuilder builderFor(String name, ColumnType type) {
        return switch (type) {
            case STRING -> new StringColumnBuilder(name);
            case LONG, FLOAT, DOUBLE -> new NumericBuilder(name, type);
            case STRING_ARRAY, LONG_ARRAY, DOUBLE_ARRAY, COMPLEX_JSON, COMPLEX_STATE, COMPLEX_HLL, COMPLEX_THETA -> new BlobBuilder(name, type);
        };
    }

    private abstract static class ColumnBuilder {
        abstract void add(Object value, int row);

        /** As {@link #add}, the value given as the tagged value at {@code buf[off]} (RowCodec's layout). */
        void addEncoded(byte[] buf, int off, int row) {
            add(RowCodec.valueAt(buf, off), row);
        }

        /** A builder holding the same values with row i holding this one's row {@code perm[i]}. */
        ColumnBuilder permuted(int[] perm, int numRows) {
            throw new UnsupportedOperationException(getClass().getSimpleName());
        }

        /** The value of a row, as a value that {@link #add} turns into the same stored data. */
        Object valueAt(int row) {
            throw new UnsupportedOperationException(getClass().getSimpleName());
        }

        /** Rough heap bytes held. */
        long estimatedBytes() {
            return 0;
        }

        /** Raw (uncompressed) sections by name. */
        abstract Map<String, ByteSink> finish(int numRows);

        boolean multiValue() {
            return false;
        }
    }

    private static final class TimeBuilder extends ColumnBuilder {
        private final ByteSink deltas;
        private long prev;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;
        private boolean sorted = true;

        TimeBuilder() {
            this(512);
        }

        /** With room for {@code rows} times from the start. */
        TimeBuilder(int rows) {
            deltas = new ByteSink(Math.max(1 << 12, 8 * rows));
        }

        @Override
        void add(Object value, int row) {
            if (!(value instanceof Number num)) {
                throw new IllegalArgumentException("__time must be a non-null number, got [" + value + "]");
            }
            addTime(num.longValue(), row);
        }

        void addTime(long t, int row) {
            if (row > 0 && t < prev) {
                sorted = false;
            }
            deltas.putLong(t - prev);
            prev = t;
            min = Math.min(min, t);
            max = Math.max(max, t);
        }

        @Override
        Map<String, ByteSink> finish(int numRows) {
            return Map.of("time", deltas);
        }
    }

    /**
     * A STRING column: values get ids in arrival order from an open-addressing hash table (no boxing); at the end
     * the dictionary is sorted once, ids are remapped, and each id's bitmap is built in bulk from the rows holding
     * it (a counting sort of row numbers by id), then serialized straight into the section buffer.
     */
    private static final class StringColumnBuilder extends ColumnBuilder {
        private final String name;
        /** The dictionary: {@code ids} of strings, or (for encoded rows) {@code utf8} of their UTF-8 bytes. */
        private final StringIds ids;
        private final Utf8Dictionary utf8;
        private final IntList rowIds;
        /** Per row, the end of its ids in {@code rowIds}; only kept once a multi-value row was seen. */
        private IntList ends;
        private int rows;
        /** Rough heap bytes of the distinct values held. */
        private long dictionaryBytes;

        StringColumnBuilder(String name) {
            this(name, new StringIds(), null, new IntList(), null, 0);
        }

        /** A builder keeping its dictionary as UTF-8 bytes, for {@link #addEncoded}, sized as told. */
        static StringColumnBuilder utf8(String name, int expectedValues, int expectedBytes, int expectedRows) {
            return new StringColumnBuilder(name, null, new Utf8Dictionary(expectedValues, expectedBytes),
                    new IntList(expectedRows), null, 0);
        }

        /** Values in the UTF-8 dictionary so far (0 when the builder keeps strings). */
        int utf8DictionarySize() {
            flushPending();
            return utf8 == null ? 0 : utf8.size();
        }

        /** Bytes of the values in the UTF-8 dictionary so far (0 when the builder keeps strings). */
        int utf8DictionaryBytes() {
            flushPending();
            return utf8 == null ? 0 : utf8.usedBytes();
        }

        private StringColumnBuilder(
                String name, StringIds ids, Utf8Dictionary utf8, IntList rowIds, IntList ends, int rows) {
            this.name = name;
            this.ids = ids;
            this.utf8 = utf8;
            this.rowIds = rowIds;
            this.ends = ends;
            this.rows = rows;
        }

        private int newId(String s) {
            if (utf8 != null) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                return utf8.intern(b, 0, b.length) + 1;
            }
            int before = ids.size();
            int id = ids.idOf(s);
            if (id > before) {
                dictionaryBytes += 72 + s.length();
            }
            return id;
        }

        /**
         * Strings and NULLs of encoded rows wait here, a batch at a time, to be interned together (their cache
         * misses overlap): their bytes copied (the row's buffer may be reused), a NULL as length -1. Everything that
         * reads the builder's rows first adds them ({@link #flushPending}).
         */
        private static final int PENDING = 256;
        private byte[] pendingBytes;
        private int[] pendingStarts;
        private int[] pendingLengths;
        private int[] pendingIds;
        private int pendingCount;
        private int pendingUsed;

        @Override
        void addEncoded(byte[] buf, int off, int row) {
            if (utf8 == null) {
                super.addEncoded(buf, off, row);
                return;
            }
            byte tag = buf[off];
            if (tag == RowCodec.STRING || tag == RowCodec.NULL) {
                if (pendingBytes == null) {
                    pendingBytes = new byte[1 << 14];
                    pendingStarts = new int[PENDING];
                    pendingLengths = new int[PENDING];
                    pendingIds = new int[PENDING];
                }
                if (tag == RowCodec.STRING) {
                    long at = RowCodec.stringAt(buf, off);
                    int len = (int) at;
                    if (pendingUsed + len > pendingBytes.length) {
                        pendingBytes = Arrays.copyOf(pendingBytes, Math.max(pendingBytes.length * 2, pendingUsed + len));
                    }
                    System.arraycopy(buf, (int) (at >>> 32), pendingBytes, pendingUsed, len);
                    pendingStarts[pendingCount] = pendingUsed;
                    pendingLengths[pendingCount] = len;
                    pendingUsed += len;
                } else {
                    pendingLengths[pendingCount] = -1;
                }
                if (++pendingCount == PENDING) {
                    flushPending();
                }
            } else {
                flushPending();
                add(RowCodec.valueAt(buf, off), row); // a list, or a number in a string column
            }
        }

        /** Adds the pending encoded values, in order. */
        private void flushPending() {
            int n = pendingCount;
            if (n == 0) {
                return;
            }
            pendingCount = 0;
            pendingUsed = 0;
            utf8.internBatch(pendingBytes, pendingStarts, pendingLengths, n, pendingIds);
            for (int i = 0; i < n; i++) {
                rowIds.add(pendingIds[i] + 1); // NULL: -1 + 1
                rows++;
                if (ends != null) {
                    ends.add(rowIds.size());
                }
            }
        }

        @Override
        ColumnBuilder permuted(int[] perm, int numRows) {
            flushPending();
            int[] raw = rowIds.array();
            if (ends == null) {
                IntList out = new IntList(numRows);
                for (int i = 0; i < numRows; i++) {
                    out.add(raw[perm[i]]);
                }
                return new StringColumnBuilder(name, ids, utf8, out, null, numRows);
            }
            IntList out = new IntList(rowIds.size());
            IntList outEnds = new IntList(numRows);
            int[] e = ends.array();
            for (int i = 0; i < numRows; i++) {
                int r = perm[i];
                for (int k = r == 0 ? 0 : e[r - 1], end = e[r]; k < end; k++) {
                    out.add(raw[k]);
                }
                outEnds.add(out.size());
            }
            return new StringColumnBuilder(name, ids, utf8, out, outEnds, numRows);
        }

        @Override
        Object valueAt(int row) {
            flushPending();
            if (ends == null) {
                return valueOf(rowIds.get(row));
            }
            int start = row == 0 ? 0 : ends.get(row - 1);
            int end = ends.get(row);
            Object[] values = new Object[end - start];
            for (int k = start; k < end; k++) {
                values[k - start] = valueOf(rowIds.get(k));
            }
            return java.util.Collections.unmodifiableList(Arrays.asList(values));
        }

        private String valueOf(int id) {
            if (utf8 == null) {
                return ids.valueOf(id);
            }
            return id == 0 ? null : utf8.value(id - 1);
        }

        @Override
        long estimatedBytes() {
            flushPending();
            return 4L * rowIds.array().length + (ends == null ? 0 : 4L * ends.array().length)
                    + (utf8 == null ? dictionaryBytes : utf8.memoryBytes());
        }

        private int idOf(Object v) {
            if (v == null) {
                return 0;
            }
            return newId(v instanceof String str ? str : String.valueOf(v));
        }

        @Override
        void add(Object value, int row) {
            flushPending();
            if (value instanceof String s) {
                rowIds.add(newId(s));
            } else if (value == null) {
                rowIds.add(0);
            } else if (value instanceof List<?> list) {
                if (ends == null) {
                    ends = new IntList();
                    for (int r = 1; r <= rows; r++) {
                        ends.add(r);
                    }
                }
                for (Object o : list) {
                    rowIds.add(idOf(o));
                }
            } else if (value instanceof Number || value instanceof Boolean) {
                rowIds.add(idOf(value));
            } else {
                throw new IllegalArgumentException(
                        "Column [" + name + "] is STRING but got " + value.getClass().getSimpleName());
            }
            rows++;
            if (ends != null) {
                ends.add(rowIds.size());
            }
        }

        @Override
        boolean multiValue() {
            flushPending();
            return ends != null;
        }

        @Override
        Map<String, ByteSink> finish(int numRows) {
            flushPending();
            int distinct = utf8 == null ? ids.size() : utf8.size();
            int[] remap = new int[distinct + 1]; // builder id → sorted dictionary id (0 = null stays 0)
            ByteSink dict;
            if (utf8 != null && distinct <= Utf8Dictionary.MAX_SORTABLE) {
                // the bytes are already UTF-8: sorted as String.compareTo would and copied, never decoded
                int[] order = utf8.sortedIds(true);
                byte[] arena = utf8.arena();
                int bytes = distinct == 0 ? 0 : utf8.start(distinct - 1) + utf8.length(distinct - 1);
                dict = new ByteSink(bytes + 4 * distinct + 4);
                dict.putInt(distinct);
                for (int i = 0; i < order.length; i++) {
                    int id = order[i];
                    int len = utf8.length(id);
                    dict.putInt(len);
                    dict.putBytes(arena, utf8.start(id), len);
                    remap[id + 1] = i + 1;
                }
            } else {
                String[] values = new String[distinct]; // id order: the value of id k at k - 1
                for (int k = 0; k < distinct; k++) {
                    values[k] = valueOf(k + 1);
                }
                int[] order = StringSorter.order(values);
                dict = new ByteSink(distinct * 16 + 4);
                dict.putInt(distinct);
                for (int i = 0; i < order.length; i++) {
                    byte[] b = values[order[i]].getBytes(StandardCharsets.UTF_8);
                    dict.putInt(b.length);
                    dict.putBytes(b);
                    remap[order[i] + 1] = i + 1;
                }
            }
            int total = rowIds.size();
            int[] raw = rowIds.array();
            int[] counts = new int[remap.length + 1];
            for (int k = 0; k < total; k++) {
                int id = remap[raw[k]];
                raw[k] = id;
                counts[id + 1]++;
            }
            // packed as the section is stored, straight from the ids (no copy of them as four bytes each)
            ByteSink idSink = ByteSink.packed(SegmentFormat.packInts(raw, total));
            ByteSink offsets = null;
            if (ends != null) {
                offsets = new ByteSink((numRows + 1) * 4);
                offsets.putInt(0);
                for (int r = 0; r < numRows; r++) {
                    offsets.putInt(ends.get(r));
                }
            }
            // Row numbers grouped by id, ascending within each id (counting sort).
            for (int i = 1; i < counts.length; i++) {
                counts[i] += counts[i - 1];
            }
            int[] next = Arrays.copyOf(counts, counts.length - 1);
            int[] rowsById = new int[total];
            if (ends == null) {
                for (int r = 0; r < total; r++) {
                    rowsById[next[raw[r]]++] = r;
                }
            } else {
                int start = 0;
                for (int r = 0; r < numRows; r++) {
                    int end = ends.get(r);
                    for (int k = start; k < end; k++) {
                        int id = raw[k];
                        // a row holding the same value twice appears once in that value's bitmap
                        if (next[id] == counts[id] || rowsById[next[id] - 1] != r) {
                            rowsById[next[id]++] = r;
                        }
                    }
                    start = end;
                }
            }
            // sized so that it seldom grows by copying: a bitmap of one row takes ~22 bytes with its length, and a
            // bitmap's rows mostly take at most 2 bytes each beyond that
            ByteSink bm = new ByteSink((int) Math.min(Integer.MAX_VALUE - 16, remap.length * 24L + 2L * total));
            RoaringBitmap b = new RoaringBitmap();
            for (int id = 0; id < remap.length; id++) {
                if (SmallBitmaps.write(rowsById, counts[id], next[id] - counts[id], bm)) {
                    continue;
                }
                b.clear();
                b.addN(rowsById, counts[id], next[id] - counts[id]);
                b.runOptimize();
                int size = b.serializedSizeInBytes();
                bm.putInt(size);
                b.serialize(bm.reserve(size));
            }
            Map<String, ByteSink> out = new LinkedHashMap<>();
            out.put("dict", dict);
            out.put("ids", idSink);
            if (offsets != null) {
                out.put("offsets", offsets);
            }
            out.put("bitmaps", bm);
            return out;
        }
    }

    /**
     * String → id (1-based, in first-seen order) in an open-addressing table of longs, each slot holding a string's
     * hash (high half) and id (low half; 0 = empty): a probe reads one array, and a string is only compared with
     * strings of the same hash; growing rehashes without touching the strings.
     */
    static final class StringIds {
        private long[] slots = new long[64];
        private String[] byId = new String[16];
        private int size;

        int idOf(String s) {
            int h = s.hashCode();
            int mask = slots.length - 1;
            int i = spread(h) & mask;
            while (true) {
                long e = slots[i];
                if (e == 0) {
                    break;
                }
                if ((int) (e >>> 32) == h) {
                    String k = byId[(int) e - 1];
                    if (k == s || k.equals(s)) {
                        return (int) e;
                    }
                }
                i = (i + 1) & mask;
            }
            if (size == byId.length) {
                byId = Arrays.copyOf(byId, size * 2);
            }
            byId[size++] = s;
            slots[i] = ((long) h << 32) | size;
            if (size * 2 > slots.length) {
                grow();
            }
            return size;
        }

        int size() {
            return size;
        }

        /** The value of an id (0 = null). */
        String valueOf(int id) {
            return id == 0 ? null : byId[id - 1];
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }

        private void grow() {
            long[] old = slots;
            slots = new long[old.length * 2];
            int mask = slots.length - 1;
            for (long e : old) {
                if (e != 0) {
                    int i = spread((int) (e >>> 32)) & mask;
                    while (slots[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    slots[i] = e;
                }
            }
        }
    }

    private static final class NumericBuilder extends ColumnBuilder {
        private final String name;
        private final ColumnType type;
        private ByteSink values;
        /** Rows holding NULL, ascending (a bitmap is built once, at the end: adding to one row by row costs more). */
        private IntList nullRows;

        NumericBuilder(String name, ColumnType type) {
            this(name, type, 0, 0);
        }

        /** With room for {@code expectedRows} values and {@code expectedNulls} NULLs from the start. */
        NumericBuilder(String name, ColumnType type, int expectedRows, int expectedNulls) {
            this.name = name;
            this.type = type;
            this.values = new ByteSink((int) Math.min(Integer.MAX_VALUE - 16, Math.max(1 << 12,
                    (long) expectedRows * width())));
            this.nullRows = new IntList(Math.max(16, expectedNulls));
        }

        /** The NULLs added so far (0 once finished). */
        int nullCount() {
            return nullRows == null ? 0 : nullRows.size();
        }

        private int width() {
            return type == ColumnType.FLOAT ? 4 : 8;
        }

        @Override
        ColumnBuilder permuted(int[] perm, int numRows) {
            NumericBuilder out = new NumericBuilder(name, type);
            int w = width();
            byte[] src = values.array();
            ByteSink dst = new ByteSink(numRows * w);
            for (int i = 0; i < numRows; i++) {
                dst.putBytes(src, perm[i] * w, w);
            }
            out.values = dst;
            if (nullRows.size() > 0) {
                boolean[] isNull = new boolean[numRows];
                for (int k = 0, m = nullRows.size(); k < m; k++) {
                    isNull[nullRows.get(k)] = true;
                }
                for (int i = 0; i < numRows; i++) {
                    if (isNull[perm[i]]) {
                        out.nullRows.add(i); // in row order, as rows added in this order would have
                    }
                }
            }
            return out;
        }

        @Override
        Object valueAt(int row) {
            if (Arrays.binarySearch(nullRows.array(), 0, nullRows.size(), row) >= 0) {
                return null;
            }
            byte[] b = values.array();
            int w = width();
            long bits = 0;
            for (int k = w - 1; k >= 0; k--) {
                bits = (bits << 8) | (b[row * w + k] & 0xFFL);
            }
            return switch (type) {
                case LONG -> bits;
                case DOUBLE -> Double.longBitsToDouble(bits);
                case FLOAT -> Float.intBitsToFloat((int) bits);
                default -> throw new IllegalStateException("Not numeric: " + type);
            };
        }

        @Override
        long estimatedBytes() {
            return values.array().length + 64L;
        }

        @Override
        void add(Object value, int row) {
            Number num;
            if (value == null) {
                nullRows.add(row);
                num = 0;
            } else if (value instanceof Number x) {
                num = x;
            } else {
                throw new IllegalArgumentException(
                        "Column [" + name + "] is " + type + " but got " + value.getClass().getSimpleName());
            }
            switch (type) {
                case LONG -> values.putLong(num.longValue());
                case DOUBLE -> values.putLong(Double.doubleToRawLongBits(num.doubleValue()));
                case FLOAT -> values.putInt(Float.floatToRawIntBits(num.floatValue()));
                default -> throw new IllegalStateException("Not numeric: " + type);
            }
        }

        @Override
        void addEncoded(byte[] buf, int off, int row) {
            // the conversions Number's longValue / doubleValue / floatValue make in add
            switch (buf[off]) {
                case RowCodec.LONG -> {
                    long v = RowCodec.longAt(buf, off);
                    switch (type) {
                        case LONG -> values.putLong(v);
                        case DOUBLE -> values.putLong(Double.doubleToRawLongBits((double) v));
                        default -> values.putInt(Float.floatToRawIntBits((float) v));
                    }
                }
                case RowCodec.DOUBLE -> {
                    double v = RowCodec.doubleAt(buf, off);
                    switch (type) {
                        case LONG -> values.putLong((long) v);
                        case DOUBLE -> values.putLong(Double.doubleToRawLongBits(v));
                        default -> values.putInt(Float.floatToRawIntBits((float) v));
                    }
                }
                case RowCodec.NULL -> { // as add(null, row): a NULL row, zero bits
                    nullRows.add(row);
                    if (type == ColumnType.FLOAT) {
                        values.putInt(0);
                    } else {
                        values.putLong(0L);
                    }
                }
                default -> super.addEncoded(buf, off, row); // FLOAT, or a value that is refused
            }
        }

        @Override
        Map<String, ByteSink> finish(int numRows) {
            RoaringBitmap nulls = new RoaringBitmap();
            nulls.addN(nullRows.array(), 0, nullRows.size());
            nullRows = null;
            nulls.runOptimize();
            ByteBuffer buf = ByteBuffer.allocate(nulls.serializedSizeInBytes());
            nulls.serialize(buf);
            ByteSink n = new ByteSink(buf.capacity());
            n.putBytes(buf.array());
            Map<String, ByteSink> out = new LinkedHashMap<>();
            out.put("values", values);
            out.put("nulls", n);
            return out;
        }
    }

    private static final class BlobBuilder extends ColumnBuilder {
        private final String name;
        private final ColumnType type;
        private final ByteSink values = new ByteSink(1 << 12);

        BlobBuilder(String name, ColumnType type) {
            this.name = name;
            this.type = type;
        }

        @Override
        void add(Object value, int row) {
            if (value == null) {
                values.putInt(-1);
                return;
            }
            byte[] bytes;
            if (type.isBinaryComplex()) {
                if (!(value instanceof byte[] b)) {
                    throw new IllegalArgumentException(
                            "Column [" + name + "] is " + type.druidName() + " but got " + value.getClass().getSimpleName());
                }
                bytes = b;
            } else {
                if (type.isArray() && !(value instanceof List<?>)) {
                    throw new IllegalArgumentException(
                            "Column [" + name + "] is " + type.druidName() + " but got "
                                    + value.getClass().getSimpleName());
                }
                try {
                    bytes = SegmentFormat.JSON.writeValueAsBytes(value);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("Cannot serialise value of column [" + name + "]", e);
                }
            }
            values.putInt(bytes.length);
            values.putBytes(bytes);
        }

        @Override
        Map<String, ByteSink> finish(int numRows) {
            return Map.of("values", values);
        }
    }
}
