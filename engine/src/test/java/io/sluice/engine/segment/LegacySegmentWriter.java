package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
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

/** The segment writer as it was before the bulk string-column build (commit 1e9b0e3), kept to prove the new one
 * writes byte-identical files.
 *
 * Writes one segment file in the {@link SegmentFormat} layout. Column data is buffered in memory, dictionary-encoded
 * as rows arrive (a string row costs one int per value), then compressed and written when the source is exhausted.
 */
final class LegacySegmentWriter {
    private LegacySegmentWriter() {}

    /**
     * Writes every row of {@code rows} (aligned to {@code signature}, whose column 0 must be {@code __time} LONG) to
     * {@code file}, replacing it. Closes {@code rows}.
     */
    public static SegmentFileInfo write(Path file, RowSignature signature, RowSource rows) {
        return write(file, signature, rows, SegmentFormat.VERSION);
    }

    /**
     * Like {@link #write(Path, RowSignature, RowSource)} in the given format version: {@link SegmentFormat#VERSION},
     * {@link SegmentFormat#VERSION_LZ4} (every block LZ4) or {@link SegmentFormat#VERSION_ZSTD} (1 MiB zstd blocks,
     * ints and longs unpacked) to test that such files are still read.
     */
    static SegmentFileInfo write(Path file, RowSignature signature, RowSource rows, int version) {
        requireNonNull(file, "file is null");
        requireNonNull(signature, "signature is null");
        requireNonNull(rows, "rows is null");
        if (signature.size() == 0
                || !signature.name(0).equals("__time")
                || signature.type(0) != ColumnType.LONG) {
            throw new IllegalArgumentException("Segment signature must start with __time LONG: " + signature);
        }
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
        return writeFile(file, signature, builders, time, numRows, version);
    }

