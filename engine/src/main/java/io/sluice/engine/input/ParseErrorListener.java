package io.sluice.engine.input;

/**
 * Told about every skipped unparseable row. May throw {@link io.sluice.engine.fault.FaultException} to stop reading
 * (the caller enforces {@code maxParseExceptions}, see {@link ParseErrorPolicy}).
 */
@FunctionalInterface
public interface ParseErrorListener {
    void onParseError(ParseError error);
}
