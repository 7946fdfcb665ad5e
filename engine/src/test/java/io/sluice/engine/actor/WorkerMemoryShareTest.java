package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.sluice.engine.exec.MemoryLoan;
import io.sluice.engine.storage.LocalDeepStorage;
import io.sluice.engine.worker.WorkerMemory;
import io.sluice.engine.worker.WorkerResources;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker holds its share of the node's memory while it lives, and the share is lent again once it stops. */
class WorkerMemoryShareTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void aWorkerHoldsItsShareUntilItStops() {
        WorkerMemory memory = new WorkerMemory(300, 100);
        WorkerResources resources =
                new WorkerResources(dir, new LocalDeepStorage(dir.resolve("deep")), 100, Runnable::run, memory);
        TestProbe<Controller.Command> controller = KIT.createTestProbe();
        ActorRef<Worker.Command> w0 = KIT.spawn(Worker.create("t", 0, 0, controller.getRef(), resources));
        ActorRef<Worker.Command> w1 = KIT.spawn(Worker.create("t", 1, 0, controller.getRef(), resources));
        try (MemoryLoan loan = memory.openLoan()) {
            TestProbe<Object> watcher = KIT.createTestProbe();
            // the workers' constructors ran once they answer anything: wait until their shares count
            watcher.awaitAssert(() -> {
                long got = loan.borrow(1000);
                loan.repay();
                assertThat(got).isEqualTo(100);
                return null;
            });
            w0.tell(new Worker.Stop("test"));
            w1.tell(new Worker.Stop("test"));
            watcher.expectTerminated(w0);
            watcher.expectTerminated(w1);
            watcher.awaitAssert(() -> {
                long got = loan.borrow(1000);
                loan.repay();
                assertThat(got).isEqualTo(200);
                return null;
            });
        }
        assertThat(memory.lent()).isZero();
    }
}
