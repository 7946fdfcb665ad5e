package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchNodePortsTest {
    @Test
    void freePortsAreNeverHandedOutTwice() throws Exception {
        // a node's HTTP and Akka ports come from two calls: the system may offer a port it just closed again
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            assertThat(ports.add(BenchNode.freePort())).isTrue();
        }
    }
}
