package io.sluice.engine.exec;

/**
 * Memory an operator may hold beyond its fixed limit, lent by whoever owns the memory (a node lends what its idle
 * worker slots would hold) and called back when the owner needs it again. The operator asks between units of work;
 * on a recall it frees what it holds (drains, spills) and then {@link #repay repays}.
 */
public interface MemoryLoan extends AutoCloseable {
    /** Lends nothing, never recalls. */
    MemoryLoan NONE = new MemoryLoan() {
        @Override
        public long borrow(long bytes) {
            return 0;
        }

        @Override
        public boolean recalled() {
            return false;
        }

        @Override
        public long held() {
            return 0;
        }

        @Override
        public void repay() {}

        @Override
        public void close() {}
    };

    /** Lends up to {@code bytes} more; returns how many were lent (0: none to spare, or the loan is recalled). */
    long borrow(long bytes);

    /** True when the lender wants the memory back: free what was borrowed, then {@link #repay}. */
    boolean recalled();

    /** Bytes lent and not yet repaid. */
    long held();

    /** Gives back everything lent so far (after the memory is freed); the loan may borrow again. */
    void repay();

    /** Repays and ends the loan. */
    @Override
    void close();
}
