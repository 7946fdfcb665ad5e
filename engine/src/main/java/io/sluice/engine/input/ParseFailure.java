package io.sluice.engine.input;

/** Internal signal that the current record cannot be converted; becomes a {@link ParseError}. No stack trace. */
final class ParseFailure extends RuntimeException {
    ParseFailure(String message) {
        super(message, null, false, false);
    }
}
