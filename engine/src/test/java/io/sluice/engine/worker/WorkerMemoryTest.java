package io.sluice.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.exec.MemoryLoan;
import org.junit.jupiter.api.Test;

/** A node's worker memory: shares are kept, the idle slots' shares are lent, and loans are called back. */
class WorkerMemoryTest {
    @Test
    void lendsWhatTheIdleSlotsWouldHold() {
        WorkerMemory m = new WorkerMemory(400, 100); // four slots
        m.reserveShare();
        MemoryLoan loan = m.openLoan();
        assertThat(loan.borrow(250)).isEqualTo(250);
        assertThat(loan.borrow(100)).isEqualTo(50); // 400 - 100 (the running worker's share) - 250
        assertThat(loan.borrow(1)).isZero();
        assertThat(loan.held()).isEqualTo(300);
        assertThat(m.lent()).isEqualTo(300);
        assertThat(loan.recalled()).isFalse();
    }

    @Test
    void aWorkerThatStartsRecallsTheLoansThatNoLongerFit() {
        WorkerMemory m = new WorkerMemory(400, 100);
        m.reserveShare();
        MemoryLoan loan = m.openLoan();
        MemoryLoan idle = m.openLoan();
        loan.borrow(200);
        m.reserveShare(); // 200 reserved + 200 lent: still fits
        assertThat(loan.recalled()).isFalse();
        m.reserveShare(); // 300 + 200 > 400
        assertThat(loan.recalled()).isTrue();
        assertThat(idle.recalled()).as("a loan holding nothing has nothing to give back").isFalse();
        assertThat(loan.borrow(10)).as("a recalled loan lends no more").isZero();

        loan.repay();
        assertThat(loan.recalled()).isFalse();
        assertThat(loan.held()).isZero();
        assertThat(m.lent()).isZero();
        assertThat(loan.borrow(500)).isEqualTo(100); // what is left beside three shares

        m.releaseShare();
        m.releaseShare();
        assertThat(loan.borrow(500)).isEqualTo(200);
    }

    @Test
    void closingALoanRepaysItAndEndsIt() {
        WorkerMemory m = new WorkerMemory(400, 100);
        MemoryLoan loan = m.openLoan();
        assertThat(loan.borrow(1000)).as("with no worker running, one share stays for the borrower's own")
                .isEqualTo(300);
        loan.close();
        assertThat(m.lent()).isZero();
        assertThat(loan.borrow(10)).isZero();
        m.reserveShare();
        m.reserveShare();
        m.reserveShare();
        m.reserveShare();
        assertThat(loan.recalled()).isFalse();
    }

    @Test
    void aNodeWithSharesOnlyLendsNothing() {
        WorkerMemory m = WorkerMemory.sharesOnly(100);
        m.reserveShare();
        MemoryLoan loan = m.openLoan();
        assertThat(loan.borrow(10)).isZero();
        assertThat(m.share()).isEqualTo(100);
        assertThat(new WorkerResources(java.nio.file.Path.of("/tmp"), new io.sluice.engine.storage.LocalDeepStorage(
                java.nio.file.Path.of("/tmp")), 64, Runnable::run).memory().openLoan().borrow(10)).isZero();
    }

    @Test
    void rejectsAShareAboveTheTotal() {
        assertThatThrownBy(() -> new WorkerMemory(10, 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorkerMemory(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
