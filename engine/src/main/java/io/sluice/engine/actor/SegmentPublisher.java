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
 * transaction: readers see every segment of the task or none. INSERT appends to the time chunks that hold data
 * ({@link MetadataStore#publishAppending}); REPLACE overwrites, with tombstones. Runs on the blocking executor.
 */
final class SegmentPublisher {
    private final MetadataStore metadata;
    private final QuerySpec spec;

    SegmentPublisher(MetadataStore metadata, QuerySpec spec) {
        this.metadata = metadata;
        this.spec = spec;
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
        checkSegmentsPerChunk(dest, byInterval);
        List<DataSegment> segments = new ArrayList<>();
        for (List<GeneratedSegment> chunk : byInterval.values()) {
            for (int i = 0; i < chunk.size(); i++) {
                GeneratedSegment g = chunk.get(i);
                segments.add(g.toDataSegment(dest.dataSource(), version, i, DataSegment.NUMBERED, chunk.size()));
            }
        }
        if (dest.replaceTimeChunks() == null) {
            // INSERT appends: a time chunk that holds segments gets the new ones in its version, numbered after them
            try {
                return metadata.publishAppending(dest.dataSource(), segments);
            } catch (MetadataStore.AllocationConflict e) {
                throw new FaultException(
                        Faults.insertCannotAllocateSegment(dest.dataSource(), e.interval(), e.allocatedInterval()));
            }
        }
        segments.addAll(tombstones(dest, segments, version));
        metadata.publishSegments(dest.dataSource(), segments, dest.replaceTimeChunks());
        return segments;
    }

    /** {@code maxNumSegments} (context): no time chunk may get more segments (TooManySegmentsInTimeChunk). */
    private void checkSegmentsPerChunk(Destination.DataSource dest, Map<String, List<GeneratedSegment>> byInterval) {
        Object max = spec.context().get("maxNumSegments");
        if (max == null) {
            return;
        }
        int limit = Integer.parseInt(String.valueOf(max).trim());
        for (List<GeneratedSegment> chunk : byInterval.values()) {
            if (chunk.size() > limit) {
                io.sluice.engine.types.Granularity g = dest.segmentGranularity();
                String granularity = g.isAll() || !g.name().startsWith("P") ? g.name() : g.describe();
                throw new FaultException(Faults.tooManySegmentsInTimeChunk(
                        io.sluice.engine.types.Intervals.formatInstant(chunk.get(0).start()), chunk.size(), limit,
                        granularity));
            }
        }
    }

    /** Druid's limit on time chunks (TooManyBuckets). */
    static final int MAX_BUCKETS = 5_000;

    /**
     * REPLACE: every time chunk of the overwritten range that holds existing data but gets no new segment is marked
     * empty by a tombstone, so the old data there disappears with the same version as the new data.
     */
    private List<DataSegment> tombstones(Destination.DataSource dest, List<DataSegment> fresh, String version) {
        io.sluice.engine.types.Granularity g = dest.segmentGranularity();
        java.util.Set<String> filled = new java.util.HashSet<>();
        for (DataSegment s : fresh) {
            filled.add(s.start() + "/" + s.end());
        }
        List<long[]> replaced = new ArrayList<>();
        for (String i : dest.replaceTimeChunks()) {
            replaced.add(io.sluice.engine.types.Intervals.parse(i));
        }
        java.util.TreeMap<Long, Long> chunks = new java.util.TreeMap<>();
        for (DataSegment old : metadata.usedSegments(dest.dataSource())) {
            if (old.isTombstone()) {
                continue;
            }
            for (long[] r : replaced) {
                long start = Math.max(r[0], old.start());
                long end = Math.min(r[1], old.end());
                if (start >= end) {
                    continue;
                }
                if (g.isAll()) {
                    chunks.put(io.sluice.engine.types.Intervals.ETERNITY_START, io.sluice.engine.types.Intervals.ETERNITY_END);
                    continue;
                }
                if (start <= io.sluice.engine.types.Intervals.ETERNITY_START
                        || end >= io.sluice.engine.types.Intervals.ETERNITY_END) {
                    throw new FaultException(Faults.tooManyBuckets(MAX_BUCKETS));
                }
                for (long b = g.bucketStart(start); b < end; b = g.bucketEnd(b)) {
                    chunks.put(b, g.bucketEnd(b));
                    if (chunks.size() > MAX_BUCKETS) {
                        throw new FaultException(Faults.tooManyBuckets(MAX_BUCKETS));
                    }
                }
            }
        }
        List<DataSegment> out = new ArrayList<>();
        for (java.util.Map.Entry<Long, Long> c : chunks.entrySet()) {
            if (!filled.contains(c.getKey() + "/" + c.getValue())) {
                out.add(DataSegment.tombstone(dest.dataSource(), c.getKey(), c.getValue(), version));
            }
        }
        return out;
    }
}
