package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class ColumnTasksTest {
    @Test
    void runsEveryIndexExactlyOnce() {
        for (int n : new int[] {0, 1, 2, 3, 20, 257}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(n);
            ColumnTasks.run(n, runs::incrementAndGet);
            for (int i = 0; i < n; i++) {
                assertThat(runs.get(i)).as("index %d of %d", i, n).isEqualTo(1);
            }
        }
    }

    @Test
    void rethrowsTheFailureAfterEveryStartedTaskEnded() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxAfterFailure = new AtomicInteger();
        assertThatThrownBy(() -> ColumnTasks.run(50, i -> {
                    running.incrementAndGet();
                    try {
                        if (i == 3) {
                            throw new IllegalArgumentException("column 3 broke");
                        }
                    } finally {
                        running.decrementAndGet();
                    }
                }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("column 3 broke");
        maxAfterFailure.set(running.get());
        assertThat(maxAfterFailure.get()).isZero();
    }

    @Test
    void completesWhenCalledFromEveryThreadOfTheCommonPool() {
        // the callers occupy every pool thread, so helpers they queue may start only after the callers returned:
        // callers must not wait for helpers that never claimed a task (deadlock guard)
        int callers = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        AtomicInteger total = new AtomicInteger();
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            java.util.List<java.util.concurrent.ForkJoinTask<?>> tasks = new java.util.ArrayList<>();
            for (int c = 0; c < callers; c++) {
                tasks.add(ForkJoinPool.commonPool().submit(() -> ColumnTasks.run(10, i -> total.incrementAndGet())));
            }
            for (var t : tasks) {
                t.join();
            }
        });
        assertThat(total.get()).isEqualTo(10 * callers);
    }
}
