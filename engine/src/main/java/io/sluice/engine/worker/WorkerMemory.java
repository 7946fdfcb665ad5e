package io.sluice.engine.worker;

import io.sluice.engine.exec.MemoryLoan;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The memory the workers of one node share. Each running worker holds a fixed share (the node's worker budget split
 * over its slots), which is all it may count on. What the idle slots' shares would hold is lent to the operators that
 * can use more and can give it back at any time (the columnar GROUP BY, which otherwise drains its groups several
 * times): when a worker starts and the shares plus the loans would pass the budget, every loan is recalled, and its
 * operator drains before it takes its next segment.
 *
 * <p>Until the borrowers have drained, the node may hold a little more than the budget, at most the loans; the budget
 * is half the heap, so that stays within it.
 */
public final class WorkerMemory {
    private final long total;
    private final long share;
    private long reserved;
    private long lent;
    private final Set<Loan> loans = new LinkedHashSet<>();

    /**
     * @param total bytes all workers of the node may hold together
     * @param share bytes one worker holds for itself ({@code total} over the slots)
     */
    public WorkerMemory(long total, long share) {
        if (share <= 0 || total < share) {
            throw new IllegalArgumentException("need 0 < share <= total, got share " + share + ", total " + total);
        }
        this.total = total;
        this.share = share;
    }

    /** A node that lends nothing: every worker has its share and no more. */
    public static WorkerMemory sharesOnly(long share) {
        return new WorkerMemory(share, share);
    }

    /** One worker's own share. */
    public long share() {
        return share;
    }

    /** A worker started: it holds its share from now on; loans that no longer fit are recalled. */
    public synchronized void reserveShare() {
        reserved += share;
        if (reserved + lent > total) {
            for (Loan l : loans) {
                if (l.held > 0) {
                    l.recalled = true;
                }
            }
        }
    }

    /** A worker stopped: its share is free to lend. */
    public synchronized void releaseShare() {
        reserved = Math.max(0, reserved - share);
    }

    /** A new loan, holding nothing yet; close it when the operator is done. */
    public synchronized MemoryLoan openLoan() {
        Loan l = new Loan();
        loans.add(l);
        return l;
    }

    /** Bytes lent and not repaid, over all loans. */
    public synchronized long lent() {
        return lent;
    }

    private final class Loan implements MemoryLoan {
        private long held;
        private volatile boolean recalled;
        private boolean closed;

        @Override
        public long borrow(long bytes) {
            synchronized (WorkerMemory.this) {
                if (closed || recalled || bytes <= 0) {
                    return 0;
                }
                // the shares of the workers running (at least this one's), and the loans, stay within the budget
                long free = total - Math.max(reserved, share) - lent;
                long granted = Math.max(0, Math.min(bytes, free));
                held += granted;
                lent += granted;
                return granted;
            }
        }

        @Override
        public boolean recalled() {
            return recalled;
        }

        @Override
        public long held() {
            synchronized (WorkerMemory.this) {
                return held;
            }
        }

        @Override
        public void repay() {
            synchronized (WorkerMemory.this) {
                lent -= held;
                held = 0;
                recalled = false;
            }
        }

        @Override
        public void close() {
            synchronized (WorkerMemory.this) {
                repay();
                closed = true;
                loans.remove(this);
            }
        }
    }
}
