package io.sluice.engine.input;

import io.sluice.engine.types.ColumnType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;

/**
 * The fast path of {@link JsonRowSource}: reads a block of JSON lines straight from the bytes into rows, for the
 * shape such data nearly always has — objects on single lines, the signature's columns holding scalars, field names
 * without escapes, well-formed UTF-8. It accepts only input that Jackson would read without complaint, and reads
 * it to the same values Jackson's path gives (the same text, the same numbers, the same coercions): anything else —
 * a syntax error, a leading zero, a nested value in a column, an escape in a field name, an invalid escape or UTF-8
 * sequence, an object spanning lines, a number of more than 18 digits — makes {@link #scan} answer {@link #FAIL}, and
 * the caller reads the block with Jackson, which decides as before. So rows, parse errors and their line numbers
 * never depend on which path read a block.
 *
 * <p>Why it exists: on wide JSON lines Jackson's tokenizer, its field-name symbol table and the {@code char[]}
 * round-trip of every string were ~75% of the parse thread (JFR, W1 of the benchmark); this reads each byte once,
 * matches a field name by comparing it with the name at the same position of the previous object, and looks a
 * repeated string value up in the {@link TextCache} by its bytes, decoding only a new one. One per parse thread.
 */
final class JsonFastScanner {
    /** What {@link #scan} answers when the block must be read by Jackson. */
    static final int FAIL = -1;
    /** Deeper nesting (in skipped fields) goes to Jackson, which enforces its own limit. */
    private static final int MAX_DEPTH = 64;
    /** Longer strings go to Jackson, which enforces its own maximum string length. */
    private static final int MAX_STRING_BYTES = 1 << 22;
    private static final int MAX_NUMBER_CHARS = 64;
    private static final int MAX_DIGITS = 18;
    /** A column lookup that failed: the field name is not valid UTF-8. */
    private static final int BAD_NAME = -2;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    /** Added to a byte's low seven bits, sets its high bit exactly when they are at least 0x20. */
    private static final long BELOW_SPACE = 0x6060606060606060L;

    private final ColumnType[] types;
    private final Map<String, Integer> index;
    private final TextCache textCache;
    /** The previous object's field names by position (UTF-8, as in the input) and their columns (-1: not one). */
    private final byte[][] seenNames = new byte[64][];
    private final int[] seenColumns = new int[64];
    /** The same names with their closing quote as little-endian words, and the masks of their bytes. */
    private final long[][] nameWords = new long[64][];
    private final long[][] nameMasks = new long[64][];
    /** The {@code \n} bytes in the block of the last successful {@link #scan} (a newline inside an object fails it). */
    int newlines;
    /** Set by {@link #stringEnd}: whether the string holds an escape, and whether it is all ASCII. */
    private boolean escaped;
    private boolean ascii;
    /** Set by {@link #stringEnd} when the string is not {@link #ascii}: the position of its first byte from 0x80. */
    private int firstHigh;
    /** Set by the readers of a number: its value when it is an integer, and whether it was one. */
    private long integer;
    private boolean isInteger;
    /** In encoded mode ({@link #scanEncoded}): the columns whose strings and integers stay bytes; else null. */
    private final boolean[] byteColumns;
    /** In encoded mode: the row being read, reused. */
    private final ScannedRow scanned;
    /** The objects read by the last successful {@link #scanEncoded}. */
    int objects;

    JsonFastScanner(ColumnType[] types, Map<String, Integer> index, TextCache textCache) {
        this(types, index, textCache, null);
    }

    /** @param byteColumns for {@link #scanEncoded}: see {@link ScanEncoder#byteColumns()} (null: rows as values) */
    JsonFastScanner(ColumnType[] types, Map<String, Integer> index, TextCache textCache, boolean[] byteColumns) {
        this.types = types;
        this.index = index;
        this.textCache = textCache;
        this.byteColumns = byteColumns == null ? null : byteColumns.clone();
        this.scanned = byteColumns == null ? null : new ScannedRow(types.length);
    }

