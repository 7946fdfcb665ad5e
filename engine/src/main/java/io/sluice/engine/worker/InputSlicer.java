package io.sluice.engine.worker;

import akka.actor.typed.ActorRef;
import io.sluice.engine.actor.Worker;
import io.sluice.engine.input.InputSources;
import io.sluice.engine.input.InputSplit;
import io.sluice.engine.kernel.ControllerQueryKernel;
import io.sluice.engine.plan.ExternalInputSpec;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.InputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.TableInputSpec;
import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for a stage about to start, how many workers run it and what each reads: external files and segments
 * are spread round-robin (whole files, as Druid), upstream partitions go to worker {@code p % n}, broadcast inputs
 * go whole to every worker, literal rows to worker 0. May list files and query the metadata store, so it runs on
 * the blocking executor.
 */
public final class InputSlicer {
    private final MetadataStore metadata;
    private final String taskId;
    private final QuerySpec spec;
    private final ControllerQueryKernel<?, ?> kernel;
    private final List<ActorRef<Worker.Command>> workers;
    private final String segmentVersion;
    private final java.util.Map<String, RowSignature> tableSignatures = new java.util.HashMap<>();

    public InputSlicer(
            MetadataStore metadata,
            String taskId,
            QuerySpec spec,
            ControllerQueryKernel<?, ?> kernel,
            List<ActorRef<Worker.Command>> workers,
            String segmentVersion) {
        this.metadata = metadata;
        this.taskId = taskId;
        this.spec = spec;
        this.kernel = kernel;
        this.workers = List.copyOf(workers);
        this.segmentVersion = segmentVersion;
    }

    /**
     * Druid's type verification of the written columns against the target datasource's existing columns, done as
     * the segments are about to be generated (the datasource may have changed since the statement was planned).
     */
    private void verifyColumnTypes(io.sluice.engine.plan.SegmentGeneratorSpec sg) {
        io.sluice.engine.types.RowSignature existing = metadata.signature(sg.dataSource()).orElse(null);
        if (existing == null) {
            return;
        }
        for (io.sluice.engine.plan.ColumnTypeCheck check : sg.typeChecks()) {
            java.util.Optional<String> message = check.violation(existing.typeOf(check.column()).orElse(null));
            if (message.isPresent()) {
                throw new io.sluice.engine.fault.FaultException(
                        io.sluice.engine.fault.Faults.unknownError(message.get()));
            }
        }
    }

    /** One work order per participating worker (numbered 0..n-1). */
    public List<WorkOrder> workOrders(StageDefinition stage) {
        if (stage.processor() instanceof io.sluice.engine.plan.SegmentGeneratorSpec sg && !sg.typeChecks().isEmpty()) {
            verifyColumnTypes(sg);
        }
        int inputs = stage.inputs().size();
        List<List<Object>> perInputUnits = new ArrayList<>();
        int units = 1;
        for (int i = 0; i < inputs; i++) {
            List<Object> u = units(stage.inputs().get(i));
            perInputUnits.add(u);
            if (i == primaryInput(stage)) {
                units = Math.max(1, u.size());
            }
        }
        int n = Math.max(1, Math.min(Math.min(stage.maxWorkerCount(), workers.size()), units));
        List<List<InputSlice>> slices = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            slices.add(new ArrayList<>());
        }
        for (int i = 0; i < inputs; i++) {
            InputSpec in = stage.inputs().get(i);
            boolean broadcast = stage.broadcastInputs().contains(i);
            for (int w = 0; w < n; w++) {
                List<Object> mine = new ArrayList<>();
                List<Object> all = perInputUnits.get(i);
                for (int k = 0; k < all.size(); k++) {
                    if (broadcast || k % n == w) {
                        mine.add(all.get(k));
                    }
                }
                slices.get(w).add(slice(in, mine, all.size(), w));
            }
        }
        List<WorkOrder> orders = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            orders.add(new WorkOrder(taskId, w, stage, slices.get(w), spec.context(), segmentVersion));
        }
        return orders;
    }

    private static int primaryInput(StageDefinition stage) {
        for (int i = 0; i < stage.inputs().size(); i++) {
            if (!stage.broadcastInputs().contains(i)) {
                return i;
            }
        }
        return 0;
    }

    /** The divisible units of an input: splits, segments, partition numbers, or the literal rows as one. */
    private List<Object> units(InputSpec in) {
        List<Object> out = new ArrayList<>();
        if (in instanceof ExternalInputSpec e) {
            out.addAll(InputSources.split(e.inputSource()));
        } else if (in instanceof TableInputSpec t) {
            long[] range = range(t.intervals());
            out.addAll(metadata.visibleSegments(t.dataSource(), range[0], range[1]));
        } else if (in instanceof StageInputSpec s) {
            int p = kernel.partitionCount(s.stage());
            for (int i = 0; i < p; i++) {
                out.add(i);
            }
        } else {
            out.add(in);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private InputSlice slice(InputSpec in, List<Object> mine, int total, int worker) {
        if (in instanceof ExternalInputSpec e) {
            return new InputSlice.External(
                    e.inputFormat(), e.signature(), (List<InputSplit>) (List<?>) mine, total);
        }
        if (in instanceof TableInputSpec t) {
            long[] range = range(t.intervals());
            RowSignature sig = tableSignatures.computeIfAbsent(t.dataSource(), ds -> metadata.signature(ds)
                    .orElse(RowSignature.builder().add("__time", io.sluice.engine.types.ColumnType.LONG).build()));
            List<String> paths = new ArrayList<>();
            List<InputSlice.SegmentFacts> facts = new ArrayList<>();
            for (Object o : mine) {
                DataSegment d = (DataSegment) o;
                paths.add(d.loadSpecPath());
                facts.add(new InputSlice.SegmentFacts(d.start(), d.end(), d.numRows(), d.size()));
            }
            return new InputSlice.Table(t.dataSource(), sig, paths, range[0], range[1], facts);
        }
        if (in instanceof StageInputSpec s) {
            StageDefinition up = spec.queryDefinition().stage(s.stage());
            List<KeyColumn> sortKey = up.doesSort() ? up.shuffleSpec().clusterBy().columns() : List.of();
            int upstreamWorkers = kernel.workerCount(s.stage());
            List<List<PartitionSource>> parts = new ArrayList<>();
            for (Object o : mine) {
                int p = (Integer) o;
                List<PartitionSource> pieces = new ArrayList<>();
                if (up.shuffleSpec() == null) {
                    // Unshuffled output: global partition p is worker p's local partition 0.
                    pieces.add(new PartitionSource(s.stage(), p, kernel.workerAttempt(p), workers.get(p), 0));
                } else {
                    for (int w = 0; w < upstreamWorkers; w++) {
                        pieces.add(new PartitionSource(s.stage(), w, kernel.workerAttempt(w), workers.get(w), p));
                    }
                }
                parts.add(pieces);
            }
            return new InputSlice.Stage(s.stage(), up.signature(), sortKey, parts);
        }
        InlineRowsInputSpec inline = (InlineRowsInputSpec) in;
        return new InputSlice.Inline(
                worker == 0 ? inline : new InlineRowsInputSpec(inline.signature(), List.of()));
    }

    private static long[] range(List<String> intervals) {
        if (intervals.isEmpty()) {
            return new long[] {Intervals.ETERNITY_START, Intervals.ETERNITY_END};
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (String i : intervals) {
            long[] r = Intervals.parse(i);
            start = Math.min(start, r[0]);
            end = Math.max(end, r[1]);
        }
        return new long[] {start, end};
    }
}
