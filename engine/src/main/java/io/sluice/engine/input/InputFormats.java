package io.sluice.engine.input;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;

/**
 * Druid {@code inputFormat} objects ({@code json}, {@code csv}, {@code tsv}): validation, and opening a split as
 * rows aligned to a signature.
 */
public final class InputFormats {
    static final List<String> KNOWN_TYPES = List.of("csv", "json", "tsv");
    private static final String DEFAULT_LIST_DELIMITER = "\u0001";

    private InputFormats() {}

    /**
     * Checks an input format the way Druid's deserialisation does.
     *
     * @throws IllegalArgumentException with a Druid-like reason
     */
    public static void validate(ObjectNode inputFormat) {
        String type = typeOf(inputFormat);
        switch (type) {
            case "json" -> validateJson(inputFormat);
            case "csv", "tsv" -> delimitedOptions(inputFormat, type.equals("csv"));
            default -> throw new IllegalArgumentException("Could not resolve type id '" + type
                    + "' as a subtype of InputFormat known type ids = " + KNOWN_TYPES);
        }
    }

    /**
     * Opens a split for reading. Rows come back as {@code Object[]} aligned to {@code signature} with values of the
     * column's runtime type (see {@link io.sluice.engine.types.ColumnType}); values that do not convert are null.
     * Unparseable rows are skipped and reported to {@code listener}, which may throw to stop. Signature columns
     * {@code __file_uri} / {@code __file_path} are filled in when the source lists them in {@code systemFields}.
     *
     * @throws IllegalArgumentException if the format is invalid
     * @throws io.sluice.engine.fault.FaultException ({@code UnknownError}) if the split cannot be opened
     */
    public static CountingRowSource open(InputSplit split, ObjectNode inputFormat, RowSignature signature,
            ParseErrorListener listener) {
        return open(split, inputFormat, signature, listener, null);
    }

    /**
     * As {@link #open(InputSplit, ObjectNode, RowSignature, ParseErrorListener)}, reading only the columns in
     * {@code needed} (null: all): the others stay null. A JSON reader then skips their fields without making values
     * of them; delimited formats read every column.
     */
    public static CountingRowSource open(InputSplit split, ObjectNode inputFormat, RowSignature signature,
            ParseErrorListener listener, java.util.Set<String> needed) {
        requireNonNull(split, "split is null");
        requireNonNull(signature, "signature is null");
        requireNonNull(listener, "listener is null");
        validate(inputFormat);
        String type = typeOf(inputFormat);
        DelimitedRowSource.Options options =
                type.equals("json") ? null : delimitedOptions(inputFormat, type.equals("csv"));
        Streams.Opened opened = Streams.open(split);
        try {
            CountingRowSource source = options == null
                    ? new JsonRowSource(opened, split.description(), signature, listener, true, needed)
                    : new DelimitedRowSource(opened, split.description(), signature, options, listener);
            return SystemFields.apply(source, split, signature);
        } catch (RuntimeException e) {
            Rows.closeQuietly(opened);
            throw e;
        }
    }

    /**
     * Whether {@link #openEncoded} can read splits of this format for this signature: JSON, without
     * {@code systemFields} columns in the signature.
     */
    public static boolean encodable(ObjectNode inputFormat, RowSignature signature) {
        return "json".equals(typeOf(inputFormat)) && signature.indexOf(SystemFields.FILE_URI) < 0
                && signature.indexOf(SystemFields.FILE_PATH) < 0;
    }

    /**
     * Opens a split of an {@link #encodable} format in encoded mode: its rows are read into batches by
     * {@link PrefetchingRowSource#encoded}, each through {@code encoder}; otherwise as {@link #open}.
     */
    public static CountingRowSource openEncoded(InputSplit split, ObjectNode inputFormat, RowSignature signature,
            ParseErrorListener listener, java.util.Set<String> needed, ScanEncoder encoder) {
        requireNonNull(split, "split is null");
        requireNonNull(listener, "listener is null");
        requireNonNull(encoder, "encoder is null");
        if (!encodable(inputFormat, signature)) {
            throw new IllegalArgumentException("not an encodable input format: " + inputFormat);
        }
        Streams.Opened opened = Streams.open(split);
        try {
            return new JsonRowSource(opened, split.description(), signature, listener, true, needed, encoder);
        } catch (RuntimeException e) {
            Rows.closeQuietly(opened);
            throw e;
        }
    }

    private static String typeOf(ObjectNode format) {
        requireNonNull(format, "inputFormat is null");
        JsonNode t = format.get("type");
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException(
                    "Could not resolve subtype of InputFormat: missing type id property 'type'");
        }
        if (!t.isTextual()) {
            throw new IllegalArgumentException("Could not resolve type id '" + t
                    + "' as a subtype of InputFormat known type ids = " + KNOWN_TYPES);
        }
        return t.asText();
    }

    private static void validateJson(ObjectNode format) {
        JsonNode flatten = format.get("flattenSpec");
        if (flatten != null && !flatten.isNull()) {
            JsonNode fields = flatten.get("fields");
            if (fields != null && fields.isArray() && !fields.isEmpty()) {
                throw new IllegalArgumentException("flattenSpec fields are not supported; read the nested column"
                        + " as COMPLEX<json> and use JSON_VALUE instead");
            }
        }
    }

    private static DelimitedRowSource.Options delimitedOptions(ObjectNode format, boolean csv) {
        List<String> columns = new ArrayList<>();
        JsonNode cols = format.get("columns");
        if (cols != null && !cols.isNull()) {
            if (!cols.isArray()) {
                throw new IllegalArgumentException("columns must be an array of strings, got " + cols);
            }
            for (JsonNode c : cols) {
                columns.add(c.asText());
            }
        }
        boolean fromHeader = format.path("findColumnsFromHeader").asBoolean(false)
                || format.path("hasHeaderRow").asBoolean(false);
        if (columns.isEmpty() && !fromHeader) {
            throw new IllegalArgumentException("If columns field is not set, the first row of your data must have"
                    + " your header and findColumnsFromHeader must be set to true.");
        }
        if (!columns.isEmpty() && fromHeader) {
            throw new IllegalArgumentException("Cannot accept both findColumnsFromHeader and columns");
        }
        String delimiter = csv ? "," : textOr(format, "delimiter", "\t");
        if (delimiter.isEmpty()) {
            throw new IllegalArgumentException("delimiter cannot be empty");
        }
        String listDelimiter = textOr(format, "listDelimiter", DEFAULT_LIST_DELIMITER);
        if (listDelimiter.equals(delimiter)) {
            throw new IllegalArgumentException("Cannot have same delimiter and list delimiter of [" + delimiter + "]");
        }
        for (String c : columns) {
            if (c.contains(delimiter)) {
                throw new IllegalArgumentException("Column[" + c + "] cannot have the delimiter[" + delimiter
                        + "] in its name");
            }
        }
        int skip = format.path("skipHeaderRows").asInt(0);
        if (skip < 0) {
            throw new IllegalArgumentException("skipHeaderRows cannot be negative");
        }
        return new DelimitedRowSource.Options(csv, delimiter, listDelimiter, List.copyOf(columns), fromHeader, skip);
    }

    private static String textOr(ObjectNode format, String field, String dflt) {
        JsonNode v = format.get(field);
        return v == null || v.isNull() ? dflt : v.asText();
    }
}
