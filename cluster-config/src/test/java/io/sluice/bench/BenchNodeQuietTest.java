package io.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchNodeQuietTest {
    @Test
    void busyShareIsTheShareOfTicksNotIdle() {
        // 400 ticks passed, 100 of them idle or waiting for I/O
        assertEquals(0.75, BenchNode.busyShare(new long[] {1_000, 500}, new long[] {1_400, 600}), 1e-9);
        assertEquals(0.0, BenchNode.busyShare(new long[] {1_000, 500}, new long[] {1_400, 900}), 1e-9);
        // no tick passed (a coarse clock): not busy
        assertEquals(0.0, BenchNode.busyShare(new long[] {1_000, 500}, new long[] {1_000, 500}), 1e-9);
    }

    @Test
    void machineTicksCountIdleWithinAll() {
        long[] ticks = BenchNode.machineTicks();
        if (ticks == null) {
            return; // not Linux: the bench waits for the node alone
        }
        assertEquals(2, ticks.length);
        assertTrue(ticks[0] >= ticks[1] && ticks[1] >= 0, "all " + ticks[0] + ", idle " + ticks[1]);
        long[] later = BenchNode.machineTicks();
        assertTrue(later[0] >= ticks[0] && later[1] >= ticks[1], "ticks only grow");
    }
}
