package io.sluice.engine.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.base.ParserBase;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Newline-delimited JSON objects (several objects on one line are accepted) streamed with Jackson, converted to
 * the signature's types as they are read; fields not in the signature are skipped without being materialised.
 */
final class JsonRowSource extends LineRowSource {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final String description;
    private final ColumnType[] types;
    private final Map<String, Integer> index;
    /** The names of the previous object's first fields, in order, and their columns (-1 = not a column). */
    private final String[] seenNames = new String[64];
    private final int[] seenColumns = new int[64];
    /** Repeated string values of a column as one instance (the parse thread's own). */
    private final TextCache textCache;
    private final ParseErrorListener listener;
    /** Reads clean blocks without Jackson; null when a column type needs Jackson's path. */
    private final JsonFastScanner fast;
    private final ArrayDeque<Object[]> pending = new ArrayDeque<>();
    /** In encoded mode, the stage's encoder; else null. */
    private final ScanEncoder encoder;
    private long records;
    /** Blocks read by the fast path (tests check that it was taken). */
    long fastBlocks;
    /** The reader of the line being parsed: the file's, or the one re-reading a block line by line. */
    private LineReader current;
    private LineReader fallback;

    JsonRowSource(Streams.Opened opened, String description, RowSignature signature, ParseErrorListener listener) {
        this(opened, description, signature, listener, true, null);
    }

    JsonRowSource(Streams.Opened opened, String description, RowSignature signature, ParseErrorListener listener,
            boolean fastPath) {
        this(opened, description, signature, listener, fastPath, null);
    }

    /**
     * @param fastPath whether blocks are first tried with {@link JsonFastScanner} (tests compare both ways)
     * @param needed the columns to read (null: all); the fields of the others are skipped, their values left null
     */
    JsonRowSource(Streams.Opened opened, String description, RowSignature signature, ParseErrorListener listener,
            boolean fastPath, java.util.Set<String> needed) {
        this(opened, description, signature, listener, fastPath, needed, null);
    }

    /** @param encoder in encoded mode (rows read with {@link #fill}), the stage's encoder; else null */
    JsonRowSource(Streams.Opened opened, String description, RowSignature signature, ParseErrorListener listener,
            boolean fastPath, java.util.Set<String> needed, ScanEncoder encoder) {
        super(opened);
        this.encoder = encoder;
        this.current = lines;
        this.description = description;
        this.listener = listener;
        this.types = new ColumnType[signature.size()];
        this.index = new HashMap<>(signature.size() * 2);
        this.textCache = new TextCache(signature.size());
        ColumnType[] read = new ColumnType[signature.size()];
        for (int i = 0; i < signature.size(); i++) {
            types[i] = signature.type(i);
            if (needed == null || needed.contains(signature.name(i))) {
                index.put(signature.name(i), i);
                read[i] = types[i];
            } else {
                read[i] = ColumnType.STRING; // never read: any type the scanner takes
            }
        }
        this.fast = fastPath && JsonFastScanner.supports(read)
                ? new JsonFastScanner(types, index, textCache, encoder == null ? null : encoder.byteColumns())
                : null;
    }

    @Override
    public Object[] next() {
        if (encoder != null) {
            throw new IllegalStateException("in encoded mode: read with fill");
        }
        return read(null);
    }

    /**
     * In encoded mode: appends rows to {@code out} through the encoder, whole blocks at a time, until it holds at
     * least {@code minRows} rows or the input ends, then lets the encoder finish the batch ({@link
     * ScanEncoder#endBatch}); false when the input ended (the rows appended before still count).
     */
    boolean fill(EncodedRows out, int minRows) {
        boolean more = true;
        while (out.count() < minRows) {
            Object[] row = read(out);
            if (row == null) {
                more = false;
                break;
            }
            if (row != ENCODED) {
                encoder.encodeRow(row, out);
            }
        }
        encoder.endBatch(out, !more);
        return more;
    }

    /** Whether the reader was opened in encoded mode (read with {@link #fill}). */
    boolean encodedMode() {
        return encoder != null;
    }

    /** What {@link #read} answers when the rows of a block went to the encoded batch. */
    private static final Object[] ENCODED = new Object[0];

