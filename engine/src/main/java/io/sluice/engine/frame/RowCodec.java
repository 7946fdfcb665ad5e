package io.sluice.engine.frame;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sluice's compact binary value layout, shared by frames and aggregator state. Every value is type-tagged, so a
 * row decodes without its signature (only the column count is needed):
 *
 * <pre>
 *   0 NULL | 1 LONG zigzag-varint | 2 FLOAT 4 bytes | 3 DOUBLE 8 bytes | 4 STRING varint length + UTF-8
 *   5 LIST varint count + values | 6 BYTES varint length + bytes | 7 JSON (any other object) varint length + JSON
 * </pre>
 */
public final class RowCodec {
    public static final byte NULL = 0;
    public static final byte LONG = 1;
    public static final byte FLOAT = 2;
    public static final byte DOUBLE = 3;
    public static final byte STRING = 4;
    public static final byte LIST = 5;
    public static final byte BYTES = 6;
    public static final byte JSON = 7;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RowCodec() {}

    /** Appends one tagged value. */
    public static void writeValue(ByteSink out, Object v) {
        if (v == null) {
            out.write(NULL);
        } else if (v instanceof Long l) {
            out.write(LONG);
            out.writeVarLong(zigzag(l));
        } else if (v instanceof String s) {
            out.write(STRING);
            out.writeUtf8WithLength(s);
        } else if (v instanceof Double d) {
            out.write(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(d));
        } else if (v instanceof Integer i) {
            out.write(LONG);
            out.writeVarLong(zigzag(i));
        } else if (v instanceof Float f) {
            out.write(FLOAT);
            out.writeInt(Float.floatToRawIntBits(f));
        } else if (v instanceof List<?> list) {
            out.write(LIST);
            out.writeVarLong(list.size());
            for (int i = 0, n = list.size(); i < n; i++) {
                writeValue(out, list.get(i));
            }
        } else if (v instanceof byte[] b) {
            out.write(BYTES);
            out.writeVarLong(b.length);
            out.write(b, 0, b.length);
        } else if (v instanceof Boolean b) {
            out.write(LONG);
            out.writeVarLong(zigzag(b ? 1 : 0));
        } else if (v instanceof Number n) {
            out.write(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(n.doubleValue()));
        } else {
            try {
                byte[] json = MAPPER.writeValueAsBytes(v);
                out.write(JSON);
                out.writeVarLong(json.length);
                out.write(json, 0, json.length);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("Cannot encode value of " + v.getClass(), e);
            }
        }
    }

    /** Reads one tagged value at the source's position. */
    public static Object readValue(ByteSource in) {
        return readTagged(in.read(), in);
    }

