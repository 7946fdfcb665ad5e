package io.sluice.engine.worker;

import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps anything thrown while running work to the typed fault the report shows; the root cause is kept. */
public final class StageFaults {
    private StageFaults() {}

    public static Fault fromThrowable(Throwable t, String doing) {
        Throwable c = unwrap(t);
        for (Throwable x = c; x != null; x = x.getCause()) {
            if (x instanceof FaultException fe) {
                return fe.fault();
            }
        }
        if (c instanceof CancellationException || c instanceof InterruptedException) {
            return Faults.canceled("UNKNOWN");
        }
        String msg = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        if (msg.contains("No space left on device")) {
            return Faults.unknownError("No space left on device while " + doing);
        }
        return Faults.unknownError(msg + " (while " + doing + ")");
    }

    /**
     * Whether the throwable is neither a typed fault (a user's mistake, a limit) nor a cancel: a bug or the JVM's
     * trouble (an {@link OutOfMemoryError}), whose stack belongs in the node's log.
     */
    public static boolean unexpected(Throwable t) {
        Throwable c = unwrap(t);
        for (Throwable x = c; x != null; x = x.getCause()) {
            if (x instanceof FaultException || x instanceof UpstreamReadException) {
                return false;
            }
        }
        return !(c instanceof CancellationException || c instanceof InterruptedException);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
