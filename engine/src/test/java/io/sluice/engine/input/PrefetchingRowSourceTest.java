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
    private static final class Numbers implements CountingRowSource {
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
}
