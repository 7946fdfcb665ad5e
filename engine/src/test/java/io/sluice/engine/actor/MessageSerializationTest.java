package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.exec.KeyStatistics;
import io.sluice.engine.exec.PartitionBoundaries;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.ExternalInputSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.RowSignature;
import io.sluice.engine.worker.InputSlice;
import io.sluice.engine.worker.PartitionSource;
import io.sluice.engine.worker.WorkOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every control message must survive Akka's Jackson CBOR serializer (the wire between nodes). */
class MessageSerializationTest {
    static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    static QuerySpec spec() {
        RowSignature ext = RowSignature.builder().add("t", ColumnType.STRING).add("x", ColumnType.LONG).build();
        ObjectNode source = Json.MAPPER.createObjectNode().put("type", "inline").put("data", "{}");
        ObjectNode format = Json.MAPPER.createObjectNode().put("type", "json");
        RowSignature s0 = RowSignature.builder()
                .add("d0", ColumnType.STRING)
                .add("a0", ColumnType.LONG)
                .add("a1", ColumnType.COMPLEX_HLL)
                .build();
        StageDefinition stage0 = new StageDefinition(
                0, "q_0", List.of(new ExternalInputSpec(source, format, ext)), Set.of(),
                new GroupByPreShuffleSpec(
                        Call.of(Fn.GT, new ColumnRef("x"), Literal.of(1)),
                        List.of(new NamedExpr("d0", new ColumnRef("t"), ColumnType.STRING)),
                        List.of(new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false),
                                new AggregatorSpec("a1", AggKind.HLL_SKETCH, new ColumnRef("t"), null,
                                        ColumnType.COMPLEX_HLL, false, 14, "HLL_8")),
                        null, List.of("d0")),
                s0, new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("d0")), 0), 1, true), 1);
        StageDefinition stage1 = new StageDefinition(
                1, "q_1", List.of(new StageInputSpec(0)), Set.of(),
                new SegmentGeneratorSpec("ds", Granularity.of("DAY"), List.of(new ColumnMapping("d0", "__time")),
                        List.of(new ColumnSignature("a0", ColumnType.LONG)), List.of(), List.of("ETERNITY"),
                        List.of(), 3_000_000, 100_000,
                        List.of(new io.sluice.engine.plan.ColumnTypeCheck("a0", "BIGINT", ColumnType.LONG, "mvd"))),
                RowSignature.empty(), null, 1);
        StageDefinition stage2 = new StageDefinition(
                2, "q_2", List.of(new StageInputSpec(0), new StageInputSpec(0)), Set.of(),
                new io.sluice.engine.plan.ScanProcessorSpec(null, null,
                        List.of(new NamedExpr("d0", new ColumnRef("d0"), ColumnType.STRING)), null,
                        new io.sluice.engine.plan.JoinSpec(1, "j0.", List.of(new ColumnRef("d0")), List.of("d0"),
                                "FULL", true)),
                RowSignature.builder().add("d0", ColumnType.STRING).build(), null, 1);
        StageDefinition stage3 = new StageDefinition(
                3, "q_3", List.of(new StageInputSpec(0)), Set.of(),
                new io.sluice.engine.plan.ScanProcessorSpec(null,
                        List.of(new NamedExpr("d0", new ColumnRef("d0"), ColumnType.STRING)), null),
                RowSignature.builder().add("d0", ColumnType.STRING).build(),
                new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.desc("d0")), 0), 1, false).withLimitHint(100),
                1);
        return new QuerySpec("INSERT …", "ds", new QueryDefinition("q", List.of(stage0, stage1, stage2, stage3)),
                List.of(new ColumnMapping("d0", "d")), s0, List.of("VARCHAR", "BIGINT"),
                new Destination.DataSource("ds", Granularity.of("DAY"), null), Map.of("maxNumTasks", 2));
    }

    private static Object roundTrip(Object msg) throws Exception {
        Serialization ser = SerializationExtension.get(KIT.system());
        byte[] bytes = ser.serialize(msg).get();
        akka.serialization.Serializer s = ser.findSerializerFor(msg);
        assertThat(s.getClass().getSimpleName()).contains("Jackson");
        return ser.deserialize(bytes, s.identifier(), Serializers.manifestFor(s, msg)).get();
    }

    @Test
    void controlMessagesRoundTripThroughCbor() throws Exception {
        ActorRef<TaskMaster.SubmitReply> probe = KIT.<TaskMaster.SubmitReply>createTestProbe().ref();
        TaskMaster.Submit submit = new TaskMaster.Submit("query-q", spec(), probe);
        TaskMaster.Submit back = (TaskMaster.Submit) roundTrip(submit);
        assertThat(back.spec()).isEqualTo(submit.spec());
        assertThat(back.replyTo()).isEqualTo(probe);

        KeyStatistics stats = new KeyStatistics();
        stats.add(new byte[] {1}, new byte[] {1, 2, 3});
        Controller.WorkerKeyStatistics ks =
                new Controller.WorkerKeyStatistics(0, 1, 2, 3, stats, Json.MAPPER.createObjectNode());
        Controller.WorkerKeyStatistics ksBack = (Controller.WorkerKeyStatistics) roundTrip(ks);
        assertThat(ksBack.statistics().totalCount()).isEqualTo(1);
        assertThat(ksBack.attempt()).isEqualTo(2);
        assertThat(ksBack.generation()).isEqualTo(3);

        PartitionBoundaries b = PartitionBoundaries.fromSplits(List.of(new byte[] {5}));
        Worker.PostBoundaries pb = (Worker.PostBoundaries) roundTrip(new Worker.PostBoundaries(0, 4, b));
        assertThat(pb.boundaries()).isEqualTo(b);
        assertThat(pb.generation()).isEqualTo(4);

        Controller.WorkerFailed wf = new Controller.WorkerFailed(0, 0, 1, 2, "w", Faults.insertTimeNull(), 3, 1);
        assertThat(roundTrip(wf)).isEqualTo(wf);
    }

    @Test
    void faultToleranceMessagesRoundTripThroughCbor() throws Exception {
        ActorRef<Worker.Command> worker = KIT.<Worker.Command>createTestProbe().ref();
        ActorRef<Controller.Command> controller = KIT.<Controller.Command>createTestProbe().ref();
        ActorRef<WorkerHost.StartWorkerReply> replyTo = KIT.<WorkerHost.StartWorkerReply>createTestProbe().ref();

        WorkerHost.StartWorker start = new WorkerHost.StartWorker("query-q", 1, 2, controller, replyTo);
        assertThat(roundTrip(start)).isEqualTo(start);
        WorkerHost.StartWorkerReply reply = new WorkerHost.StartWorkerReply(1, 2, worker, "127.0.0.1:8888", null);
        assertThat(roundTrip(reply)).isEqualTo(reply);

        // A re-sent work order: its upstream pieces name the attempt of the worker holding them.
        StageDefinition consumer = spec().queryDefinition().stage(1);
        InputSlice.Stage slice = new InputSlice.Stage(0, spec().queryDefinition().stage(0).signature(),
                List.of(KeyColumn.asc("d0")), List.of(List.of(new PartitionSource(0, 1, 2, worker, 0))));
        WorkOrder order = new WorkOrder("query-q", 0, consumer, List.of(slice), Map.of("faultTolerance", true), "v1");
        Worker.RunWorkOrder run = (Worker.RunWorkOrder) roundTrip(new Worker.RunWorkOrder(order, 3));
        assertThat(run.generation()).isEqualTo(3);
        assertThat(run.order()).isEqualTo(order);
        PartitionSource piece = ((InputSlice.Stage) run.order().inputs().get(0)).partitions().get(0).get(0);
        assertThat(piece.attempt()).isEqualTo(2);
        assertThat(piece.worker()).isEqualTo(worker);

        // A table slice for a remote worker: each segment's facts from the metadata store go with its path.
        InputSlice.Table table = new InputSlice.Table("wiki", spec().queryDefinition().stage(0).signature(),
                List.of("wiki/a/index.sluice", "wiki/b/index.sluice"), 0L, Long.MAX_VALUE,
                List.of(new InputSlice.SegmentFacts(0L, 86_400_000L, 39_244L, 1_234_567L),
                        new InputSlice.SegmentFacts(86_400_000L, 172_800_000L, 1L, 99L)));
        WorkOrder scan = new WorkOrder("query-q", 1, spec().queryDefinition().stage(0), List.of(table), Map.of(), "v1");
        Worker.RunWorkOrder scanBack = (Worker.RunWorkOrder) roundTrip(new Worker.RunWorkOrder(scan, 0));
        assertThat(scanBack.order()).isEqualTo(scan);
        assertThat(((InputSlice.Table) scanBack.order().inputs().get(0)).segmentFacts().get(0).numRows())
                .isEqualTo(39_244L);

        Controller.WorkerResultsReady ready = new Controller.WorkerResultsReady(
                1, 0, 1, 3, 2, Json.MAPPER.createObjectNode(), List.of(), List.of());
        Controller.WorkerResultsReady readyBack = (Controller.WorkerResultsReady) roundTrip(ready);
        assertThat(readyBack.attempt()).isEqualTo(1);
        assertThat(readyBack.generation()).isEqualTo(3);
    }
}
