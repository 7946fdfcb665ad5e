package io.sluice.engine.actor;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.segment.GeneratedSegment;
import io.sluice.engine.storage.MetadataStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers the segments every worker generated (partitionNum per time chunk) and publishes them all in one metadata
 * transaction: readers see every segment of the task or none. Runs on the blocking executor.
 */
final class SegmentPublisher {
    private final MetadataStore metadata;
    private final QuerySpec spec;
    private final String taskId;

    SegmentPublisher(MetadataStore metadata, QuerySpec spec, String taskId) {
        this.metadata = metadata;
        this.spec = spec;
        this.taskId = taskId;
    }

    List<DataSegment> publish(List<GeneratedSegment> generated, String version) {
        Destination.DataSource dest = (Destination.DataSource) spec.destination();
        boolean failOnEmpty = Boolean.parseBoolean(String.valueOf(spec.context().getOrDefault("failOnEmptyInsert", "false")));
        if (generated.isEmpty() && failOnEmpty) {
            throw new FaultException(Faults.insertCannotBeEmpty(dest.dataSource()));
        }
        Map<String, List<GeneratedSegment>> byInterval = new LinkedHashMap<>();
        generated.stream()
                .sorted(java.util.Comparator.comparingLong(GeneratedSegment::start))
                .forEach(g -> byInterval.computeIfAbsent(g.start() + "/" + g.end(), k -> new ArrayList<>()).add(g));
        List<DataSegment> segments = new ArrayList<>();
        for (List<GeneratedSegment> chunk : byInterval.values()) {
            for (int i = 0; i < chunk.size(); i++) {
                GeneratedSegment g = chunk.get(i);
                segments.add(g.toDataSegment(dest.dataSource(), version, i, DataSegment.NUMBERED, chunk.size()));
            }
        }
        metadata.publishSegments(dest.dataSource(), segments, dest.replaceTimeChunks());
        return segments;
    }

    String taskId() {
        return taskId;
    }
}
