package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.sluice.engine.storage.TaskHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The live tasks of a node are its own: added and removed by its TaskMaster, read by its status route. */
class LiveTasksTest {
    private static final ActorTestKit ONE = ActorTestKit.create();
    private static final ActorTestKit OTHER = ActorTestKit.create();

    @AfterAll
    static void stop() {
        ONE.shutdownTestKit();
        OTHER.shutdownTestKit();
    }

    @Test
    void aTaskIsLiveOnItsNodeFromAddUntilRemove() {
        TaskHeader h = new TaskHeader("query-1", "query_controller", "ds", "2026-11-25T00:00:00.000Z", "RUNNING", -1,
                null, "127.0.0.1", 8888);
        LiveTasks one = LiveTasks.get(ONE.system());
        assertThat(one.running("query-1")).isEmpty();
        one.add(h);
        assertThat(LiveTasks.get(ONE.system())).isSameAs(one);
        assertThat(one.running("query-1")).contains(h);
        assertThat(LiveTasks.get(OTHER.system()).running("query-1")).as("another node's registry").isEmpty();
        one.remove("query-1");
        one.remove("query-1");
        assertThat(one.running("query-1")).isEmpty();
    }
}
