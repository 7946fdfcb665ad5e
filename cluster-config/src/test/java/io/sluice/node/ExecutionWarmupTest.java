package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up warm-up runs a real workload on a private node, and leaves no trace of it on the node users see. */
class ExecutionWarmupTest {
    @TempDir
    Path temp;

    @Test
    void runsEveryStatementToSuccessOnAPrivateNodeAndDeletesItsDirectory() {
        Path work = temp.resolve("warm-up");
        ExecutionWarmup.Result r = new ExecutionWarmup(work, 2, 3, () -> false).run();

        assertThat(r.failures()).isEmpty();
        assertThat(r.statements()).isEqualTo(ExecutionWarmup.ingestion(work).size()
                + 2 * ExecutionWarmup.queries().size() + 3 * ExecutionWarmup.lightQueries().size());
        assertThat(work).doesNotExist();
    }

    @Test
    void stopsAtTheNextStatementOnceAskedTo() {
        Path work = temp.resolve("warm-up");
        AtomicInteger asked = new AtomicInteger();
        ExecutionWarmup.Result r = new ExecutionWarmup(work, 50, 50, () -> asked.incrementAndGet() > 2).run();

        assertThat(r.statements()).isEqualTo(2);
        assertThat(r.failures()).isEmpty();
        assertThat(work).doesNotExist();
    }

    @Test
    void aStartedNodeWarmsUpWithoutShowingAnyTaskOrDatasourceOfIt() throws Exception {
        try (SluiceNode node = SluiceNode.start(nodeConfig(temp.resolve("node"), 1))) {
            ExecutionWarmup.Result r = node.warmedUp().get(3, TimeUnit.MINUTES);

            assertThat(r).isNotNull();
            assertThat(r.failures()).isEmpty();
            assertThat(r.statements()).isGreaterThan(ExecutionWarmup.ingestion(temp).size());
            assertThat(node.metadata().dataSources()).isEmpty();
            assertThat(node.metadata().listTaskHeaders(null, null, 100)).isEmpty();
            assertThat(temp.resolve("node").resolve("tmp").resolve("warm-up")).doesNotExist();
        }
    }

    @Test
    void closingTheNodeStopsItsWarmUp() throws Exception {
        SluiceNode node = SluiceNode.start(nodeConfig(temp.resolve("node"), 1_000));
        node.close();

        assertThat(node.warmedUp()).isCompletedWithValue(null);
        Path work = temp.resolve("node").resolve("tmp").resolve("warm-up");
        assertThat(Files.exists(work)).isFalse();
    }

    /** A node on free loopback ports with the execution warm-up on (the suite's other nodes turn it off). */
    private static Config nodeConfig(Path dataDir, int rounds) {
        Map<String, Object> over = new HashMap<>();
        over.put("sluice.http.port", 0);
        over.put("akka.remote.artery.canonical.port", 0);
        over.put("akka.coordinated-shutdown.exit-jvm", "off");
        over.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        over.put("akka.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        over.put("akka.loglevel", "WARNING");
        over.put("sluice.planner.warm-up", false);
        over.put("sluice.warm-up.execution", true);
        over.put("sluice.warm-up.rounds", rounds);
        over.put("sluice.warm-up.light-rounds", rounds);
        NodeOptions o = new NodeOptions(null, null, dataDir, null, List.of(), List.of(), null);
        return ConfigFactory.parseMap(over).withFallback(SluiceNode.config(o)).resolve();
    }
}
