package io.sluice.engine.worker;

import akka.actor.typed.ActorRef;
import io.sluice.engine.actor.Worker;

/** One piece of an upstream partition: the upstream worker holding it, and its local stage/partition number. */
public record PartitionSource(int stage, int workerNumber, ActorRef<Worker.Command> worker, int partition) {}
