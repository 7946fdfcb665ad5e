package io.sluice.engine.worker;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.stream.Attributes;
import akka.stream.StreamRefAttributes;
import akka.stream.javadsl.StreamConverters;
import io.sluice.engine.actor.Worker;
import io.sluice.engine.frame.ByteSource;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.frame.RowCodec;
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
        return sequenceEncoded(copy.size(), i -> readOne(system, signature, sortKey, copy.get(i), onFrame, cache));
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

    private static EncodedRowSource readOne(
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
        return mergeEncoded(sources, new KeyCodec(signature, sortKey), signature.size(), cache);
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

    /**
     * K-way merge of sorted sources by byte-comparable keys, the keys encoded from the rows' bytes: rows can be taken
     * undecoded ({@link EncodedRowSource#advance}) or decoded ({@code next}, strings through {@code cache}). Ties go
     * to the source listed first. A row taken stays in its source's buffer until the next is taken.
     */
    static EncodedRowSource mergeEncoded(
            List<EncodedRowSource> sources, KeyCodec codec, int columns, StringCache cache) {
        int n = sources.size();
        int[][] offsets = new int[n][columns];
        byte[][] keys = new byte[n][];
        PriorityQueue<Integer> heap = new PriorityQueue<>(Math.max(1, n), (a, b) -> {
            int c = KeyCodec.compare(keys[a], keys[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        return new EncodedRowSource() {
            private boolean started;
            /** The source whose row was taken last: it moves on only when the next row is asked for. */
            private int last = -1;
            private final int[] scratch = new int[columns];

            private void pull(int i) {
                EncodedRowSource s = sources.get(i);
                if (s.advance(offsets[i])) {
                    keys[i] = codec.encode(s.buffer(), offsets[i]);
                    heap.add(i);
                }
            }

            @Override
            public boolean advance(int[] out) {
                if (!started) {
                    started = true;
                    for (int i = 0; i < n; i++) {
                        pull(i);
                    }
                } else if (last >= 0) {
                    pull(last);
                }
                Integer i = heap.poll();
                if (i == null) {
                    last = -1;
                    return false;
                }
                last = i;
                System.arraycopy(offsets[i], 0, out, 0, Math.min(columns, out.length));
                return true;
            }

            @Override
            public byte[] buffer() {
                return sources.get(last).buffer();
            }

            @Override
            public Object[] next() {
                if (!advance(scratch)) {
                    return null;
                }
                byte[] buf = buffer();
                Object[] row = new Object[columns];
                for (int c = 0; c < columns; c++) {
                    row[c] = RowCodec.readValue(new ByteSource(buf, scratch[c], buf.length), cache, c);
                }
                return row;
            }

            @Override
            public void close() {
                sources.forEach(RowSource::close);
            }
        };
    }
}
