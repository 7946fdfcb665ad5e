package io.sluice.engine.exec;

/** A pull iterator over (key, row) pairs in key order. */
public interface KeyedRowSource extends AutoCloseable {
    /** Moves to the next pair; false at the end. */
    boolean advance();

    byte[] key();

    Object[] row();

    @Override
    default void close() {}
}
