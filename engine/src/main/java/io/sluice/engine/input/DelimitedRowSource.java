package io.sluice.engine.input;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV and TSV, line by line as Druid reads them (a quoted value cannot span lines). CSV honours double quotes
 * ({@code ""} inside quotes is a quote); TSV splits on the delimiter only. Missing trailing fields are null, extra
 * fields are ignored; an empty field is {@code ""} for a string column and null for other types.
 */
final class DelimitedRowSource extends LineRowSource {
    /** Parsing options taken from the inputFormat JSON. */
    record Options(boolean quoted, String delimiter, String listDelimiter, List<String> columns,
            boolean findColumnsFromHeader, int skipHeaderRows) {}

    private final String description;
    private final RowSignature signature;
    private final ColumnType[] types;
    private final Options options;
    private final ParseErrorListener listener;
    private final List<String> fields = new ArrayList<>();
    private final StringBuilder quotedValue = new StringBuilder();
    private int[] fieldOfColumn;
    private int toSkip;
    private long records;

    DelimitedRowSource(Streams.Opened opened, String description, RowSignature signature, Options options,
            ParseErrorListener listener) {
        super(opened);
        this.description = description;
        this.signature = signature;
        this.options = options;
        this.listener = listener;
        this.toSkip = options.skipHeaderRows();
        this.types = new ColumnType[signature.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = signature.type(i);
        }
        if (!options.findColumnsFromHeader()) {
            fieldOfColumn = mapColumns(options.columns());
        }
    }

    private int[] mapColumns(List<String> columns) {
        int[] map = new int[signature.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = columns.indexOf(signature.name(i));
        }
        return map;
    }

    @Override
    public Object[] next() {
        try {
            while (lines.next()) {
                if (toSkip > 0) {
                    toSkip--;
                    continue;
                }
                if (lines.length() == 0) {
                    continue;
                }
                String line = new String(lines.buffer(), lines.start(), lines.length(), StandardCharsets.UTF_8);
                boolean ok = tokenize(line);
                if (fieldOfColumn == null) {
                    fieldOfColumn = mapColumns(List.copyOf(fields));
                    continue;
                }
                records++;
                if (!ok) {
                    listener.onParseError(new ParseError(description, lines.lineNumber(), records,
                            Rows.message(Rows.truncate(line), description, records, lines.lineNumber())));
                    continue;
                }
                Object[] row = new Object[types.length];
                for (int i = 0; i < types.length; i++) {
                    int f = fieldOfColumn[i];
                    if (f >= 0 && f < fields.size()) {
                        row[i] = Values.fromText(fields.get(f), types[i], options.listDelimiter());
                    }
                }
                rows++;
                return row;
            }
            return null;
        } catch (IOException e) {
            throw new FaultException(Faults.unknownError("Failed to read [" + description + "]: " + e), e);
        }
    }

    /** Splits the line into {@link #fields}; false if a quoted value is not terminated. */
    private boolean tokenize(String line) {
        fields.clear();
        String delim = options.delimiter();
        int n = line.length();
        int i = 0;
        while (true) {
            if (options.quoted() && i < n && line.charAt(i) == '"') {
                quotedValue.setLength(0);
                i++;
                while (true) {
                    if (i >= n) {
                        fields.add(quotedValue.toString());
                        return false;
                    }
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            quotedValue.append('"');
                            i += 2;
                        } else {
                            i++;
                            break;
                        }
                    } else {
                        quotedValue.append(c);
                        i++;
                    }
                }
                int d = line.indexOf(delim, i);
                quotedValue.append(line, i, d < 0 ? n : d);
                fields.add(quotedValue.toString());
                if (d < 0) {
                    return true;
                }
                i = d + delim.length();
            } else {
                int d = line.indexOf(delim, i);
                if (d < 0) {
                    fields.add(line.substring(i));
                    return true;
                }
                fields.add(line.substring(i, d));
                i = d + delim.length();
            }
        }
    }
}
