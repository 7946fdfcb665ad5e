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

    private final Iterator<Path> files;
    private final Consumer<SegmentReader> preload;
    private final int ahead;
    private final ArrayDeque<CompletableFuture<SegmentReader>> pending = new ArrayDeque<>();

    /**
     * @param preload decodes what the reader will be asked for (it runs on a pool thread)
     * @param ahead how many segments are opened ahead of the one being read; 0: each is opened when asked for, on the
     *     caller's thread (for readers that decode nothing, where a hand-over would only add latency)
     */
    public SegmentPrefetch(List<Path> files, Consumer<SegmentReader> preload, int ahead) {
        this.files = List.copyOf(requireNonNull(files, "files is null")).iterator();
        this.preload = requireNonNull(preload, "preload is null");
        this.ahead = Math.max(0, ahead);
        fill();
    }

    private void fill() {
        while (pending.size() < ahead && files.hasNext()) {
            Path file = files.next();
            pending.add(CompletableFuture.supplyAsync(() -> {
                SegmentReader r = SegmentReader.open(file);
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
        return !pending.isEmpty() || (ahead == 0 && files.hasNext());
    }

    /** The next segment, opened and preloaded; failures of opening or decoding surface here. */
    @Override
    public SegmentReader next() {
        if (ahead == 0) {
            return SegmentReader.open(files.next());
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
