package io.sluice.engine.input;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.util.ArrayList;
import java.util.List;

/**
 * Enforces {@code maxParseExceptions}: counts parse errors, keeps the first five as samples for report warnings, and
 * fails once the count exceeds the limit. With a limit of 0 the first error fails as {@code CannotParseExternalData};
 * otherwise the failure is {@code TooManyWarnings}; -1 means unlimited. Thread-safe, so one policy may be shared by
 * the readers of one worker.
 */
public final class ParseErrorPolicy implements ParseErrorListener {
    /** How many errors are kept for the report (Druid sends at most five parse exceptions per worker). */
    public static final int MAX_SAMPLES = 5;

    private final long maxParseExceptions;
    private final List<ParseError> samples = new ArrayList<>();
    private long count;

    public ParseErrorPolicy(long maxParseExceptions) {
        if (maxParseExceptions < -1) {
            throw new IllegalArgumentException("maxParseExceptions must be >= -1, got " + maxParseExceptions);
        }
        this.maxParseExceptions = maxParseExceptions;
    }

    @Override
    public synchronized void onParseError(ParseError error) {
        count++;
        if (samples.size() < MAX_SAMPLES) {
            samples.add(error);
        }
        if (maxParseExceptions >= 0 && count > maxParseExceptions) {
            if (maxParseExceptions == 0) {
                throw new FaultException(Faults.cannotParseExternalData(error.message()));
            }
            throw new FaultException(Faults.tooManyWarnings("CannotParseExternalData", maxParseExceptions));
        }
    }

    public long maxParseExceptions() {
        return maxParseExceptions;
    }

    /** Number of parse errors seen so far. */
    public synchronized long count() {
        return count;
    }

    /** The first (at most five) parse errors, in order. */
    public synchronized List<ParseError> samples() {
        return List.copyOf(samples);
    }
}
