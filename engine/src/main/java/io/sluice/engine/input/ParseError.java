package io.sluice.engine.input;

import static java.util.Objects.requireNonNull;

/**
 * A row of external data that could not be parsed and was skipped.
 *
 * @param source the split description (file URI, URL or {@code inline})
 * @param lineNumber 1-based line number where the record starts
 * @param recordNumber 1-based number of the record in the split (header rows excluded)
 * @param message Druid-like message: {@code Unable to parse row [...] (Path: ..., Record: n, Line: n)}
 */
public record ParseError(String source, long lineNumber, long recordNumber, String message) {
    public ParseError {
        requireNonNull(source, "source is null");
        requireNonNull(message, "message is null");
    }
}