    /** Whether rows of these column types can be read by the scanner (scalar columns only). */
    static boolean supports(ColumnType[] types) {
        for (ColumnType t : types) {
            if (t != ColumnType.STRING && t != ColumnType.LONG && t != ColumnType.DOUBLE && t != ColumnType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the objects of {@code b[from, to)} (whole lines) into {@code out}, one row each, and answers how many
     * lines hold an object; or {@link #FAIL}, in which case {@code out} may hold some of the block's rows (the caller
     * drops them).
     */
    int scan(byte[] b, int from, int to, ArrayDeque<Object[]> out) {
        return scan(b, from, to, out, null, null);
    }

    /**
     * As {@link #scan}, in encoded mode: each object read is handed to {@code encoder}, which appends it to
     * {@code out}; {@link #FAIL} also when the encoder declines a row (the caller then rolls {@code out} back).
     */
    int scanEncoded(byte[] b, int from, int to, ScanEncoder encoder, EncodedRows out) {
        if (scanned == null) {
            throw new IllegalStateException("not in encoded mode");
        }
        return scan(b, from, to, null, encoder, out);
    }

    private int scan(byte[] b, int from, int to, ArrayDeque<Object[]> out, ScanEncoder encoder, EncodedRows encoded) {
        newlines = 0;
        int read = 0;
        int p = from;
        int lines = 0;
        boolean objectOnLine = false;
        while (true) {
            while (p < to) {
                byte c = b[p];
                if (c == ' ' || c == '\t') {
                    p++;
                } else if (c == '\n') {
                    newlines++;
                    if (objectOnLine) {
                        lines++;
                        objectOnLine = false;
                    }
                    p++;
                } else if (c == '\r' && p + 1 < to && b[p + 1] == '\n') {
                    p++;
                } else {
                    break;
                }
            }
            if (p >= to) {
                break;
            }
            if (b[p] != '{') {
                return FAIL;
            }
            if (encoder == null) {
                Object[] row = new Object[types.length];
                p = readObject(b, p + 1, to, row);
                if (p < 0) {
                    return FAIL;
                }
                out.add(row);
            } else {
                scanned.reset(b);
                p = readObject(b, p + 1, to, scanned.values());
                if (p < 0 || !encoder.encodeScanned(scanned, encoded)) {
                    return FAIL;
                }
            }
            read++;
            objectOnLine = true;
        }
        objects = read;
        return objectOnLine ? lines + 1 : lines;
    }

    /** The position after the object whose '{' precedes {@code p}, its fields read into {@code row}; or FAIL. */
    private int readObject(byte[] b, int p, int to, Object[] row) {
        p = skipSpace(b, p, to);
        if (p < 0) {
            return FAIL;
        }
        if (b[p] == '}') {
            return p + 1;
        }
        int k = 0;
        while (true) {
            if (b[p] != '"') {
                return FAIL;
            }
            int start = p + 1;
            int q;
            int column;
            if (k < seenNames.length && seenNames[k] != null && sameName(k, b, start, to)) {
                // the name of the previous object's k-th field (checked when it was first read), and its quote
                q = start + seenNames[k].length;
                column = seenColumns[k];
            } else {
                q = stringEnd(b, start, to);
                if (q < 0 || escaped) {
                    return FAIL;
                }
                column = column(b, start, q, k);
                if (column == BAD_NAME) {
                    return FAIL;
                }
            }
            k++;
            p = q + 1;
            if (p >= to || b[p] != ':') {
                p = skipSpace(b, p, to);
                if (p < 0 || b[p] != ':') {
                    return FAIL;
                }
            }
            p++;
            if (p >= to || b[p] == ' ' || b[p] == '\t') {
                p = skipSpace(b, p, to);
                if (p < 0) {
                    return FAIL;
                }
            }
            p = column < 0 ? skipValue(b, p, to, 0) : readValue(b, p, to, row, column);
            if (p < 0 || p >= to) {
                return FAIL;
            }
            byte c = b[p];
            if (c == ' ' || c == '\t') {
                p = skipSpace(b, p, to);
                if (p < 0) {
                    return FAIL;
                }
                c = b[p];
            }
            if (c == '}') {
                return p + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            p++;
            if (p >= to || b[p] != '"') {
                p = skipSpace(b, p, to);
                if (p < 0) {
                    return FAIL;
                }
            }
        }
    }

    /**
     * Whether {@code b} holds, from {@code start}, the previous object's {@code k}-th field name and its closing
     * quote: compared eight bytes a step against the name's words, masked to its length.
     */
    private boolean sameName(int k, byte[] b, int start, int to) {
        long[] words = nameWords[k];
        int length = seenNames[k].length + 1;
        if (start + length > to) {
            return false;
        }
        if (start + (words.length << 3) > b.length) {
            return sameBytes(seenNames[k], b, start) && b[start + length - 1] == '"';
        }
        long[] masks = nameMasks[k];
        for (int i = 0; i < words.length; i++) {
            if ((((long) LONGS.get(b, start + (i << 3))) & masks[i]) != words[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameBytes(byte[] name, byte[] b, int start) {
        for (int i = 0; i < name.length; i++) {
            if (name[i] != b[start + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The column of the {@code k}-th field, named by {@code b[start, end)}, from the map; remembered as the name
     * expected at position {@code k} of the next object (records usually list their fields in the same order).
     */
    private int column(byte[] b, int start, int end, int k) {
        String name = decode(b, start, end);
        if (name == null) {
            return BAD_NAME;
        }
        Integer idx = index.get(name);
        int column = idx == null ? -1 : idx;
        if (k < seenNames.length) {
            seenNames[k] = Arrays.copyOfRange(b, start, end);
            seenColumns[k] = column;
            int length = end - start + 1; // with the closing quote
            long[] words = new long[(length + 7) >>> 3];
            long[] masks = new long[words.length];
            for (int i = 0; i < length; i++) {
                words[i >>> 3] |= (b[start + i] & 0xFFL) << ((i & 7) << 3);
                masks[i >>> 3] |= 0xFFL << ((i & 7) << 3);
            }
            nameWords[k] = words;
            nameMasks[k] = masks;
        }
        return column;
    }

    /** Reads the value at {@code p} into {@code row[column]} as its column's type; the position after it, or FAIL. */
    private int readValue(byte[] b, int p, int to, Object[] row, int column) {
        if (byteColumns != null && byteColumns[column]) {
            return readBytesValue(b, p, to, row, column);
        }
        return readValueAs(b, p, to, row, column);
    }

    /** As {@link #readValue}, the value always read as a value of the column's type. */
    private int readValueAs(byte[] b, int p, int to, Object[] row, int column) {
        ColumnType type = types[column];
        byte c = b[p];
        if (c == '"') {
            int start = p + 1;
            int q = stringEnd(b, start, to);
            if (q < 0) {
                return FAIL;
            }
            if (q - start > MAX_STRING_BYTES) {
                return FAIL;
            }
            String text;
            if (escaped) {
                text = unescape(b, start, q);
            } else if (type == ColumnType.STRING && textCache.active(column)) {
                text = textCache.text(column, b, start, q - start, ascii);
            } else {
                text = ascii ? new String(b, start, q - start, StandardCharsets.ISO_8859_1) : decode(b, start, q);
            }
            if (text == null) {
                return FAIL;
            }
            row[column] = switch (type) {
                case STRING -> text;
                case LONG -> Values.parseLong(text);
                case DOUBLE -> Values.parseDouble(text);
                case FLOAT -> {
                    Double d = Values.parseDouble(text);
                    yield d == null ? null : d.floatValue();
                }
                default -> throw new IllegalStateException("unsupported " + type);
            };
            return q + 1;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            int end = readNumber(b, p, to);
            if (end < 0) {
                return FAIL;
            }
            if (isInteger) {
                long v = integer;
                row[column] = switch (type) {
                    case STRING -> new String(b, p, end - p, StandardCharsets.ISO_8859_1);
                    case LONG -> v;
                    case DOUBLE -> (double) v;
                    case FLOAT -> (float) (double) v;
                    default -> throw new IllegalStateException("unsupported " + type);
                };
            } else {
                double d = Double.parseDouble(new String(b, p, end - p, StandardCharsets.ISO_8859_1));
                row[column] = switch (type) {
                    case STRING -> Double.toString(d);
                    case LONG -> Double.isFinite(d) && d < 0x1p63 && d >= -0x1p63 ? (Object) (long) d : null;
                    case DOUBLE -> d;
                    case FLOAT -> (float) d;
                    default -> throw new IllegalStateException("unsupported " + type);
                };
            }
            return end;
        }
        int end = readLiteral(b, p, to);
        if (end < 0) {
            return FAIL;
        }
        if (c == 'n') {
            row[column] = null;
        } else {
            row[column] = type == ColumnType.STRING ? (c == 't' ? "true" : "false") : null;
        }
        return end;
    }

    /**
     * In a byte column: a STRING column's plain string is left in the block (when it would decode without a
     * replacement character), a LONG column's integer kept as a {@code long}; any other value is read as
     * {@link #readValue} reads it. The position after the value, or FAIL.
     */
    private int readBytesValue(byte[] b, int p, int to, Object[] row, int column) {
        ColumnType type = types[column];
        byte c = b[p];
        if (c == '"' && type == ColumnType.STRING) {
            int start = p + 1;
            int q = stringEnd(b, start, to);
            if (q < 0 || q - start > MAX_STRING_BYTES) {
                return FAIL;
            }
            if (!escaped) {
                if (!ascii && !decodable(b, firstHigh, q)) { // the bytes before firstHigh are ASCII
                    return FAIL;
                }
                scanned.bytes(column, start, q - start);
                return q + 1;
            }
        } else if (type == ColumnType.LONG && (c == '-' || (c >= '0' && c <= '9'))) {
            int end = readNumber(b, p, to);
            if (end >= 0 && isInteger) {
                scanned.integer(column, integer);
                return end;
            }
        }
        scanned.value(column, null);
        return readValueAs(b, p, to, row, column);
    }

    /** Skips the value at {@code p} (validating it as Jackson would); the position after it, or FAIL. */
    private int skipValue(byte[] b, int p, int to, int depth) {
        byte c = b[p];
        if (c == '"') {
            return skipString(b, p + 1, to);
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return readNumber(b, p, to);
        }
        if (c == '{' || c == '[') {
            if (depth >= MAX_DEPTH) {
                return FAIL;
            }
            byte close = c == '{' ? (byte) '}' : (byte) ']';
            p = skipSpace(b, p + 1, to);
            if (p < 0) {
                return FAIL;
            }
            if (b[p] == close) {
                return p + 1;
            }
            while (true) {
                if (c == '{') {
                    if (b[p] != '"') {
                        return FAIL;
                    }
                    p = skipSpace(b, skipString(b, p + 1, to), to);
                    if (p < 0 || b[p] != ':') {
                        return FAIL;
                    }
                    p = skipSpace(b, p + 1, to);
                    if (p < 0) {
                        return FAIL;
                    }
                }
                p = skipSpace(b, skipValue(b, p, to, depth + 1), to);
                if (p < 0) {
                    return FAIL;
                }
                if (b[p] == close) {
                    return p + 1;
                }
                if (b[p] != ',') {
                    return FAIL;
                }
                p = skipSpace(b, p + 1, to);
                if (p < 0) {
                    return FAIL;
                }
            }
        }
        return readLiteral(b, p, to);
    }

    /** Skips a string whose opening quote precedes {@code p}, checking it; the position after it, or FAIL. */
    private int skipString(byte[] b, int p, int to) {
        if (p < 0) {
            return FAIL;
        }
        int end = stringEnd(b, p, to);
        if (end < 0 || end - p > MAX_STRING_BYTES
                || (escaped ? unescape(b, p, end) == null : !ascii && !wellFormedUtf8(b, firstHigh, end))) {
            return FAIL;
        }
        return end + 1;
    }

    /**
     * The position of the quote that ends the string whose content starts at {@code p}, or FAIL (a raw control
     * character, or no end before {@code to}); sets {@link #escaped} and {@link #ascii}. Eight bytes a step until the
     * first byte that needs a look: a quote, a backslash, a control character, or (until one is seen) a non-ASCII byte.
     */
    private int stringEnd(byte[] b, int p, int to) {
        boolean sawEscape = false;
        boolean sawNonAscii = false;
        long high = HIGH;
        while (true) {
            while (p + 8 <= to) {
                long w = (long) LONGS.get(b, p);
                long q = w ^ QUOTES;
                long e = w ^ BACKSLASHES;
                long stops = ~(((q & LOW7) + LOW7) | q | LOW7) // quote bytes
                        | ~(((e & LOW7) + LOW7) | e | LOW7) // backslash bytes
                        | ~(((w & LOW7) + BELOW_SPACE) | w | LOW7) // bytes below 0x20
                        | (w & high); // bytes from 0x80, until one is seen
                if (stops != 0) {
                    p += Long.numberOfTrailingZeros(stops) >>> 3;
                    break;
                }
                p += 8;
            }
            if (p >= to) {
                return FAIL;
            }
            byte x = b[p];
            if (x == '"') {
                escaped = sawEscape;
                ascii = !sawNonAscii;
                return p;
            }
            if (x == '\\') {
                sawEscape = true;
                p += 2;
                continue;
            }
            if (x >= 0 && x < 0x20) {
                return FAIL;
            }
            if (x < 0 && !sawNonAscii) {
                sawNonAscii = true;
                firstHigh = p;
                high = 0;
            }
            p++;
        }
    }

    /**
     * Reads the number at {@code p} (JSON's grammar: no leading zeros, no '+', digits after '.' and 'e'), which must be
     * followed by a space, ',', '}' or ']'; sets {@link #integer} and {@link #isInteger}. The position after it, or
     * FAIL (also for more than 18 integer digits: Jackson reads those exactly).
     */
    private int readNumber(byte[] b, int p, int to) {
        int start = p;
        boolean negative = false;
        if (b[p] == '-') {
            negative = true;
            p++;
        }
        if (p >= to || b[p] < '0' || b[p] > '9') {
            return FAIL;
        }
        long v = 0;
        if (b[p] == '0') {
            p++;
            if (p < to && b[p] >= '0' && b[p] <= '9') {
                return FAIL;
            }
        } else {
            int digitsStart = p;
            while (p < to && b[p] >= '0' && b[p] <= '9') {
                v = v * 10 + (b[p] - '0');
                p++;
            }
            if (p - digitsStart > MAX_DIGITS) {
                return FAIL;
            }
        }
        boolean fraction = false;
        if (p < to && b[p] == '.') {
            fraction = true;
            p = digits(b, p + 1, to);
            if (p < 0) {
                return FAIL;
            }
        }
        if (p < to && (b[p] == 'e' || b[p] == 'E')) {
            fraction = true;
            p++;
            if (p < to && (b[p] == '+' || b[p] == '-')) {
                p++;
            }
            p = digits(b, p, to);
            if (p < 0) {
                return FAIL;
            }
        }
        if (p >= to || p - start > MAX_NUMBER_CHARS || !endsValue(b[p])) {
            return FAIL;
        }
        isInteger = !fraction;
        integer = negative ? -v : v;
        return p;
    }

    /** The position after one or more digits at {@code p}, or FAIL when there is none. */
    private static int digits(byte[] b, int p, int to) {
        int start = p;
        while (p < to && b[p] >= '0' && b[p] <= '9') {
            p++;
        }
        return p == start ? FAIL : p;
    }

    /** Reads {@code true}, {@code false} or {@code null} at {@code p}; the position after it, or FAIL. */
    private static int readLiteral(byte[] b, int p, int to) {
        byte c = b[p];
        int n;
        if (c == 't') {
            n = matches(b, p, to, 't', 'r', 'u', 'e') ? 4 : 0;
        } else if (c == 'n') {
            n = matches(b, p, to, 'n', 'u', 'l', 'l') ? 4 : 0;
        } else if (c == 'f') {
            n = matches(b, p, to, 'f', 'a', 'l', 's') && p + 4 < to && b[p + 4] == 'e' ? 5 : 0;
        } else {
            n = 0;
        }
        if (n == 0 || p + n >= to || !endsValue(b[p + n])) {
            return FAIL;
        }
        return p + n;
    }

    private static boolean matches(byte[] b, int p, int to, char c0, char c1, char c2, char c3) {
        return p + 3 < to && b[p] == c0 && b[p + 1] == c1 && b[p + 2] == c2 && b[p + 3] == c3;
    }

    /** Whether a scalar value may be followed by this byte inside an object or an array. */
    private static boolean endsValue(byte c) {
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t';
    }

    /** The position of the first byte at or after {@code p} that is not a space or a tab; FAIL at a line end. */
    private static int skipSpace(byte[] b, int p, int to) {
        if (p < 0) {
            return FAIL;
        }
        while (p < to) {
            byte c = b[p];
            if (c != ' ' && c != '\t') {
                return c == '\n' || c == '\r' ? FAIL : p;
            }
            p++;
        }
        return FAIL;
    }

    /**
     * Whether {@code b[start, end)} is well-formed UTF-8, as strictly as the JDK's decoder takes it (no overlong forms,
     * no surrogates, nothing past U+10FFFF): checked without decoding, for values that are skipped.
     */
    static boolean wellFormedUtf8(byte[] b, int start, int end) {
        return wellFormedUtf8(b, start, end, false);
    }

    /** Whether {@link #decode} takes {@code b[start, end)}: well-formed UTF-8 without U+FFFD. */
    static boolean decodable(byte[] b, int start, int end) {
        return wellFormedUtf8(b, start, end, true);
    }

    private static boolean wellFormedUtf8(byte[] b, int start, int end, boolean refuseReplacement) {
        int i = start;
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                while (i + 8 <= end && ((long) LONGS.get(b, i) & HIGH) == 0) {
                    i += 8; // eight ASCII bytes
                }
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false; // a continuation byte, or the lead of an overlong two-byte form
            }
            if (c < 0xE0) {
                if (i + 1 >= end || (b[i + 1] & 0xC0) != 0x80) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80
                        || (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)
                        || (refuseReplacement && c == 0xEF && c1 == 0xBF && b[i + 2] == (byte) 0xBD)) {
                    return false;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80 || (b[i + 3] & 0xC0) != 0x80
                        || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    /** {@code b[start, end)} decoded as UTF-8, or null when it is not well-formed (or holds U+FFFD: Jackson decides). */
    static String decode(byte[] b, int start, int end) {
        String s = new String(b, start, end - start, StandardCharsets.UTF_8);
        return s.indexOf('\uFFFD') >= 0 ? null : s;
    }

    /**
     * The text of a string's content {@code b[start, end)} with its escapes resolved, or null for an escape JSON does
     * not have (or not well-formed UTF-8). Every backslash in the content is followed by at least one byte before
     * {@code end} (the scan skipped the byte after each).
     */
    static String unescape(byte[] b, int start, int end) {
        StringBuilder sb = new StringBuilder(end - start);
        int i = start;
        while (i < end) {
            byte x = b[i];
            if (x == '\\') {
                byte y = b[i + 1];
                char c;
                switch (y) {
                    case '"' -> c = '"';
                    case '\\' -> c = '\\';
                    case '/' -> c = '/';
                    case 'b' -> c = '\b';
                    case 'f' -> c = '\f';
                    case 'n' -> c = '\n';
                    case 'r' -> c = '\r';
                    case 't' -> c = '\t';
                    case 'u' -> {
                        if (i + 6 > end) {
                            return null;
                        }
                        int v = 0;
                        for (int j = i + 2; j < i + 6; j++) {
                            int d = Character.digit(b[j], 16);
                            if (d < 0 || b[j] < 0) {
                                return null;
                            }
                            v = v << 4 | d;
                        }
                        sb.append((char) v);
                        i += 6;
                        continue;
                    }
                    default -> {
                        return null;
                    }
                }
                sb.append(c);
                i += 2;
            } else if (x >= 0) {
                sb.append((char) x);
                i++;
            } else {
                int run = i;
                while (i < end && b[i] < 0) {
                    i++;
                }
                String s = decode(b, run, i);
                if (s == null) {
                    return null;
                }
                sb.append(s);
            }
        }
        return sb.toString();
    }
}
