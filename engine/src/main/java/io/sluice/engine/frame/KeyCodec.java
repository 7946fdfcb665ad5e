package io.sluice.engine.frame;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.KeyOrder;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes the key columns of a row into bytes whose unsigned lexicographic order is the SQL order of the key.
 * Each column is a self-delimiting segment:
 *
 * <ul>
 *   <li>NULL: {@code 0x00}; non-NULL: {@code 0x01} followed by the value — so NULLs sort first;</li>
 *   <li>LONG: 8 bytes big-endian with the sign bit flipped; FLOAT/DOUBLE: the double's bits, all flipped when
 *       negative, else the sign bit flipped (so -0.0 &lt; 0.0 and NaN sorts last);</li>
 *   <li>STRING: UTF-8 with {@code 0x00} escaped as {@code 0x00 0xFF}, terminated by {@code 0x00 0x00}, so a prefix
 *       sorts before its extensions (order is UTF-8 byte order = code point order); arrays: each element as
 *       {@code 0x01} + nullable element segment, then {@code 0x00}; a multi-value row in a STRING column uses
 *       marker {@code 0x02} instead of {@code 0x01} and the array layout (sorting after single strings);</li>
 *   <li>DESCENDING: the whole segment's bytes inverted, which reverses its order and puts NULLs last.</li>
 * </ul>
 *
 * <p>Values are coerced to the column's declared type (a Double in a LONG column is truncated). Not thread-safe
 * (it reuses a buffer); use one per thread.
 */
public final class KeyCodec {
    private final int[] positions;
    private final ColumnType[] types;
    private final boolean[] descending;
    private final ByteSink sink = new ByteSink(64);

    public KeyCodec(RowSignature sig, List<KeyColumn> keyColumns) {
        requireNonNull(sig, "sig is null");
        int n = keyColumns.size();
        positions = new int[n];
        types = new ColumnType[n];
        descending = new boolean[n];
        for (int i = 0; i < n; i++) {
            KeyColumn kc = keyColumns.get(i);
            int pos = sig.indexOf(kc.columnName());
            if (pos < 0) {
                throw new IllegalArgumentException(
                        "Key column [" + kc.columnName() + "] not in signature " + sig.names());
            }
            positions[i] = pos;
            types[i] = sig.type(pos);
            descending[i] = kc.order() == KeyOrder.DESCENDING;
        }
    }

    public int keyColumnCount() {
        return positions.length;
    }

    /** The signature positions of the key's columns, in key order (a copy). */
    public int[] positions() {
        return positions.clone();
    }

    public byte[] encode(Object[] row) {
        sink.reset();
        for (int i = 0; i < positions.length; i++) {
            int start = sink.size();
            writeSegment(sink, row[positions[i]], types[i]);
            if (descending[i]) {
                byte[] b = sink.array();
                for (int j = start, end = sink.size(); j < end; j++) {
                    b[j] = (byte) ~b[j];
                }
            }
        }
        return sink.toByteArray();
    }

    /**
     * As {@link #encode(Object[])} for a row given undecoded, in {@link RowCodec} layout: value c of the row starts at
     * {@code buf[offsets[c]]}. LONG and STRING values are encoded from their bytes; others are decoded first.
     */
    public byte[] encode(byte[] buf, int[] offsets) {
        sink.reset();
        for (int i = 0; i < positions.length; i++) {
            int start = sink.size();
            int at = offsets[positions[i]];
            byte tag = buf[at];
            if (tag == RowCodec.NULL) {
                sink.write(0);
            } else if (tag == RowCodec.LONG && types[i] == ColumnType.LONG) {
                sink.write(1);
                sink.writeLong(RowCodec.longAt(buf, at) ^ Long.MIN_VALUE);
            } else if (tag == RowCodec.STRING && types[i] == ColumnType.STRING) {
                sink.write(1);
                long where = RowCodec.stringAt(buf, at);
                int from = (int) (where >>> 32);
                // a string's UTF-8 bytes, escaped: what writeString gives for the decoded string
                writeBytesEscaped(sink, buf, from, from + (int) where);
            } else {
                writeSegment(sink, RowCodec.valueAt(buf, at), types[i]);
            }
            if (descending[i]) {
                byte[] b = sink.array();
                for (int j = start, end = sink.size(); j < end; j++) {
                    b[j] = (byte) ~b[j];
                }
            }
        }
        return sink.toByteArray();
    }

    /** Unsigned lexicographic comparison (the key order). */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** Length of the encoding of the first {@code n} key columns of {@code key} (the bucket prefix). */
    public int prefixLength(byte[] key, int n) {
        int pos = 0;
        for (int i = 0; i < n; i++) {
            pos = skipSegment(key, pos, types[i], descending[i]);
        }
        return pos;
    }