    /**
     * The next row; or, in encoded mode ({@code out} not null), {@link #ENCODED} when a block was read into {@code out}
     * by the fast scanner instead. Null at the end of the input.
     */
    private Object[] read(EncodedRows out) {
        Object[] row = pending.poll();
        if (row != null) {
            rows++;
            return row;
        }
        try {
            while (true) {
                if (fallback != null) {
                    if (!fallback.next()) {
                        fallback = null;
                        current = lines;
                        continue;
                    }
                    if (fallback.isBlank()) {
                        continue;
                    }
                    records++;
                    Object[] first = parseLine();
                    if (first != null) {
                        rows++;
                        return first;
                    }
                    continue;
                }
                long before = lines.lineNumber();
                if (!lines.nextBlock()) {
                    return null;
                }
                if (out != null && fast != null && scanEncoded(out)) {
                    return ENCODED;
                }
                if (parseBlock(out == null)) {
                    row = pending.poll();
                    if (row != null) {
                        rows++;
                        return row;
                    }
                } else {
                    // Something in the block is not one well-formed object per line: read it line by line, so
                    // rows, errors and their line numbers are exactly those of the line reader.
                    fallback = new LineReader(new ByteArrayInputStream(
                            Arrays.copyOfRange(lines.buffer(), lines.start(), lines.start() + lines.length())),
                            before, false);
                    current = fallback;
                }
            }
        } catch (IOException e) {
            throw new FaultException(Faults.unknownError("Failed to read [" + description + "]: " + e), e);
        }
    }

    /**
     * Parses the current block of whole lines into {@code pending}: with the fast scanner when it takes the block,
     * else with one Jackson parser. False (and nothing queued) if the block has a parse error, a value that is not an
     * object, or an object spanning lines.
     */
    private boolean scanEncoded(EncodedRows out) {
        int mark = out.count();
        int objectsLines =
                fast.scanEncoded(lines.buffer(), lines.start(), lines.start() + lines.length(), encoder, out);
        if (objectsLines == JsonFastScanner.FAIL) {
            out.rollback(mark);
            return false;
        }
        records += objectsLines;
        rows += fast.objects;
        lines.blockNewlines(fast.newlines);
        fastBlocks++;
        return true;
    }

