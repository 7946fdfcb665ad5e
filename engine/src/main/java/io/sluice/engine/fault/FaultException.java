package io.sluice.engine.fault;

import static java.util.Objects.requireNonNull;

/** Thrown by engine code to end a stage with a typed fault. The first fault of a query wins. */
public class FaultException extends RuntimeException {
    private final transient Fault fault;

    public FaultException(Fault fault) {
        super(fault.codeAndMessage());
        this.fault = requireNonNull(fault, "fault is null");
    }

    public FaultException(Fault fault, Throwable cause) {
        super(fault.codeAndMessage(), cause);
        this.fault = requireNonNull(fault, "fault is null");
    }

    public Fault fault() {
        return fault;
    }
}
