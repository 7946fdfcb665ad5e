package io.sluice.engine.rows;

/**
 * A pull iterator of rows ({@code Object[]} aligned to a known signature). {@code next()} returns null at the end.
 * May throw {@code FaultException} (e.g. CannotParseExternalData). Not thread-safe.
 */
public interface RowSource extends AutoCloseable {
    Object[] next();

    @Override
    default void close() {}
}