    private static SegmentFileInfo writeFile(Path file, RowSignature signature, List<ColumnBuilder> builders,
            TimeBuilder time, long numRows, int version) {
        List<SegmentFormat.ColumnEntry> entries = new ArrayList<>();
        List<byte[]> payload = new ArrayList<>();
        long offset = 0;
        for (int c = 0; c < builders.size(); c++) {
            ColumnBuilder b = builders.get(c);
            Map<String, long[]> sections = new LinkedHashMap<>();
            for (Map.Entry<String, ByteSink> s : b.finish((int) numRows).entrySet()) {
                byte[] comp = version == SegmentFormat.VERSION_ZSTD
                        ? compressZstd(s.getValue().array(), s.getValue().size())
                        : SegmentFormat.writeSection(signature.type(c), s.getKey(), s.getValue().array(),
                                s.getValue().size(), version != SegmentFormat.VERSION_LZ4);
                sections.put(s.getKey(), new long[] {offset, comp.length});
                payload.add(comp);
                offset += comp.length;
            }
            builders.set(c, null); // release the raw column before compressing the next
            entries.add(new SegmentFormat.ColumnEntry(
                    signature.name(c), signature.type(c).druidName(), b.multiValue(), sections));
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
        preamble.put(SegmentFormat.MAGIC).putInt(version).putInt(headerBytes.length);
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

    /** A section as version 1 stored it: 1 MiB blocks of zstd level 3. */
    private static byte[] compressZstd(byte[] raw, int length) {
        int blockSize = 1 << 20;
        int blocks = Math.max(1, (length + blockSize - 1) / blockSize);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(le.putInt(0, blocks).array(), 0, 4);
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            byte[] chunk = Arrays.copyOfRange(raw, from, from + Math.max(0, Math.min(blockSize, length - from)));
            byte[] comp = com.github.luben.zstd.Zstd.compress(chunk, 3);
            out.writeBytes(le.putInt(0, chunk.length).putInt(4, comp.length).array());
            out.writeBytes(comp);
        }
        return out.toByteArray();
    }

    private static ColumnBuilder builderFor(String name, ColumnType type) {
        return switch (type) {
            case STRING -> new StringColumnBuilder(name);
            case LONG, FLOAT, DOUBLE -> new NumericBuilder(name, type);
            case STRING_ARRAY, LONG_ARRAY, DOUBLE_ARRAY, COMPLEX_JSON, COMPLEX_STATE, COMPLEX_HLL, COMPLEX_THETA ->
                    new BlobBuilder(name, type);
        };
    }

    private abstract static class ColumnBuilder {
        abstract void add(Object value, int row);

        /** Raw (uncompressed) sections by name. */
        abstract Map<String, ByteSink> finish(int numRows);

        boolean multiValue() {
            return false;
        }
    }

    private static final class TimeBuilder extends ColumnBuilder {
        private final ByteSink deltas = new ByteSink(1 << 12);
        private long prev;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;
        private boolean sorted = true;

        @Override
        void add(Object value, int row) {
            if (!(value instanceof Number num)) {
                throw new IllegalArgumentException("__time must be a non-null number, got [" + value + "]");
            }
            long t = num.longValue();
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

    private static final class StringColumnBuilder extends ColumnBuilder {
        private final String name;
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> values = new ArrayList<>();
        private final IntList rowIds = new IntList();
        private final IntList ends = new IntList();
        private boolean multi;

        StringColumnBuilder(String name) {
            this.name = name;
        }

        private int idOf(Object v) {
            if (v == null) {
                return 0;
            }
            String s = v instanceof String str ? str : String.valueOf(v);
            Integer id = ids.get(s);
            if (id == null) {
                values.add(s);
                id = values.size();
                ids.put(s, id);
            }
            return id;
        }

        @Override
        void add(Object value, int row) {
            if (value instanceof List<?> list) {
                multi = true;
                for (Object o : list) {
                    rowIds.add(idOf(o));
                }
            } else if (value == null || value instanceof String || value instanceof Number
                    || value instanceof Boolean) {
                rowIds.add(idOf(value));
            } else {
                throw new IllegalArgumentException(
                        "Column [" + name + "] is STRING but got " + value.getClass().getSimpleName());
            }
            ends.add(rowIds.size());
        }

        @Override
        boolean multiValue() {
            return multi;
        }

        @Override
        Map<String, ByteSink> finish(int numRows) {
            String[] sorted = values.toArray(new String[0]);
            Arrays.sort(sorted);
            int[] remap = new int[sorted.length + 1];
            for (int i = 0; i < sorted.length; i++) {
                remap[ids.get(sorted[i])] = i + 1;
            }
            ByteSink dict = new ByteSink(sorted.length * 8 + 4);
            dict.putInt(sorted.length);
            for (String s : sorted) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                dict.putInt(b.length);
                dict.putBytes(b);
            }
            RoaringBitmap[] bitmaps = new RoaringBitmap[sorted.length + 1];
            for (int i = 0; i < bitmaps.length; i++) {
                bitmaps[i] = new RoaringBitmap();
            }
            ByteSink idSink = new ByteSink(rowIds.size() * 4);
            ByteSink offsets = multi ? new ByteSink((numRows + 1) * 4) : null;
            if (offsets != null) {
                offsets.putInt(0);
            }
            int start = 0;
            for (int r = 0; r < numRows; r++) {
                int end = ends.get(r);
                for (int k = start; k < end; k++) {
                    int id = remap[rowIds.get(k)];
                    idSink.putInt(id);
                    bitmaps[id].add(r);
                }
                if (offsets != null) {
                    offsets.putInt(end);
                }
                start = end;
            }
            ByteSink bm = new ByteSink(bitmaps.length * 16);
            for (RoaringBitmap b : bitmaps) {
                b.runOptimize();
                ByteBuffer buf = ByteBuffer.allocate(b.serializedSizeInBytes());
                b.serialize(buf);
                bm.putInt(buf.capacity());
                bm.putBytes(buf.array());
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

    private static final class NumericBuilder extends ColumnBuilder {
        private final String name;
        private final ColumnType type;
        private final ByteSink values = new ByteSink(1 << 12);
        private final RoaringBitmap nulls = new RoaringBitmap();

        NumericBuilder(String name, ColumnType type) {
            this.name = name;
            this.type = type;
        }

        @Override
        void add(Object value, int row) {
            Number num;
            if (value == null) {
                nulls.add(row);
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
        Map<String, ByteSink> finish(int numRows) {
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
            if (type == ColumnType.COMPLEX_STATE) {
                if (!(value instanceof byte[] b)) {
                    throw new IllegalArgumentException(
                            "Column [" + name + "] is COMPLEX<state> but got " + value.getClass().getSimpleName());
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
