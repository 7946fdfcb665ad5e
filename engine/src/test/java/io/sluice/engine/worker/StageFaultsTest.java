package io.sluice.engine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StageFaultsTest {
    @Test
    void aTypedFaultIsReportedAsItIsAndNotLoggedAsABug() {
        Fault typed = Faults.unknownError("Input file [x] does not exist or is not a file");
        Throwable thrown = new CompletionException(new FaultException(typed));

        assertSame(typed, StageFaults.fromThrowable(thrown, "reading input"));
        assertFalse(StageFaults.unexpected(thrown));
    }

    @Test
    void anOutOfMemoryErrorIsAnUnknownErrorWithWhatWasRunningAndIsLogged() {
        Throwable thrown = new ExecutionException(new OutOfMemoryError("Java heap space"));

        Fault fault = StageFaults.fromThrowable(thrown, "running stage 0");

        assertEquals("UnknownError", fault.errorCode());
        assertEquals("Java heap space (while running stage 0)", fault.errorMessage());
        assertTrue(StageFaults.unexpected(thrown));
    }

    @Test
    void aCancelIsNeitherAnErrorNorLogged() {
        Throwable thrown = new CompletionException(new CancellationException());

        assertEquals("Canceled", StageFaults.fromThrowable(thrown, "running stage 1").errorCode());
        assertFalse(StageFaults.unexpected(thrown));
        assertFalse(StageFaults.unexpected(new InterruptedException()));
    }

    @Test
    void aBugWithoutAMessageIsNamedByItsClass() {
        Throwable thrown = new NullPointerException();

        assertEquals("NullPointerException (while merging)",
                StageFaults.fromThrowable(thrown, "merging").errorMessage());
        assertTrue(StageFaults.unexpected(thrown));
    }
}
