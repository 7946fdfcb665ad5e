package io.sluice.engine.worker;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.stream.Attributes;
import akka.stream.StreamRefAttributes;
import akka.stream.javadsl.StreamConverters;
import io.sluice.engine.actor.Worker;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.frame.StringCache;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;

/**
 * Pulls partitions of an upstream stage from the workers that hold them, as Akka Streams {@code SourceRef}s of
 * frames (back-pressured, node to node), and turns them into rows: the pieces of one partition are merged k-way by
 * the upstream sort key when sorted, and partitions follow each other in order. Runs on a blocking thread.
 */
public final class PartitionReader {
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);
    private static final int WIRE_CHUNKS_BUFFERED = Math.max(2, (1 << 20) / FrameWire.CHUNK_BYTES);

    private PartitionReader() {}

    /**
     * Rows of the given partitions, in partition order. The source is an {@link EncodedRowSource} (rows can be taken
     * undecoded) unless a partition's pieces must be merged by a sort key.
     */
    public static RowSource read(
            ActorSystem<?> system, RowSignature signature, List<KeyColumn> sortKey, List<List<PartitionSource>> parts) {
        return read(system, signature, sortKey, parts, bytes -> {});
    }

    /** As above; {@code onFrame} gets the size in bytes of every frame received (for the input counters). */
    public static RowSource read(
            ActorSystem<?> system,
            RowSignature signature,
            List<KeyColumn> sortKey,
            List<List<PartitionSource>> parts,
            LongConsumer onFrame) {
        List<List<PartitionSource>> copy = List.copyOf(parts);
        // one string cache for all partitions and pieces: they are all read on the consumer's thread
        StringCache cache = new StringCache(signature.size());
        boolean merges = !sortKey.isEmpty() && copy.stream().anyMatch(pieces -> pieces.size() > 1);
        if (!merges) {
            return sequenceEncoded(copy.size(),
                    i -> (EncodedRowSource) readOne(system, signature, sortKey, copy.get(i), onFrame, cache));
        }
        return sequence(copy.size(), i -> readOne(system, signature, sortKey, copy.get(i), onFrame, cache));
    }

    /** As {@link #sequence}, for sources whose rows can be taken undecoded. */
    static EncodedRowSource sequenceEncoded(int count, java.util.function.IntFunction<EncodedRowSource> open) {
        return new EncodedSequence(count, open);
    }

    /**
     * The rows of {@code count} sources one after the other; source i is opened only when source i-1 is exhausted
     * (and closed then), so at most one is open at a time.
     */
    public static RowSource sequence(int count, java.util.function.IntFunction<RowSource> open) {
        return new Sequence<>(count, open);
    }

    private static class Sequence<S extends RowSource> implements RowSource {
        private final int count;
        private final java.util.function.IntFunction<S> open;
        private int next;
        protected S current;

        Sequence(int count, java.util.function.IntFunction<S> open) {
            this.count = count;
            this.open = open;
        }

        @Override
        public Object[] next() {
            while (true) {
                if (current != null) {
                    Object[] row = current.next();
                    if (row != null) {
                        return row;
                    }
                    current.close();
                    current = null;
                }
                if (!openNext()) {
                    return null;
                }
            }
        }

        /** Opens the next source; false when none is left. */
        protected boolean openNext() {
            if (next >= count) {
                return false;
            }
            current = open.apply(next++);
            return true;
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    private static final class EncodedSequence extends Sequence<EncodedRowSource> implements EncodedRowSource {
        EncodedSequence(int count, java.util.function.IntFunction<EncodedRowSource> open) {
            super(count, open);
        }

        @Override
        public boolean advance(int[] offsets) {
            while (true) {
                if (current != null) {
                    if (current.advance(offsets)) {
                        return true;
                    }
                    current.close();
                    current = null;
                }
                if (!openNext()) {
                    return false;
                }
            }
        }

        @Override
        public byte[] buffer() {
            return current.buffer();
        }
    }

    /** Rows of one partition spread over several workers. */
    public static RowSource readOne(
            ActorSystem<?> system, RowSignature signature, List<KeyColumn> sortKey, List<PartitionSource> pieces) {
        return readOne(system, signature, sortKey, pieces, bytes -> {}, new StringCache(signature.size()));
    }

    private static RowSource readOne(
            ActorSystem<?> system,
            RowSignature signature,
            List<KeyColumn> sortKey,
            List<PartitionSource> pieces,
            LongConsumer onFrame,
            StringCache cache) {
        List<EncodedRowSource> sources = new ArrayList<>();
        for (PartitionSource p : pieces) {
            sources.add(open(system, signature, p, onFrame, cache));
        }
        if (sources.size() == 1) {
            return sources.get(0);
        }
        if (sortKey.isEmpty() || sources.isEmpty()) {
            return sequenceEncoded(sources.size(), sources::get);
        }
        return merge(new ArrayList<>(sources), new KeyCodec(signature, sortKey));
    }

    private static EncodedRowSource open(
            ActorSystem<?> system, RowSignature signature, PartitionSource p, LongConsumer onFrame, StringCache cache) {
        Iterator<Frame> frames;
        try {
            // a piece held on this node is read from its file in place: same frames, no stream
            frames = LocalPartitions.get(system).open(p.worker(), p.stage(), p.partition());
        } catch (RuntimeException e) {
            throw new UpstreamReadException(p, e);
        }
        if (frames == null) {
            frames = stream(system, p);
        }
        Iterator<Frame> source = frames;
        return new EncodedRowSource() {
            private EncodedRowSource rows;

            @Override
            public Object[] next() {
                while (true) {
                    if (rows != null) {
                        Object[] r = rows.next();
                        if (r != null) {
                            return r;
                        }
                        rows = null;
                    }
                    if (!nextFrame()) {
                        return null;
                    }
                }
            }

            @Override
            public boolean advance(int[] offsets) {
                while (true) {
                    if (rows != null) {
                        if (rows.advance(offsets)) {
                            return true;
                        }
                        rows = null;
                    }
                    if (!nextFrame()) {
                        return false;
                    }
                }
            }

            @Override
            public byte[] buffer() {
                return rows.buffer();
            }

            private boolean nextFrame() {
                Frame next;
                try {
                    if (!source.hasNext()) {
                        return false;
                    }
                    next = source.next();
                } catch (RuntimeException e) {
                    throw new UpstreamReadException(p, e); // the stream from the upstream worker broke
                }
                onFrame.accept(next.sizeBytes());
                rows = FrameReader.rows(signature.size(), next, cache);
                return true;
            }
        };
    }

    /** The partition's frames over an Akka {@code SourceRef} from the worker holding it. */
    private static Iterator<Frame> stream(ActorSystem<?> system, PartitionSource p) {
        try {
            Worker.PartitionStream stream = AskPattern.<Worker.Command, Worker.PartitionStream>ask(
                            p.worker(),
                            replyTo -> new Worker.GetPartition(stageOf(p), p.partition(), replyTo),
                            ASK_TIMEOUT,
                            system.scheduler())
                    .toCompletableFuture()
                    .join();
            // Bounded buffers: about 1 MB of wire chunks per upstream piece (as Druid's 1 MB per upstream worker)
            // and a couple of decoded frames, so a reader's memory does not grow with the number of pieces it
            // merges (Akka's defaults, 32 chunks and 16 frames, would hold ~20 MB per piece).
            return stream.frames()
                    .getSource()
                    .withAttributes(StreamRefAttributes.bufferCapacity(WIRE_CHUNKS_BUFFERED))
                    .statefulMapConcat(() -> {
                        FrameWire.Decoder decoder = new FrameWire.Decoder();
                        return decoder::accept;
                    })
                    .runWith(StreamConverters.<Frame>asJavaStream().withAttributes(Attributes.inputBuffer(1, 2)),
                            system)
                    .iterator();
        } catch (RuntimeException e) {
            throw new UpstreamReadException(p, e);
        }
    }

    private static int stageOf(PartitionSource p) {
        return p.stage();
    }

    /** The sources one after the other. */
    public static RowSource concat(List<RowSource> sources) {
        return new RowSource() {
            private int i;

            @Override
            public Object[] next() {
                while (i < sources.size()) {
                    Object[] r = sources.get(i).next();
                    if (r != null) {
                        return r;
                    }
                    sources.get(i++).close();
                }
                return null;
            }

            @Override
            public void close() {
                sources.forEach(RowSource::close);
            }
        };
    }

    /** K-way merge of sorted sources by byte-comparable keys. */
    static RowSource merge(List<RowSource> sources, KeyCodec codec) {
        record Head(byte[] key, Object[] row, int source) {}
        PriorityQueue<Head> heap = new PriorityQueue<>((a, b) -> {
            int c = KeyCodec.compare(a.key(), b.key());
            return c != 0 ? c : Integer.compare(a.source(), b.source());
        });
        for (int i = 0; i < sources.size(); i++) {
            Object[] r = sources.get(i).next();
            if (r != null) {
                heap.add(new Head(codec.encode(r), r, i));
            }
        }
        return new RowSource() {
            @Override
            public Object[] next() {
                Head h = heap.poll();
                if (h == null) {
                    return null;
                }
                Object[] nextRow = sources.get(h.source()).next();
                if (nextRow != null) {
                    heap.add(new Head(codec.encode(nextRow), nextRow, h.source()));
                }
                return h.row();
            }

            @Override
            public void close() {
                sources.forEach(RowSource::close);
            }
        };
    }
}
