package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.json.Json;
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

    private static TaskHeader ended(String id, String status) {
        return new TaskHeader(id, "query_controller", "ds", "2026-11-25T00:00:00.000Z", status, 12,
                "FAILED".equals(status) ? "Canceled: TASK_SHUTDOWN" : null, "127.0.0.1", 8888);
    }

    @Test
    void anEndedTaskKeepsItsFinalHeaderAndReportAndIsNoLongerRunning() {
        LiveTasks live = LiveTasks.get(ONE.system());
        TaskHeader running = new TaskHeader("query-e", "query_controller", "ds", "2026-11-25T00:00:00.000Z",
                "RUNNING", -1, null, "127.0.0.1", 8888);
        live.add(running);
        assertThat(live.header("query-e")).contains(running);
        assertThat(live.endedReport("query-e")).isEmpty();
        ObjectNode report = Json.MAPPER.createObjectNode().put("r", 1);
        live.ended(ended("query-e", "FAILED"), report, report.toString().length());
        assertThat(live.running("query-e")).isEmpty();
        assertThat(live.header("query-e")).contains(ended("query-e", "FAILED"));
        assertThat(live.endedReport("query-e")).contains(report);
        // the TaskMaster's removal once the controller stopped leaves the ended record
        live.remove("query-e");
        assertThat(live.header("query-e")).contains(ended("query-e", "FAILED"));
        assertThatThrownBy(() -> live.ended(running, report, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endedTasksAreBoundedByCountAndByReportSizeOldestFirst() {
        LiveTasks live = LiveTasks.get(OTHER.system());
        ObjectNode report = Json.MAPPER.createObjectNode();
        for (int i = 0; i < LiveTasks.MAX_FINISHED + 10; i++) {
            live.ended(ended("q" + i, "SUCCESS"), report, 2);
        }
        assertThat(live.endedCount()).isEqualTo(LiveTasks.MAX_FINISHED);
        assertThat(live.header("q9")).as("oldest gone").isEmpty();
        assertThat(live.header("q10")).isPresent();
        // a report larger than the budget: its header is kept, its report is read from the store
        live.ended(ended("huge", "SUCCESS"), report, LiveTasks.MAX_FINISHED_REPORT_CHARS + 1);
        assertThat(live.header("huge")).isPresent();
        assertThat(live.endedReport("huge")).isEmpty();
        // two reports of more than half the budget each: the older goes when the newer comes
        long half = LiveTasks.MAX_FINISHED_REPORT_CHARS / 2 + 1;
        live.ended(ended("big1", "SUCCESS"), report, half);
        assertThat(live.endedReport("big1")).isPresent();
        live.ended(ended("big2", "SUCCESS"), report, half);
        assertThat(live.endedReport("big2")).isPresent();
        assertThat(live.header("big1")).isEmpty();
        assertThat(live.header("huge")).as("older than big1").isEmpty();
        assertThat(live.header("q" + (LiveTasks.MAX_FINISHED + 9))).as("newer than huge, older than big1").isEmpty();
    }
}
