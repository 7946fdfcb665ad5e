package io.sluice.engine.worker;

import akka.actor.typed.ActorRef;
import io.sluice.engine.actor.Worker;

/**
 * One piece of an upstream partition: the upstream worker holding it (its number, attempt and reference), and its
 * local stage/partition number.
 */
public record PartitionSource(int stage, int workerNumber, int attempt, ActorRef<Worker.Command> worker, int partition) {
    /** The same piece, held by another attempt of the worker. */
    public PartitionSource withWorker(int newAttempt, ActorRef<Worker.Command> newWorker) {
        return new PartitionSource(stage, workerNumber, newAttempt, newWorker, partition);
    }
}
