package io.sluice.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.stream.SourceRef;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import io.sluice.engine.actor.Worker;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameWriter;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.KeyOrder;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A partition piece held on the reader's node is read in place ({@link LocalPartitions}); the rows and the frame
 * counters are the same as when it comes over a stream, and a piece nobody published here is still streamed.
 */
class LocalPartitionsTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final RowSignature SIG = RowSignature.builder()
            .add("t", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("m", ColumnType.STRING)
            .build();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static List<Frame> frames(int rows, int seed) {
        List<Frame> out = new ArrayList<>();
        FrameWriter w = new FrameWriter(SIG, 4096);
        for (int i = 0; i < rows; i++) {
            Object[] row = {(long) seed * 1000 + i, "v" + (i % 7), i % 5 == 0 ? null : List.of("a" + i, "b")};
            if (!w.add(row)) {
                out.add(w.build());
                w.add(row);
            }
        }
        if (!w.isEmpty()) {
            out.add(w.build());
        }
        return out;
    }

    private record Read(List<List<Object>> rows, long frames, long bytes) {}

    private static Read readAll(List<PartitionSource> pieces) {
        AtomicLong frames = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        List<List<Object>> rows = new ArrayList<>();
        try (RowSource r = PartitionReader.read(KIT.system(), SIG, List.of(), List.of(pieces), b -> {
            frames.incrementAndGet();
            bytes.addAndGet(b);
        })) {
            Object[] row;
            while ((row = r.next()) != null) {
                rows.add(Arrays.asList(row));
            }
        }
        return new Read(rows, frames.get(), bytes.get());
    }

    /** Answers one GetPartition as the Worker does: the frames as wire chunks over a SourceRef. */
    private static void serveStream(TestProbe<Worker.Command> worker, List<Frame> frames) {
        Worker.GetPartition get = worker.expectMessageClass(Worker.GetPartition.class, Duration.ofSeconds(10));
        SourceRef<ByteString> ref = Source.from(frames)
                .mapConcat(FrameWire::encode)
                .runWith(StreamRefs.sourceRef(), KIT.system());
        get.replyTo().tell(new Worker.PartitionStream(get.stage(), get.partition(), ref));
    }

    @Test
    void inPlaceAndStreamedReadsGiveTheSameRowsAndCounters() throws Exception {
        TestProbe<Worker.Command> local = KIT.createTestProbe(Worker.Command.class);
        TestProbe<Worker.Command> remote = KIT.createTestProbe(Worker.Command.class);
        List<Frame> a = frames(3000, 1);
        List<Frame> b = frames(1700, 2);
        assertThat(a.size()).isGreaterThan(5);
        LocalPartitions registry = LocalPartitions.get(KIT.system());
        LocalPartitions.Output outputA = p -> a.iterator();
        registry.publish(local.ref(), 4, outputA);
        List<PartitionSource> pieces = List.of(
                new PartitionSource(4, 0, 1, local.ref(), 0), new PartitionSource(4, 1, 1, remote.ref(), 0));

        // piece a in place, piece b streamed
        CompletableFuture<Read> mixed = CompletableFuture.supplyAsync(() -> readAll(pieces));
        serveStream(remote, b);
        Read first = mixed.get();
        local.expectNoMessage(Duration.ofMillis(100));

        // both streamed once a is withdrawn
        registry.withdraw(local.ref(), 4, outputA);
        CompletableFuture<Read> streamed = CompletableFuture.supplyAsync(() -> readAll(pieces));
        serveStream(local, a);
        serveStream(remote, b);
        Read second = streamed.get();

        assertThat(first.rows()).hasSize(4700).isEqualTo(second.rows());
        assertThat(first.frames()).isEqualTo(a.size() + b.size()).isEqualTo(second.frames());
        long bytes = a.stream().mapToLong(Frame::sizeBytes).sum() + b.stream().mapToLong(Frame::sizeBytes).sum();
        assertThat(first.bytes()).isEqualTo(bytes).isEqualTo(second.bytes());
    }

    @Test
    void rowsTakenUndecodedAreTheDecodedRowsAndCountTheSameFrames() throws Exception {
        TestProbe<Worker.Command> local = KIT.createTestProbe(Worker.Command.class);
        TestProbe<Worker.Command> remote = KIT.createTestProbe(Worker.Command.class);
        List<Frame> a = frames(2500, 3);
        List<Frame> b = frames(900, 4);
        LocalPartitions registry = LocalPartitions.get(KIT.system());
        LocalPartitions.Output outputA = p -> a.iterator();
        registry.publish(local.ref(), 6, outputA);
        List<PartitionSource> pieces = List.of(
                new PartitionSource(6, 0, 1, local.ref(), 0), new PartitionSource(6, 1, 1, remote.ref(), 0));
        CompletableFuture<Read> undecoded = CompletableFuture.supplyAsync(() -> {
            AtomicLong frames = new AtomicLong();
            List<List<Object>> rows = new ArrayList<>();
            try (RowSource r = PartitionReader.read(KIT.system(), SIG, List.of(), List.of(pieces, List.of()),
                    x -> frames.incrementAndGet())) {
                assertThat(r).isInstanceOf(EncodedRowSource.class);
                EncodedRowSource e = (EncodedRowSource) r;
                int[] offsets = new int[SIG.size()];
                int i = 0;
                while (true) {
                    if (i++ % 3 == 0) { // next() and advance() mixed
                        Object[] row = e.next();
                        if (row == null) {
                            break;
                        }
                        rows.add(Arrays.asList(row));
                    } else {
                        if (!e.advance(offsets)) {
                            break;
                        }
                        Object[] row = new Object[SIG.size()];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = RowCodec.valueAt(e.buffer(), offsets[c]);
                        }
                        rows.add(Arrays.asList(row));
                    }
                }
            }
            return new Read(rows, frames.get(), 0);
        });
        serveStream(remote, b);
        Read got = undecoded.get();
        registry.withdraw(local.ref(), 6, outputA);
        CompletableFuture<Read> decoded = CompletableFuture.supplyAsync(() -> readAll(pieces));
        serveStream(local, a);
        serveStream(remote, b);
        Read expected = decoded.get();
        assertThat(got.rows()).hasSize(3400).isEqualTo(expected.rows());
        assertThat(got.frames()).isEqualTo(expected.frames());

        // pieces merged by a sort key offer undecoded rows too (their keys encoded from the bytes; the merge's order
        // is PartitionReaderMergeTest's), as does one piece, which needs no merge
        List<KeyColumn> key = List.of(new KeyColumn("t", KeyOrder.ASCENDING));
        registry.publish(local.ref(), 6, outputA);
        LocalPartitions.Output outputB = p -> b.iterator();
        registry.publish(remote.ref(), 6, outputB);
        try (RowSource merged = PartitionReader.read(KIT.system(), SIG, key, List.of(pieces))) {
            assertThat(merged).isInstanceOf(EncodedRowSource.class);
        }
        try (RowSource single = PartitionReader.read(KIT.system(), SIG, key, List.of(pieces.subList(0, 1)))) {
            assertThat(single).isInstanceOf(EncodedRowSource.class);
        }
        registry.withdraw(local.ref(), 6, outputA);
        registry.withdraw(remote.ref(), 6, outputB);
    }

    @Test
    void withdrawKeepsANewerOutputAndAFailingLocalReadIsAnUpstreamFailure() {
        TestProbe<Worker.Command> worker = KIT.createTestProbe(Worker.Command.class);
        LocalPartitions registry = LocalPartitions.get(KIT.system());
        LocalPartitions.Output older = p -> List.<Frame>of().iterator();
        LocalPartitions.Output newer = p -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Frame next() {
                throw new java.io.UncheckedIOException(new java.io.IOException("partition file gone"));
            }
        };
        registry.publish(worker.ref(), 7, older);
        registry.publish(worker.ref(), 7, newer);
        registry.withdraw(worker.ref(), 7, older); // a replaced run's withdrawal leaves the newer output
        assertThat(registry.open(worker.ref(), 7, 0)).isNotNull();
        assertThat(registry.open(worker.ref(), 8, 0)).isNull();
        PartitionSource piece = new PartitionSource(7, 3, 2, worker.ref(), 0);
        assertThatThrownBy(() -> readAll(List.of(piece)))
                .isInstanceOf(UpstreamReadException.class)
                .satisfies(e -> assertThat(((UpstreamReadException) e).workerNumber()).isEqualTo(3));
        registry.withdraw(worker.ref(), 7, newer);
        assertThat(registry.open(worker.ref(), 7, 0)).isNull();
    }
}