    /** @param tryFast whether the fast scanner is tried first (not when it just gave up on the block) */
    private boolean parseBlock(boolean tryFast) throws IOException {
        if (fast != null && tryFast) {
            int objectsLines = fast.scan(lines.buffer(), lines.start(), lines.start() + lines.length(), pending);
            if (objectsLines != JsonFastScanner.FAIL) {
                records += objectsLines;
                lines.blockNewlines(fast.newlines);
                fastBlocks++;
                return true;
            }
            pending.clear();
        }
        int objectsLines = 0;
        int lastLine = 0;
        try (JsonParser p = FACTORY.createParser(lines.buffer(), lines.start(), lines.length())) {
            ParserBase pb = (ParserBase) p;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.START_OBJECT) {
                    pending.clear();
                    return false;
                }
                int line = pb.getTokenLineNr();
                Object[] row = readObject(p);
                if (p.currentLocation().getLineNr() != line) {
                    pending.clear();
                    return false;
                }
                if (line != lastLine) {
                    objectsLines++;
                    lastLine = line;
                }
                pending.add(row);
            }
        } catch (JsonProcessingException | ParseFailure e) {
            pending.clear();
            return false;
        }
        records += objectsLines;
        return true;
    }

    /** Parses the current line; the first row is returned, further ones queued; null after a parse error. */
    private Object[] parseLine() throws IOException {
        Object[] first = null;
        try (JsonParser p = FACTORY.createParser(current.buffer(), current.start(), current.length())) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.START_OBJECT) {
                    throw new ParseFailure("expected a JSON object, found " + t);
                }
                Object[] row = readObject(p);
                if (first == null) {
                    first = row;
                } else {
                    pending.add(row);
                }
            }
        } catch (JsonProcessingException | ParseFailure e) {
            pending.clear();
            reportError();
            return null;
        }
        return first;
    }

    private void reportError() {
        String raw = Rows.rawLine(current);
        listener.onParseError(new ParseError(description, current.lineNumber(), records,
                Rows.message(raw, description, records, current.lineNumber())));
    }

    private Object[] readObject(JsonParser p) throws IOException {
        Object[] row = new Object[types.length];
        int k = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            int idx = columnOf(p.currentName(), k++);
            JsonToken v = p.nextToken();
            if (idx < 0) {
                p.skipChildren();
            } else if (v == JsonToken.VALUE_STRING && types[idx] == ColumnType.STRING && textCache.active(idx)) {
                row[idx] = textCache.text(idx, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            } else {
                row[idx] = convert(p, v, types[idx]);
            }
        }
        return row;
    }

    /**
     * The column of the {@code k}-th field of an object, or -1. Records usually list their fields in the same order,
     * and the parser hands out the same (canonical) name instance for the same name, so the column found for the
     * k-th field of the previous object is tried first with an identity check; anything else takes the map.
     */
    private int columnOf(String name, int k) {
        if (k < seenNames.length) {
            if (seenNames[k] == name) {
                return seenColumns[k];
            }
            Integer idx = index.get(name);
            seenNames[k] = name;
            seenColumns[k] = idx == null ? -1 : idx;
            return seenColumns[k];
        }
        Integer idx = index.get(name);
        return idx == null ? -1 : idx;
    }

    private static Object convert(JsonParser p, JsonToken t, ColumnType type) throws IOException {
        switch (type) {
            case STRING:
                return toStringValue(p, t);
            case LONG:
                return toLong(p, t);
            case FLOAT: {
                Double d = toDouble(p, t);
                return d == null ? null : d.floatValue();
            }
            case DOUBLE:
                return toDouble(p, t);
            case STRING_ARRAY:
            case LONG_ARRAY:
            case DOUBLE_ARRAY:
                return toArray(p, t, type);
            case COMPLEX_JSON:
                return plain(p, t);
            default:
                p.skipChildren();
                return null;
        }
    }

    private static String scalarText(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING, VALUE_NUMBER_INT -> p.getText();
            case VALUE_NUMBER_FLOAT -> Double.toString(p.getDoubleValue());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> null;
            default -> throw new ParseFailure("cannot convert " + t + " to a string");
        };
    }

    private static Object toStringValue(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = FACTORY.createGenerator(w)) {
                g.copyCurrentStructure(p);
            }
            return w.toString();
        }
        if (t != JsonToken.START_ARRAY) {
            return scalarText(p, t);
        }
        // A multi-value string: [] is null and a single value is stored as that value, as Druid does.
        JsonToken e = p.nextToken();
        if (e == JsonToken.END_ARRAY) {
            return null;
        }
        String firstValue = scalarText(p, e);
        e = p.nextToken();
        if (e == JsonToken.END_ARRAY) {
            return firstValue;
        }
        List<String> values = new ArrayList<>(4);
        values.add(firstValue);
        for (; e != JsonToken.END_ARRAY; e = p.nextToken()) {
            values.add(scalarText(p, e));
        }
        return Collections.unmodifiableList(values);
    }

    private static Long toLong(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? null : p.getLongValue();
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                return Double.isFinite(d) && d < 0x1p63 && d >= -0x1p63 ? (long) d : null;
            }
            case VALUE_STRING:
                return Values.parseLong(p.getText());
            case START_ARRAY:
            case START_OBJECT:
                p.skipChildren();
                return null;
            default:
                return null;
        }
    }

    private static Double toDouble(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_STRING:
                return Values.parseDouble(p.getText());
            case START_ARRAY:
            case START_OBJECT:
                p.skipChildren();
                return null;
            default:
                return null;
        }
    }

    private static Object element(JsonParser p, JsonToken t, ColumnType arrayType) throws IOException {
        if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
            throw new ParseFailure("nested " + t + " in an array column");
        }
        return switch (arrayType) {
            // Druid reads JSON booleans inside numeric arrays as 1 / 0.
            case LONG_ARRAY -> t == JsonToken.VALUE_TRUE ? Long.valueOf(1L)
                    : t == JsonToken.VALUE_FALSE ? Long.valueOf(0L) : toLong(p, t);
            case DOUBLE_ARRAY -> t == JsonToken.VALUE_TRUE ? Double.valueOf(1.0)
                    : t == JsonToken.VALUE_FALSE ? Double.valueOf(0.0) : toDouble(p, t);
            default -> scalarText(p, t);
        };
    }

    private static List<Object> toArray(JsonParser p, JsonToken t, ColumnType type) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.START_OBJECT) {
            throw new ParseFailure("an object cannot be read as " + type.druidName());
        }
        if (t != JsonToken.START_ARRAY) {
            return Collections.singletonList(element(p, t, type));
        }
        Object[] buf = new Object[8];
        int n = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, n * 2);
            }
            buf[n++] = element(p, e, type);
        }
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(buf, n)));
    }

    /** The value as plain Java: Map, List, String, Long, Double, BigInteger, Boolean or null. */
    private static Object plain(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    m.put(name, plain(p, p.nextToken()));
                }
                return Collections.unmodifiableMap(m);
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(plain(p, e));
                }
                return Collections.unmodifiableList(l);
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                        : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }
}
