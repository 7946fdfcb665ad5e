package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PrefetchingRowSourceTest {
    /** Rows 0..n-1, then a fault (when failAt >= 0, instead of row failAt). */
    private static class Numbers implements CountingRowSource {
        private final int n;
        private final int failAt;
        final AtomicBoolean closed = new AtomicBoolean();
        private long i;

        Numbers(int n, int failAt) {
            this.n = n;
            this.failAt = failAt;
        }

        @Override
        public Object[] next() {
            if (i == failAt) {
                throw new FaultException(Faults.unknownError("bad row " + i));
            }
            return i < n ? new Object[] {i++} : null;
        }

        @Override
        public long bytesRead() {
            return i * 10;
        }

        @Override
        public long uncompressedBytesRead() {
            return i * 20;
        }

        @Override
        public long rowsRead() {
            return i;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void everyRowInOrderThenTheSourceCounters() {
        Numbers src = new Numbers(10_000, -1);
        List<Object> seen = new ArrayList<>();
        try (PrefetchingRowSource p = new PrefetchingRowSource(src, "t")) {
            Object[] r;
            while ((r = p.next()) != null) {
                seen.add(r[0]);
            }
            assertThat(p.next()).isNull();
            assertThat(p.rowsRead()).isEqualTo(10_000);
            assertThat(p.uncompressedBytesRead()).isEqualTo(200_000);
        }
        assertThat(seen).hasSize(10_000);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo((long) i);
        }
        assertThat(src.closed).isTrue();
    }

    @Test
    void aFailureArrivesAfterTheRowsBeforeIt() {
        Numbers src = new Numbers(10_000, 1_000);
        try (PrefetchingRowSource p = new PrefetchingRowSource(src, "t")) {
            for (long i = 0; i < 1_000; i++) {
                assertThat(p.next()[0]).isEqualTo(i);
            }
            assertThatThrownBy(p::next).isInstanceOfSatisfying(FaultException.class,
                    e -> assertThat(e.fault().errorMessage()).isEqualTo("bad row 1000"));
        }
        assertThat(src.closed).isTrue();
    }

    @Test
    void closingEarlyStopsTheReaderAndClosesTheSource() {
        Numbers src = new Numbers(Integer.MAX_VALUE, -1);
        PrefetchingRowSource p = new PrefetchingRowSource(src, "t");
        assertThat(p.next()[0]).isEqualTo(0L);
        p.close();
        assertThat(src.closed).isTrue();
    }

    /** A pipeline keeping even rows, recording the threads it ran on. */
    private static io.sluice.engine.rows.RowSource evens(io.sluice.engine.rows.RowSource in, List<String> threads,
            long failAt) {
        return new io.sluice.engine.rows.RowSource() {
            @Override
            public Object[] next() {
                threads.add(Thread.currentThread().getName());
                Object[] r;
                while ((r = in.next()) != null && ((Long) r[0]) % 2 != 0) {
                    // odd rows are dropped
                }
                if (r != null && (Long) r[0] == failAt) {
                    throw new FaultException(Faults.unknownError("pipeline failed at " + failAt));
                }
                return r == null ? null : new Object[] {r[0], "made"};
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    @Test
    void aPipelineRunsOnTheReadingThreadAndCountsTheSourceRowsItRead() {
        Numbers src = new Numbers(10_001, -1);
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Object> seen = new ArrayList<>();
        try (PrefetchingRowSource p = new PrefetchingRowSource(src, r -> evens(r, threads, -1), "t")) {
            Object[] r;
            long lastDelivered = 0;
            while ((r = p.next()) != null) {
                assertThat(r[1]).isEqualTo("made");
                seen.add(r[0]);
                assertThat(p.rowsDelivered()).isGreaterThanOrEqualTo(lastDelivered).isGreaterThan((Long) r[0]);
                lastDelivered = p.rowsDelivered();
            }
            // every source row counts, the dropped ones too
            assertThat(p.rowsDelivered()).isEqualTo(10_001);
        }
        assertThat(seen).hasSize(5_001);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(2L * i);
        }
        assertThat(threads).isNotEmpty().allMatch(t -> t.equals("sluice-parse-t"));
        assertThat(src.closed).isTrue();
    }

    @Test
    void aPipelineFailureArrivesAfterTheRowsBeforeIt() {
        Numbers src = new Numbers(10_000, -1);
        try (PrefetchingRowSource p = new PrefetchingRowSource(src, r -> evens(r, new ArrayList<>(), 3_000), "t")) {
            for (long i = 0; i < 3_000; i += 2) {
                assertThat(p.next()[0]).isEqualTo(i);
            }
            assertThatThrownBy(p::next).isInstanceOfSatisfying(FaultException.class,
                    e -> assertThat(e.fault().errorMessage()).isEqualTo("pipeline failed at 3000"));
        }
        assertThat(src.closed).isTrue();
    }

    @Test
    void wideRowsAreQueuedAheadOnlyUpToABoundedAmountOfInput() throws Exception {
        // every row stands for 1 MiB of input text: the reader may queue one batch and fill the next, no more
        Numbers src = new Numbers(1_000_000, -1) {
            @Override
            public long uncompressedBytesRead() {
                return rowsRead() << 20;
            }
        };
        try (PrefetchingRowSource p = new PrefetchingRowSource(src, "t")) {
            assertThat(p.next()[0]).isEqualTo(0L);
            Thread.sleep(300);
            // the batch taken, one queued, one being filled (without the bound: 48 queued)
            assertThat(src.rowsRead()).isLessThanOrEqualTo(3 * 1024L);
            long n = 1;
            while (p.next() != null && n < 10_000) {
                n++;
            }
            assertThat(n).isEqualTo(10_000);
        }
    }

    /** Numbers whose reads record the threads they ran on and fail the test if two overlap. */
    private static final class Watched extends Numbers {
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();

        Watched(int n, int failAt) {
            super(n, failAt);
        }

        @Override
        public Object[] next() {
            assertThat(busy.compareAndSet(false, true)).as("read by one thread at a time").isTrue();
            try {
                threads.add(Thread.currentThread().getName());
                return super.next();
            } finally {
                busy.set(false);
            }
        }

        @Override
        public void close() {
            assertThat(busy.get()).as("closed while read").isFalse();
            closes.incrementAndGet();
            super.close();
        }
    }

    @Test
    void aheadGivesEveryRowInOrderReadingPastTheFirstOnesOnAThreadOfItsOwn() {
        for (int n : new int[] {0, 1, 99, 100, 101, 5_000, 50_000}) {
            Watched src = new Watched(n, -1);
            List<Object> seen = new ArrayList<>();
            try (io.sluice.engine.rows.RowSource a = PrefetchingRowSource.ahead(src, 100, "ahead-test")) {
                Object[] r;
                while ((r = a.next()) != null) {
                    seen.add(r[0]);
                }
                assertThat(a.next()).isNull();
            }
            assertThat(seen).as("rows of %d", n).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(seen.get(i)).isEqualTo((long) i);
            }
            assertThat(src.closes).as("closed once").hasValue(1);
            // up to 100 rows (and the end of a source of at most 100) are read by the caller; beyond, by a thread
            assertThat(src.threads.contains("sluice-ahead-ahead-test")).as("a thread for %d rows", n).isEqualTo(n >= 100);
        }
    }

    @Test
    void aheadGivesAFailureAfterTheRowsBeforeItAndClosingEarlyStopsTheThreadBeforeTheSourceCloses() {
        Watched failing = new Watched(10_000, 3_000);
        try (io.sluice.engine.rows.RowSource a = PrefetchingRowSource.ahead(failing, 100, "ahead-test")) {
            for (long i = 0; i < 3_000; i++) {
                assertThat(a.next()[0]).isEqualTo(i);
            }
            assertThatThrownBy(a::next).isInstanceOfSatisfying(FaultException.class,
                    e -> assertThat(e.fault().errorMessage()).isEqualTo("bad row 3000"));
        }
        assertThat(failing.closes).hasValue(1);

        for (int stopAt : new int[] {5, 100, 101, 2_000}) {
            Watched endless = new Watched(Integer.MAX_VALUE, -1);
            io.sluice.engine.rows.RowSource a = PrefetchingRowSource.ahead(endless, 100, "ahead-test");
            for (long i = 0; i < stopAt; i++) {
                assertThat(a.next()[0]).isEqualTo(i);
            }
            a.close();
            assertThat(endless.closes).hasValue(1);
        }
    }
}