    private static Object readTagged(byte tag, ByteSource in) {
        switch (tag) {
            case NULL:
                return null;
            case LONG:
                return unzigzag(in.readVarLong());
            case FLOAT:
                return Float.intBitsToFloat(in.readInt());
            case DOUBLE:
                return Double.longBitsToDouble(in.readLong());
            case STRING:
                return in.readUtf8((int) in.readVarLong());
            case LIST: {
                int n = (int) in.readVarLong();
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(readValue(in));
                }
                return Collections.unmodifiableList(out);
            }
            case BYTES:
                return in.readBytes((int) in.readVarLong());
            case JSON: {
                byte[] json = in.readBytes((int) in.readVarLong());
                try {
                    return MAPPER.readValue(json, Object.class);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("Corrupt JSON value in frame", e);
                }
            }
            default:
                throw new IllegalStateException("Corrupt frame: unknown value tag " + tag);
        }
    }

    /**
     * As {@link #readValue(ByteSource)}, strings (top-level or in a list) decoded through {@code cache} as values of
     * column {@code column}: equal values, fewer objects.
     */
    public static Object readValue(ByteSource in, StringCache cache, int column) {
        byte tag = in.read();
        switch (tag) {
            case NULL:
                return null;
            case LONG:
                return unzigzag(in.readVarLong());
            case STRING:
                return in.readUtf8((int) in.readVarLong(), cache, column);
            case LIST: {
                int n = (int) in.readVarLong();
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(readValue(in, cache, column));
                }
                return Collections.unmodifiableList(out);
            }
            default:
                return readTagged(tag, in);
        }
    }

    // Reading one value in place, without a cursor or an object: the tag is at buf[off] (see EncodedRowSource).

    /** The value of a LONG-tagged value at {@code buf[off]}. */
    public static long longAt(byte[] buf, int off) {
        long v = 0;
        int shift = 0;
        for (int p = off + 1; ; p++) {
            byte b = buf[p];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return unzigzag(v);
            }
            shift += 7;
        }
    }

    /** The value of a DOUBLE-tagged value at {@code buf[off]}. */
    public static double doubleAt(byte[] buf, int off) {
        long bits = 0;
        for (int p = off + 1; p < off + 9; p++) {
            bits = (bits << 8) | (buf[p] & 0xFFL);
        }
        return Double.longBitsToDouble(bits);
    }

    /** The value of a FLOAT-tagged value at {@code buf[off]}. */
    public static float floatAt(byte[] buf, int off) {
        int bits = ((buf[off + 1] & 0xFF) << 24) | ((buf[off + 2] & 0xFF) << 16) | ((buf[off + 3] & 0xFF) << 8)
                | (buf[off + 4] & 0xFF);
        return Float.intBitsToFloat(bits);
    }

    /**
     * Where the UTF-8 bytes of a STRING-tagged value at {@code buf[off]} are: {@code (start << 32) | length}.
     */
    public static long stringAt(byte[] buf, int off) {
        int len = 0;
        int shift = 0;
        int p = off + 1;
        while (true) {
            byte b = buf[p++];
            len |= (b & 0x7F) << shift;
            if (b >= 0) {
                return ((long) p << 32) | len;
            }
            shift += 7;
        }
    }

    /** The tagged value at {@code buf[off]}, decoded (as {@link #readValue(ByteSource)}). */
    public static Object valueAt(byte[] buf, int off) {
        return readValue(new ByteSource(buf, off, buf.length));
    }

    /** Moves past one tagged value without decoding it. */
    /**
     * Records where each of a row's {@code columns} values starts ({@code offsets[c]} for {@code c < offsets.length})
     * in {@code buf}, the row starting at {@code pos}; returns where the row ends. The walk {@link #skipValue} does, on
     * local variables (no cursor object written per byte); {@code end} bounds it as a frame's size does.
     */
    public static int valueOffsets(byte[] buf, int pos, int end, int columns, int[] offsets) {
        int p = pos;
        for (int c = 0; c < columns; c++) {
            if (c < offsets.length) {
                offsets[c] = p;
            }
            p = valueEnd(buf, p, end);
        }
        return p;
    }

    /** Where the tagged value starting at {@code buf[p]} ends (as {@link #skipValue} moves past it). */
    public static int valueEnd(byte[] buf, int p, int end) {
        if (p >= end) {
            throw new IllegalStateException("Corrupt frame: read past end");
        }
        byte tag = buf[p++];
        switch (tag) {
            case NULL:
                return p;
            case LONG:
                return varintEnd(buf, p, end);
            case FLOAT:
                return checkedEnd(p + 4, end);
            case DOUBLE:
                return checkedEnd(p + 8, end);
            case STRING:
            case BYTES:
            case JSON: {
                int q = varintEnd(buf, p, end);
                long len = varintAt(buf, p);
                if (len < 0 || len > end - q) {
                    throw new IllegalStateException("Corrupt frame: skip past end");
                }
                return q + (int) len;
            }
            case LIST: {
                int q = varintEnd(buf, p, end);
                long n = varintAt(buf, p);
                for (long i = 0; i < n; i++) {
                    q = valueEnd(buf, q, end);
                }
                return q;
            }
            default:
                throw new IllegalStateException("Corrupt frame: unknown value tag " + tag);
        }
    }

    /** Where the varint at {@code buf[p]} ends (checked against {@code end}). */
    private static int varintEnd(byte[] buf, int p, int end) {
        while (true) {
            if (p >= end) {
                throw new IllegalStateException("Corrupt frame: read past end");
            }
            if (buf[p++] >= 0) {
                return p;
            }
        }
    }

    /** The varint at {@code buf[p]}, whose end {@link #varintEnd} has checked. */
    private static long varintAt(byte[] buf, int p) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte b = buf[p++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
            shift += 7;
        }
    }

    private static int checkedEnd(int p, int end) {
        if (p > end) {
            throw new IllegalStateException("Corrupt frame: skip past end");
        }
        return p;
    }

    public static void skipValue(ByteSource in) {
        byte tag = in.read();
        switch (tag) {
            case NULL -> { }
            case LONG -> in.readVarLong();
            case FLOAT -> in.skip(4);
            case DOUBLE -> in.skip(8);
            case STRING, BYTES, JSON -> in.skip((int) in.readVarLong());
            case LIST -> {
                long n = in.readVarLong();
                for (long i = 0; i < n; i++) {
                    skipValue(in);
                }
            }
            default -> throw new IllegalStateException("Corrupt frame: unknown value tag " + tag);
        }
    }

    /** Encoded size of one tagged value, without encoding it (JSON values are estimated). */
    public static int sizeOf(Object v) {
        if (v == null) {
            return 1;
        }
        if (v instanceof Long l) {
            return 1 + varLongSize(zigzag(l));
        }
        if (v instanceof String s) {
            int n = utf8Length(s);
            return 1 + varLongSize(n) + n;
        }
        if (v instanceof Double) {
            return 9;
        }
        if (v instanceof Float) {
            return 5;
        }
        if (v instanceof List<?> list) {
            int n = 1 + varLongSize(list.size());
            for (int i = 0, m = list.size(); i < m; i++) {
                n += sizeOf(list.get(i));
            }
            return n;
        }
        if (v instanceof byte[] b) {
            return 1 + varLongSize(b.length) + b.length;
        }
        if (v instanceof Number) {
            return 9;
        }
        return 1 + 64;
    }

    /** Encoded size of a row of {@code columns} values. */
    /** {@link #sizeOf} of a non-NULL LONG. */
    public static int longSize(long v) {
        int bits = 64 - Long.numberOfLeadingZeros(zigzag(v)); // varLongSize without the loop
        return 1 + (bits <= 7 ? 1 : (bits + 6) / 7);
    }

    /** {@link #sizeOf} of a non-NULL string whose UTF-8 encoding has {@code utf8Length} bytes. */
    public static int stringSize(int utf8Length) {
        return 1 + varLongSize(utf8Length) + utf8Length;
    }

    public static int rowSize(Object[] row, int columns) {
        int n = 0;
        for (int i = 0; i < columns; i++) {
            n += sizeOf(i < row.length ? row[i] : null);
        }
        return n;
    }

    static int varLongSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    /** True when every char is below 0x80 (an OR over the chars: no branch per char). */
    static boolean isAscii(String s) {
        int or = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            or |= s.charAt(i);
        }
        return or < 0x80;
    }

    static int utf8Length(String s) {
        int n = s.length();
        if (isAscii(s)) {
            return n;
        }
        int len = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    len += 1;
                } else if (Character.isHighSurrogate(c)) {
                    len += 2;
                    i++;
                } else {
                    len += 2;
                }
            }
        }
        return len;
    }

    /** Appends a row's values (no length prefix: the reader knows the column count). */
    public static void writeRow(ByteSink out, Object[] row, int columns) {
        for (int i = 0; i < columns; i++) {
            writeValue(out, i < row.length ? row[i] : null);
        }
    }

    /**
     * As {@link #writeRow}, returning the row's {@link #rowSize} (its encoded length, except where {@link #sizeOf}
     * estimates: JSON values, and numbers other than Long and Double), so a caller that needs both encodes once.
     */
    public static int writeRowSized(ByteSink out, Object[] row, int columns) {
        int size = 0;
        for (int i = 0; i < columns; i++) {
            size += writeValueSized(out, i < row.length ? row[i] : null);
        }
        return size;
    }

    /** Appends one tagged value; returns its share of {@link #writeRowSized}'s size ({@link #sizeOf}, as counted). */
    public static int writeValueSized(ByteSink out, Object v) {
        int before = out.size();
        writeValue(out, v);
        if (v != null && !(v instanceof String) && !(v instanceof Long) && !(v instanceof Double)) {
            return sizeOf(v);
        }
        return out.size() - before;
    }

    public static Object[] readRow(ByteSource in, int columns) {
        Object[] row = new Object[columns];
        for (int i = 0; i < columns; i++) {
            row[i] = readValue(in);
        }
        return row;
    }

    /** As {@link #readRow(ByteSource, int)}, strings decoded through {@code cache} (column i's values as column i). */
    public static Object[] readRow(ByteSource in, int columns, StringCache cache) {
        Object[] row = new Object[columns];
        for (int i = 0; i < columns; i++) {
            row[i] = readValue(in, cache, i);
        }
        return row;
    }

    /** Encodes values to a standalone byte array (used for aggregator state). */
    public static byte[] encodeValues(Object... values) {
        ByteSink sink = new ByteSink(32);
        sink.writeVarLong(values.length);
        for (Object v : values) {
            writeValue(sink, v);
        }
        return sink.toByteArray();
    }

    public static Object[] decodeValues(byte[] bytes) {
        ByteSource src = new ByteSource(bytes, 0, bytes.length);
        int n = (int) src.readVarLong();
        return readRow(src, n);
    }

    public static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