    private static void writeSegment(ByteSink out, Object v, ColumnType type) {
        if (v == null) {
            out.write(0);
            return;
        }
        out.write(1);
        switch (type) {
            case LONG -> out.writeLong(toLong(v) ^ Long.MIN_VALUE);
            case FLOAT, DOUBLE -> out.writeLong(doubleKey(toDouble(v)));
            case STRING -> {
                if (v instanceof List<?> list) {
                    // multi-value string: marker 0x02 so it is told apart from a single string (sorts after them)
                    out.truncate(out.size() - 1);
                    out.write(2);
                    writeList(out, list, ColumnType.STRING);
                } else {
                    writeString(out, v.toString());
                }
            }
            case STRING_ARRAY -> writeList(out, asList(v), ColumnType.STRING);
            case LONG_ARRAY -> writeList(out, asList(v), ColumnType.LONG);
            case DOUBLE_ARRAY -> writeList(out, asList(v), ColumnType.DOUBLE);
            case COMPLEX_JSON -> writeBytesEscaped(out, JsonOrder.sortKey(v));
            case COMPLEX_STATE, COMPLEX_HLL, COMPLEX_THETA -> {
                if (v instanceof byte[] b) {
                    writeBytesEscaped(out, b);
                } else {
                    writeString(out, v.toString());
                }
            }
        }
    }

    private static List<?> asList(Object v) {
        return v instanceof List<?> l ? l : List.of(v);
    }

    private static void writeList(ByteSink out, List<?> list, ColumnType elementType) {
        for (int i = 0, n = list.size(); i < n; i++) {
            out.write(1);
            writeSegment(out, list.get(i), elementType);
        }
        out.write(0);
    }

    private static void writeString(ByteSink out, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                out.write(0);
                out.write(0xFF);
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] b = RowCodec.utf8(s.substring(i));
                writeBytesRaw(out, b);
                break;
            }
        }
        out.write(0);
        out.write(0);
    }

    private static void writeBytesRaw(ByteSink out, byte[] b) {
        for (byte x : b) {
            if (x == 0) {
                out.write(0);
                out.write(0xFF);
            } else {
                out.write(x);
            }
        }
    }

    private static void writeBytesEscaped(ByteSink out, byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte x = b[i];
            if (x == 0) {
                out.write(0);
                out.write(0xFF);
            } else {
                out.write(x);
            }
        }
        out.write(0);
        out.write(0);
    }

    private static void writeBytesEscaped(ByteSink out, byte[] b) {
        writeBytesEscaped(out, b, 0, b.length);
    }

    static long doubleKey(double d) {
        long bits = Double.doubleToLongBits(d);
        return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    }

    private static long toLong(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            return (long) Double.parseDouble(v.toString().trim());
        }
    }

    private static double toDouble(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return Double.parseDouble(v.toString().trim());
    }

    private static int skipSegment(byte[] k, int pos, ColumnType type, boolean desc) {
        int x = desc ? 0xFF : 0;
        int marker = (k[pos++] ^ x) & 0xFF;
        if (marker == 0) {
            return pos;
        }
        return switch (type) {
            case LONG, FLOAT, DOUBLE -> pos + 8;
            case STRING, COMPLEX_JSON, COMPLEX_STATE, COMPLEX_HLL, COMPLEX_THETA ->
                    marker == 2 ? skipList(k, pos, x, ColumnType.STRING) : skipString(k, pos, x);
            case STRING_ARRAY -> skipList(k, pos, x, ColumnType.STRING);
            case LONG_ARRAY -> skipList(k, pos, x, ColumnType.LONG);
            case DOUBLE_ARRAY -> skipList(k, pos, x, ColumnType.DOUBLE);
        };
    }

    private static int skipString(byte[] k, int pos, int x) {
        while (true) {
            int b = (k[pos++] ^ x) & 0xFF;
            if (b == 0) {
                int next = (k[pos++] ^ x) & 0xFF;
                if (next == 0) {
                    return pos;
                }
            }
        }
    }

    private static int skipList(byte[] k, int pos, int x, ColumnType elementType) {
        while (true) {
            int b = (k[pos++] ^ x) & 0xFF;
            if (b == 0) {
                return pos;
            }
            int marker = (k[pos++] ^ x) & 0xFF;
            if (marker != 0) {
                pos = switch (elementType) {
                    case LONG, DOUBLE -> pos + 8;
                    default -> skipString(k, pos, x);
                };
            }
        }
    }
}
