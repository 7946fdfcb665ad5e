package io.sluice.engine.exec;

/** A pull iterator over (key, row) pairs in key order. */
public interface KeyedRowSource extends AutoCloseable {
    /** Moves to the next pair; false at the end. */
    boolean advance();

    byte[] key();

    Object[] row();

    /**
     * The bytes holding the current row in {@link io.sluice.engine.frame.RowCodec} layout, when the source has them
     * (rows read back from a spill file); null otherwise. Valid until the next {@link #advance()}; the row is at
     * {@link #encodedRowOffset()}, {@link #encodedRowLength()} bytes long.
     */
    default byte[] encodedRow() {
        return null;
    }

    default int encodedRowOffset() {
        return 0;
    }

    default int encodedRowLength() {
        return 0;
    }

    @Override
    default void close() {}
}
