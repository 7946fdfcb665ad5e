package io.sluice.engine.worker;

/**
 * Reading a partition from an upstream worker failed (it did not answer, or its stream broke): under fault
 * tolerance the controller takes that worker for lost. Carries which worker and attempt it was.
 */
public final class UpstreamReadException extends RuntimeException {
    private final int workerNumber;
    private final int attempt;

    public UpstreamReadException(PartitionSource source, Throwable cause) {
        super("Cannot read partition " + source.partition() + " of stage " + source.stage() + " from worker "
                + source.workerNumber() + " (attempt " + source.attempt() + "): " + rootMessage(cause), cause);
        this.workerNumber = source.workerNumber();
        this.attempt = source.attempt();
    }

    public int workerNumber() {
        return workerNumber;
    }

    public int attempt() {
        return attempt;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
