package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.segment.SegmentReader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Opens segments in order and decodes the columns a reader needs a few segments ahead, on a small shared pool of
 * daemon threads (one per core), so that decompressing the next segments overlaps folding the current one. Segments
 * come back in the given order; the caller closes each. Closing the prefetch closes the segments it still holds.
 */
public final class SegmentPrefetch implements Iterator<SegmentReader>, AutoCloseable {
    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "sluice-segment-prefetch");
                t.setDaemon(true);
                return t;
            });

    /** The segments not handed to a pool thread yet: paths, or readers the caller opened already. */
    private final ArrayDeque<Object> left;
    private final Consumer<SegmentReader> preload;
    private final int ahead;
    private final ArrayDeque<CompletableFuture<SegmentReader>> pending = new ArrayDeque<>();

    /**
     * @param preload decodes what the reader will be asked for (it runs on a pool thread)
     * @param ahead how many segments are opened ahead of the one being read; 0: each is opened when asked for, on the
     *     caller's thread (for readers that decode nothing, where a hand-over would only add latency)
     */
    public SegmentPrefetch(List<Path> files, Consumer<SegmentReader> preload, int ahead) {
        this(new ArrayDeque<>(List.copyOf(requireNonNull(files, "files is null"))), preload, ahead);
    }

    private SegmentPrefetch(ArrayDeque<Object> left, Consumer<SegmentReader> preload, int ahead) {
        this.left = left;
        this.preload = requireNonNull(preload, "preload is null");
        this.ahead = Math.max(0, ahead);
        fill();
    }

    /**
     * As {@link #SegmentPrefetch(List, Consumer, int)} over segments the caller has opened already (to check their
     * columns before choosing this path): each is preloaded ahead as a file would be, not opened again. They belong to
     * the prefetch from now on: those never handed out are closed with it.
     */
    public static SegmentPrefetch ofOpen(List<SegmentReader> readers, Consumer<SegmentReader> preload, int ahead) {
        return new SegmentPrefetch(new ArrayDeque<>(List.copyOf(requireNonNull(readers, "readers is null"))),
                preload, ahead);
    }

    private static SegmentReader open(Object segment) {
        return segment instanceof SegmentReader r ? r : SegmentReader.open((Path) segment);
    }

    private void fill() {
        while (pending.size() < ahead && !left.isEmpty()) {
            Object segment = left.poll();
            pending.add(CompletableFuture.supplyAsync(() -> {
                SegmentReader r = open(segment);
                try {
                    preload.accept(r);
                } catch (RuntimeException | Error e) {
                    r.close();
                    throw e;
                }
                return r;
            }, POOL));
        }
    }

    @Override
    public boolean hasNext() {
        return !pending.isEmpty() || (ahead == 0 && !left.isEmpty());
    }

    /** The next segment, opened and preloaded; failures of opening or decoding surface here. */
    @Override
    public SegmentReader next() {
        if (ahead == 0) {
            if (left.isEmpty()) {
                throw new java.util.NoSuchElementException();
            }
            return open(left.poll());
        }
        CompletableFuture<SegmentReader> f = pending.poll();
        if (f == null) {
            throw new java.util.NoSuchElementException();
        }
        fill();
        return Futures.join(f);
    }

    @Override
    public void close() {
        Object segment;
        while ((segment = left.poll()) != null) {
            if (segment instanceof SegmentReader r) {
                r.close();
            }
        }
        CompletableFuture<SegmentReader> f;
        while ((f = pending.poll()) != null) {
            f.whenComplete((r, e) -> {
                if (r != null) {
                    r.close();
                }
            });
        }
    }
}
