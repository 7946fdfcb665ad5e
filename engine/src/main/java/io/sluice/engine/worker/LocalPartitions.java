package io.sluice.engine.worker;

import static java.util.Objects.requireNonNull;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.sluice.engine.frame.Frame;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stage outputs of the workers of one node (one {@link ActorSystem}), by worker reference and stage, so that a
 * reader on the same node takes a partition's frames straight from its local file instead of through a
 * {@code SourceRef} (wire chunks, stream stages, copies). The frames are the same ones either way, so rows and
 * counters are too. A worker publishes a stage's output once it is partitioned and withdraws it when the output is
 * cleaned up, replaced or the worker stops; a reader that finds nothing here (another node, or a worker that is
 * gone) asks the worker over the stream, as before.
 */
public final class LocalPartitions implements Extension {
    /**
     * Frames of one partition of a published output; a fresh iterator per call. A frame needs to stay valid only
     * until the iterator's next {@code next()}: readers decode a frame before they ask for the next.
     */
    @FunctionalInterface
    public interface Output {
        Iterator<Frame> readPartition(int partition);
    }

    private record Key(ActorRef<?> worker, int stage) {}

    private static final Id ID = new Id();

    private final ConcurrentHashMap<Key, Output> outputs = new ConcurrentHashMap<>();

    private LocalPartitions() {}

    /** The registry of {@code system}'s workers. */
    public static LocalPartitions get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** Makes {@code worker}'s output of {@code stage} readable in place (replacing any earlier one). */
    public void publish(ActorRef<?> worker, int stage, Output output) {
        outputs.put(new Key(requireNonNull(worker, "worker is null"), stage), requireNonNull(output, "output is null"));
    }

    /** Withdraws {@code output} if it is still the one published for ({@code worker}, {@code stage}). */
    public void withdraw(ActorRef<?> worker, int stage, Output output) {
        outputs.remove(new Key(worker, stage), output);
    }

    /** Frames of the partition when {@code worker} is on this node and published the stage; else null. */
    public Iterator<Frame> open(ActorRef<?> worker, int stage, int partition) {
        Output o = outputs.get(new Key(worker, stage));
        return o == null ? null : o.readPartition(partition);
    }

    private static final class Id extends ExtensionId<LocalPartitions> {
        @Override
        public LocalPartitions createExtension(ActorSystem<?> system) {
            return new LocalPartitions();
        }
    }
}
