package io.sluice.engine.worker;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.exec.EncodedPostShuffle;
import io.sluice.engine.exec.KeyStatistics;
import io.sluice.engine.exec.MemoryLoan;
import io.sluice.engine.exec.PartitionBoundaries;
import io.sluice.engine.exec.RowTransformer;
import io.sluice.engine.exec.SegmentGroupBy;
import io.sluice.engine.exec.SegmentTopN;
import io.sluice.engine.exec.StageOutput;
import io.sluice.engine.exec.StageProcessors;
import io.sluice.engine.export.CsvExporter;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.input.CountingRowSource;
import io.sluice.engine.input.InputFormats;
import io.sluice.engine.input.InputSplit;
import io.sluice.engine.input.ParseError;
import io.sluice.engine.input.ParseErrorPolicy;
import io.sluice.engine.json.Json;
import io.sluice.engine.kernel.ControllerQueryKernel;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.GeneratedSegment;
import io.sluice.engine.segment.SegmentGenerationCounters;
import io.sluice.engine.segment.SegmentGenerator;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Runs one work order on one worker, on a blocking thread: reads the stage's input slice (external files, segments,
 * upstream partitions pulled over Akka Streams, or literal rows), runs the stage processor, and sorts/partitions the
 * output onto local disk ({@link StageOutput}); or, for a segmentGenerator stage, builds and pushes segments.
 * Phase one ends with key statistics (when range boundaries are needed); phase two partitions.
 */
public final class WorkerStageRunner implements AutoCloseable {
    private static final int MAX_FRAME_BYTES = 1_000_000;

    private final WorkOrder order;
    private final int attempt;
    private final StageDefinition stage;
    private final WorkerResources resources;
    private final Path workDir;
    private final AtomicBoolean canceled;
    private final ActorSystem<?> system;
    private final InputCounters input = new InputCounters();
    private final SegmentGenerationCounters segmentCounters = new SegmentGenerationCounters();
    private ParseErrorPolicy parsePolicy;
    private StageOutput output;
    private final List<GeneratedSegment> segments = new ArrayList<>();
    private volatile String currentSource = "";
    private volatile String currentInputSource = "";

    /**
     * @param attempt the worker's attempt number (its task id ends in {@code _<attempt>})
     * @param workerDir this run's own directory (a re-run of the same stage gets another one)
     * @param canceled set when this run is abandoned (query ended, or the work order was sent again)
     */
    public WorkerStageRunner(
            WorkOrder order,
            int attempt,
            WorkerResources resources,
            Path workerDir,
            AtomicBoolean canceled,
            ActorSystem<?> system) {
        this.order = order;
        this.attempt = attempt;
        this.stage = order.stage();
        this.resources = resources;
        this.workDir = workerDir.resolve("stage" + stage.stageNumber());
        this.canceled = canceled;
        this.system = system;
    }

    public boolean needsBoundaries() {
        return ControllerQueryKernel.needsStatistics(stage);
    }

    public String describe() {
        return "running stage " + stage.stageNumber() + (currentSource.isEmpty() ? "" : " on " + currentSource);
    }

    /**
     * Rows of a stage input read on the worker's own thread before the rest are read and processed on a thread of
     * their own (see {@link io.sluice.engine.input.PrefetchingRowSource#ahead}): small inputs start no thread.
     */
    static final long AHEAD_AFTER_ROWS = 50_000;

    /** Reads all input and processes it; returns key statistics when the stage needs range boundaries, else null. */
    public KeyStatistics runPhaseOne() {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long maxParse = contextLong("maxParseExceptions", 0);
        parsePolicy = new ParseErrorPolicy(maxParse);
        InputSlice primary = order.inputs().get(0);
        RowSignature inputSignature = signatureOf(primary);
        if (stage.processor() instanceof io.sluice.engine.plan.ScanProcessorSpec && primary instanceof InputSlice.Table t
                && order.inputs().size() == 1) {
            java.util.Optional<SegmentTopN> topN = segmentTopN(t);
            if (topN.isPresent()) {
                output = new StageOutput(stage, workDir, resources.memoryPerWorkerBytes() / 2, MAX_FRAME_BYTES);
                runTopN(topN.get(), t);
                KeyStatistics stats = output.finishAndCollectStatistics();
                return needsBoundaries() ? stats : null;
            }
        }
        io.sluice.engine.plan.JoinSpec join = stage.processor() instanceof io.sluice.engine.plan.ScanProcessorSpec scan
                ? scan.join()
                : stage.processor() instanceof GroupByPreShuffleSpec g ? g.join() : null;
        InputSlice.Stage right = join == null ? null : (InputSlice.Stage) order.inputs().get(join.broadcastInput());
        boolean mergeJoin = join != null && join.shuffled() && primary instanceof InputSlice.Stage left
                && left.partitions().size() == right.partitions().size();
        List<Object[]> rightRows = join == null || mergeJoin ? null : readBroadcast(right);
        if (stage.processor() instanceof GroupByPreShuffleSpec g && primary instanceof InputSlice.Table t
                && order.inputs().size() == (join == null ? 1 : 2)) {
            RowSource columnar = columnarGroupBy(g, t, right, rightRows);
            if (columnar != null) {
                try (RowSource processed = columnar) {
                    output = new StageOutput(stage, workDir, resources.memoryPerWorkerBytes() / 2, MAX_FRAME_BYTES);
                    Object[] row;
                    while ((row = processed.next()) != null) {
                        output.add(row);
                    }
                }
                KeyStatistics stats = output.finishAndCollectStatistics();
                return needsBoundaries() ? stats : null;
            }
        }
        // A plain scan of external data (no join, union, UNNEST or LIMIT) runs its filter, projection and NUL check
        // on each file's parsing thread, row by row; this thread then only sorts and writes the rows. So does a
        // pre-shuffle GROUP BY (with dimensions, no join): it only combines partial groups, which the shuffle and the
        // post-shuffle stage merge anyway, so combining each file's rows on their own is as good.
        boolean rowwiseScan = stage.processor() instanceof io.sluice.engine.plan.ScanProcessorSpec scan
                && scan.join() == null && scan.unnest() == null && scan.limit() == null;
        boolean perFileGroupBy = stage.processor() instanceof GroupByPreShuffleSpec g && g.join() == null
                && !g.dimensions().isEmpty() && contextBoolean("groupByEnableMultiValueUnnesting", true);
        RowTransformer onParseThread = null;
        if (primary instanceof InputSlice.External && order.inputs().size() == 1 && (rowwiseScan || perFileGroupBy)) {
            // the parsed rows are made for the processor (one new array per row) and not read again
            onParseThread = StageProcessors.create(
                    stage.processor(), inputSignature, stage.signature(), order.workerNumber(), true);
        }
        if (onParseThread != null && contextBoolean(ENCODED_SCAN_KEY, true)
                && InputFormats.encodable(((InputSlice.External) primary).inputFormat(), inputSignature)) {
            // the rows (or a GROUP BY's partial groups) written on the parse thread as the output's bytes
            output = new StageOutput(stage, workDir, resources.memoryPerWorkerBytes() / 2, MAX_FRAME_BYTES);
            boolean refuseNul = !contextBoolean("removeNullBytes", false);
            GroupByPreShuffleSpec grouping = rowwiseScan ? null : (GroupByPreShuffleSpec) stage.processor();
            // a complete GROUP BY finishes its partial groups itself and adds its output as values
            boolean completing = grouping != null && grouping.complete() != null;
            java.util.Optional<io.sluice.engine.exec.EncodedScan> encoded = !output.acceptsEncoded() && !completing
                    ? java.util.Optional.empty()
                    : rowwiseScan
                    ? io.sluice.engine.exec.EncodedScan.of(stage.processor(), inputSignature, output.keyPositions(),
                            refuseNul)
                    : io.sluice.engine.exec.EncodedScan.ofPartialGroups(grouping, inputSignature,
                            completing ? grouping.intermediateSignature() : stage.signature(), refuseNul);
            if (encoded.isPresent()) {
                runEncodedScan((InputSlice.External) primary, encoded.get(),
                        rowwiseScan ? onParseThread : StageProcessors.partialGroups(grouping, inputSignature),
                        completing ? grouping : null);
                KeyStatistics stats = output.finishAndCollectStatistics();
                return needsBoundaries() ? stats : null;
            }
        }
        RowSource opened = onParseThread != null ? external((InputSlice.External) primary, onParseThread) : open(primary);
        int joinRight = join == null ? -1 : join.broadcastInput();
        for (int i = 1; i < order.inputs().size(); i++) {
            // Further non-broadcast inputs (UNION ALL branches) follow the first, column by column position.
            if (!stage.broadcastInputs().contains(i) && i != joinRight) {
                opened = PartitionReader.concat(List.of(opened, open(order.inputs().get(i))));
            }
        }
        if (mergeJoin) {
            opened.close();
            opened = mergeJoinPartitions(
                    new io.sluice.engine.exec.MergeJoinTransformer(join, inputSignature, right.signature()),
                    (InputSlice.Stage) primary, right);
            inputSignature = io.sluice.engine.exec.JoinTransformer.joinedSignature(
                    inputSignature, right.signature(), join.rightPrefix());
        } else if (join != null) {
            opened = new io.sluice.engine.exec.JoinTransformer(join, inputSignature, right.signature(), rightRows)
                    .transform(opened);
            inputSignature = io.sluice.engine.exec.JoinTransformer.joinedSignature(
                    inputSignature, right.signature(), join.rightPrefix());
        }
        try (RowSource in = opened) {
            if (stage.processor() instanceof SegmentGeneratorSpec sg) {
                segments.addAll(new SegmentGenerator().generate(
                        sg, inputSignature, cancellable(in), order.segmentVersion(), workDir, resources.deepStorage(),
                        segmentCounters, order.queryId() + "-worker" + order.workerNumber(),
                        resources.memoryPerWorkerBytes() / 2));
                return null;
            }
            if (stage.processor() instanceof ExportProcessorSpec export) {
                new CsvExporter(export, inputSignature, order.queryId(), order.workerNumber()).write(cancellable(in));
                return null;
            }
            if (output == null) {
                output = new StageOutput(stage, workDir, resources.memoryPerWorkerBytes() / 2, MAX_FRAME_BYTES);
            }
            RowSource source = cancellable(in);
            if (stage.processor() instanceof GroupByPreShuffleSpec g && !contextBoolean("groupByEnableMultiValueUnnesting", true)) {
                source = refuseMultiValueDimensions(source, g, inputSignature);
            }
            java.util.Optional<EncodedPostShuffle> encodedMerge =
                    source instanceof EncodedRowSource && primary instanceof InputSlice.Stage && join == null
                            && output.acceptsEncoded()
                    ? EncodedPostShuffle.of(stage.processor(), inputSignature, stage.signature(), output.keyPositions())
                    : java.util.Optional.empty();
            if (encodedMerge.isPresent()) {
                // groups of one row are written from their bytes: nothing to decode and encode again
                encodedMerge.get().run((EncodedRowSource) source, output);
                KeyStatistics stats = output.finishAndCollectStatistics();
                return needsBoundaries() ? stats : null;
            }
            RowSource processed = source;
            if (onParseThread == null) {
                processed = StageProcessors.create(
                                stage.processor(), inputSignature, stage.signature(), order.workerNumber())
                        .transform(source);
                if (primary instanceof InputSlice.External && !contextBoolean("removeNullBytes", false)) {
                    RowSignature produced = stage.processor() instanceof GroupByPreShuffleSpec g && g.complete() != null
                            ? g.intermediateSignature()
                            : stage.signature();
                    processed = refuseNullBytes(processed, produced, () -> currentInputSource, input.rows::get);
                }
            }
            boolean completing = stage.processor() instanceof GroupByPreShuffleSpec g && g.complete() != null;
            if (completing) {
                processed = completeGroups((GroupByPreShuffleSpec) stage.processor(), processed, () -> false);
            }
            if (completing || primary instanceof InputSlice.Stage) {
                // merging sorted rows (partitions read, or partial groups combined) and processing them on one core,
                // sorting the output on another
                processed = io.sluice.engine.input.PrefetchingRowSource.ahead(
                        processed, AHEAD_AFTER_ROWS, "stage" + stage.stageNumber());
            }
            // closed before the input is, also on a failure: a thread reading ahead stops before the input closes
            try (RowSource rows = processed) {
                Object[] row;
                while ((row = rows.next()) != null) {
                    output.add(row);
                }
            }
            KeyStatistics stats = output.finishAndCollectStatistics();
            return needsBoundaries() ? stats : null;
        }
    }

    /** Writes the output partitions (boundaries null unless the stage is range-partitioned). */
    public void runPhaseTwo(PartitionBoundaries boundaries) {
        if (output == null) {
            return;
        }
        if (boundaries != null) {
            output.partition(boundaries);
        } else if (output.needsBoundaries()) {
            output.partition(PartitionBoundaries.single()); // a single range partition: no statistics needed
        } else {
            output.partition();
        }
    }

    public int partitionCount() {
        return output == null ? 0 : output.partitionCount();
    }

    public Iterator<Frame> readPartition(int partition) {
        if (output == null) {
            return java.util.Collections.emptyIterator();
        }
        return output.readPartition(partition);
    }

    /** As {@link #readPartition}, frames in one reused buffer (each valid until the next is read). */
    public Iterator<Frame> readPartitionReusingBuffer(int partition) {
        if (output == null) {
            return java.util.Collections.emptyIterator();
        }
        return output.readPartitionReusingBuffer(partition);
    }

    public List<GeneratedSegment> segments() {
        return List.copyOf(segments);
    }

    /** Counters of this worker for this stage, Druid's shapes: input0, output, shuffle, sortProgress, … */
    public ObjectNode counters() {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.set("input0", input.toJson());
        if (output != null) {
            c.set("output", Json.MAPPER.valueToTree(output.output().toJson()));
            if (stage.shuffleSpec() != null) {
                c.set("shuffle", Json.MAPPER.valueToTree(output.shuffle().toJson()));
                if (stage.doesSort()) {
                    c.set("sortProgress", Json.MAPPER.valueToTree(output.sortProgress().toJson()));
                }
            }
        }
        if (stage.processor() instanceof SegmentGeneratorSpec) {
            ObjectNode s = c.putObject("segmentGenerationProgress");
            s.put("type", "segmentGenerationProgress");
            s.put("rowsProcessed", segmentCounters.rowsProcessed());
            s.put("rowsPersisted", segmentCounters.rowsPersisted());
            s.put("rowsMerged", segmentCounters.rowsMerged());
            s.put("rowsPushed", segmentCounters.rowsPushed());
        }
        if (parsePolicy != null && parsePolicy.count() > 0) {
            ObjectNode w = c.putObject("warnings");
            w.put("type", "warnings");
            w.put("CannotParseExternalData", parsePolicy.count());
        }
        return c;
    }

    /** Parse errors tolerated under maxParseExceptions, as report warnings (errorReport-shaped). */
    public List<JsonNode> warnings() {
        List<JsonNode> out = new ArrayList<>();
        if (parsePolicy == null) {
            return out;
        }
        for (ParseError e : parsePolicy.samples()) {
            ObjectNode w = Json.MAPPER.createObjectNode();
            w.put("taskId", order.queryId() + "-worker" + order.workerNumber() + "_" + attempt);
            w.put("stageNumber", stage.stageNumber());
            ObjectNode err = w.putObject("error");
            err.put("errorCode", "CannotParseExternalData");
            err.put("errorMessage", e.message());
            out.add(w);
        }
        return out;
    }

    private boolean contextBoolean(String key, boolean dflt) {
        Object v = order.context().get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String str) {
            return Boolean.parseBoolean(str.trim());
        }
        return dflt;
    }

    /**
     * A shuffled join: partition i of the left side merge-joined with partition i of the right side (both sorted by
     * their key columns), one partition after the other.
     */
    private RowSource mergeJoinPartitions(
            io.sluice.engine.exec.MergeJoinTransformer join, InputSlice.Stage left, InputSlice.Stage right) {
        currentSource = "join of the partitions of stages " + left.stage() + " and " + right.stage();
        return PartitionReader.sequence(left.partitions().size(), i -> join.join(
                counting(PartitionReader.readOne(system, left.signature(), left.sortKey(), left.partitions().get(i))),
                PartitionReader.readOne(system, right.signature(), right.sortKey(), right.partitions().get(i))));
    }

    /** With groupByEnableMultiValueUnnesting=false, a multi-value value in a grouped column is an error. */
    private static RowSource refuseMultiValueDimensions(RowSource in, GroupByPreShuffleSpec g, RowSignature sig) {
        List<int[]> checks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Boolean> inExpression = new ArrayList<>();
        for (io.sluice.engine.expr.NamedExpr d : g.dimensions()) {
            if (d.expr() instanceof io.sluice.engine.expr.ColumnRef c && sig.indexOf(c.column()) >= 0) {
                checks.add(new int[] {sig.indexOf(c.column())});
                names.add(c.column());
                inExpression.add(g.expressionDimensions().contains(d.name()));
            }
        }
        return new RowSource() {
            @Override
            public Object[] next() {
                Object[] row = in.next();
                if (row != null) {
                    for (int i = 0; i < checks.size(); i++) {
                        if (row[checks.get(i)[0]] instanceof List<?> l && l.size() > 1) {
                            throw new FaultException(inExpression.get(i)
                                    ? Faults.multiValueDimensionInExpression(names.get(i))
                                    : Faults.unexpectedMultiValueDimension(names.get(i)));
                        }
                    }
                }
                return row;
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    /**
     * Druid refuses NUL characters in strings read from external data unless removeNullBytes is set.
     *
     * @param source the input source's description, when a NUL is found
     * @param rowNumber the number of input rows read, the current one included, when a NUL is found
     */
    private static RowSource refuseNullBytes(RowSource in, RowSignature sig, java.util.function.Supplier<String> source,
            java.util.function.LongSupplier rowNumber) {
        return new RowSource() {
            @Override
            public Object[] next() {
                Object[] row = in.next();
                if (row == null) {
                    return null;
                }
                for (int c = 0; c < row.length; c++) {
                    Object v = row[c];
                    if (v instanceof String str) {
                        check(str, c, sig);
                    } else if (v instanceof List<?> l) {
                        for (Object o : l) {
                            if (o instanceof String str) {
                                check(str, c, sig);
                            }
                        }
                    }
                }
                return row;
            }

            private void check(String value, int column, RowSignature signature) {
                int pos = value.indexOf('\0');
                if (pos >= 0) {
                    throw new FaultException(io.sluice.engine.fault.Faults.invalidNullByte(
                            "external input source: " + source.get(), rowNumber.getAsLong(),
                            column < signature.size() ? signature.name(column) : "?", value, pos));
                }
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    /** Druid's toString of an input source, as its faults name the source. */
    static String describe(InputSplit split) {
        com.fasterxml.jackson.databind.JsonNode s = split.source();
        String type = s.path("type").asText();
        switch (type) {
            case "local": {
                List<String> files = new ArrayList<>();
                s.path("files").forEach(f -> files.add(f.asText()));
                return "LocalInputSource{baseDir=\"" + (s.hasNonNull("baseDir") ? s.get("baseDir").asText() : "null")
                        + "\", filter=" + (s.hasNonNull("filter") ? s.get("filter").asText() : "null") + ", files="
                        + files + "}";
            }
            case "http": {
                List<String> uris = new ArrayList<>();
                s.path("uris").forEach(u -> uris.add(u.asText()));
                return "HttpInputSource{uris=" + uris + "}";
            }
            case "inline":
                return "InlineInputSource{data='" + s.path("data").asText() + "'}";
            default:
                return split.description();
        }
    }

    private long contextLong(String key, long dflt) {
        Object v = order.context().get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    private static RowSignature signatureOf(InputSlice slice) {
        if (slice instanceof InputSlice.External e) {
            return e.signature();
        }
        if (slice instanceof InputSlice.Table t) {
            return t.signature();
        }
        if (slice instanceof InputSlice.Stage s) {
            return s.signature();
        }
        return ((InputSlice.Inline) slice).spec().signature();
    }

    private RowSource open(InputSlice slice) {
        if (slice instanceof InputSlice.External e) {
            return external(e);
        }
        if (slice instanceof InputSlice.Table t) {
            return table(t);
        }
        if (slice instanceof InputSlice.Stage s) {
            currentSource = "output of stage " + s.stage();
            RowSource r = PartitionReader.read(system, s.signature(), s.sortKey(), s.partitions(), bytes -> {
                input.bytes.addAndGet(bytes);
                input.frames.incrementAndGet();
            });
            return counting(r);
        }
        InputSlice.Inline in = (InputSlice.Inline) slice;
        RowSignature sig = in.spec().signature();
        Iterator<List<Object>> it = in.spec().rows().iterator();
        return counting(() -> {
            if (!it.hasNext()) {
                return null;
            }
            Object[] row = it.next().toArray();
            for (int i = 0; i < row.length && i < sig.size(); i++) {
                row[i] = coerce(row[i], sig.type(i));
            }
            return row;
        });
    }

    /** Literal values may arrive as Integer/Double after serialisation; give them their column's runtime type. */
    static Object coerce(Object v, io.sluice.engine.types.ColumnType type) {
        if (!(v instanceof Number n)) {
            return v;
        }
        switch (type) {
            case LONG:
                return n.longValue();
            case DOUBLE:
                return n.doubleValue();
            case FLOAT:
                return n.floatValue();
            case STRING:
                return String.valueOf(v);
            default:
                return v;
        }
    }

    private RowSource external(InputSlice.External e) {
        return external(e, null);
    }

    /**
     * The context key that turns the encoded scan off ({@code false}): for comparing the two paths. A Sluice
     * extension, not one of Druid's keys.
     */
    static final String ENCODED_SCAN_KEY = "sluiceEncodedScan";

    /**
     * Runs a plain scan of external JSON with its rows encoded on each split's parse thread ({@link
     * io.sluice.engine.exec.EncodedScan}), or a pre-shuffle GROUP BY with its partial groups encoded and combined
     * there: this thread only hands the encoded rows, with their key values, to the output. Counters, faults and
     * cancellation as with {@link #external}.
     *
     * @param rowwise what the rows read as values go through before the NUL check (the scan's processor, or the
     *     partial groups each row makes)
     * @param complete a complete GROUP BY (its partial groups are combined in a sort here, then finished, and the
     *     finished groups are the output); else null
     */
    private void runEncodedScan(InputSlice.External e, io.sluice.engine.exec.EncodedScan encoded,
            RowTransformer rowwise, GroupByPreShuffleSpec complete) {
        input.totalFiles.set(e.totalFiles());
        boolean refuseNul = !contextBoolean("removeNullBytes", false);
        RowSignature rowsSignature = complete != null ? complete.intermediateSignature() : stage.signature();
        PartialGroupSort groups = complete != null ? new PartialGroupSort(complete) : null;
        java.util.Set<String> needed = neededColumns();
        int[] keyPositions = output.keyPositions();
        boolean keysFromBytes = encoded.keysFromRowBytes();
        Object[] keyRow = new Object[stage.signature().size()];
        io.sluice.engine.frame.ByteSink row = new io.sluice.engine.frame.ByteSink(1024);
        try {
            for (InputSplit split : e.splits()) {
                if (canceled.get()) {
                    throw new CancellationException("query canceled");
                }
                currentSource = split.description();
                currentInputSource = describe(split);
                String description = currentInputSource;
                long rowsBefore = input.rows.get();
                CountingRowSource[] parsed = new CountingRowSource[1];
                io.sluice.engine.input.ScanEncoder encoder = encoded.encoder(r -> {
                    RowSource processed = rowwise.transform(r);
                    return refuseNul ? refuseNullBytes(processed, rowsSignature, () -> description,
                            () -> rowsBefore + parsed[0].rowsRead()) : processed;
                });
                parsed[0] = InputFormats.openEncoded(split, e.inputFormat(), e.signature(), parsePolicy, needed,
                        encoder);
                input.files.incrementAndGet();
                long rowsCounted = 0;
                try (io.sluice.engine.input.PrefetchingRowSource reader = io.sluice.engine.input.PrefetchingRowSource
                        .encoded(parsed[0], encoded.keyWidth(), "stage" + stage.stageNumber())) {
                    try {
                        io.sluice.engine.input.EncodedRows batch;
                        while ((batch = reader.nextEncoded()) != null) {
                            if (canceled.get()) {
                                throw new CancellationException("query canceled");
                            }
                            byte[] bytes = batch.array();
                            for (int i = 0, n = batch.count(); i < n; i++) {
                                int start = batch.start(i);
                                row.reset();
                                row.write(bytes, start, batch.end(i) - start);
                                if (groups != null) {
                                    groups.add(row);
                                    continue;
                                }
                                if (keysFromBytes) {
                                    output.addEncodedRow(row, batch.countedSize(i));
                                    continue;
                                }
                                for (int k = 0; k < keyPositions.length; k++) {
                                    keyRow[keyPositions[k]] = batch.key(i, k);
                                }
                                output.addEncoded(keyRow, row, batch.countedSize(i));
                            }
                            reader.recycle(batch);
                            long delivered = reader.rowsDelivered();
                            input.rows.addAndGet(delivered - rowsCounted);
                            rowsCounted = delivered;
                        }
                        input.rows.addAndGet(reader.rowsDelivered() - rowsCounted);
                    } finally {
                        input.bytes.addAndGet(reader.uncompressedBytesRead());
                    }
                }
            }
            if (groups != null) {
                groups.finishInto(output);
            }
        } finally {
            if (groups != null) {
                groups.close();
            }
        }
    }

    /**
     * A complete GROUP BY's partial groups (encoded rows) sorted by their dimensions, equal ones combined, then
     * finished by the post-shuffle work into the stage's output: what {@link #completeGroups} does with rows.
     */
    private final class PartialGroupSort implements AutoCloseable {
        private final GroupByPreShuffleSpec spec;
        private final RowSignature groups;
        private final io.sluice.engine.frame.KeyCodec keys;
        private final io.sluice.engine.exec.ExternalSorter sorter;
        private final int[] offsets;

        PartialGroupSort(GroupByPreShuffleSpec spec) {
            this.spec = spec;
            this.groups = spec.intermediateSignature();
            List<io.sluice.engine.plan.KeyColumn> keyColumns = new ArrayList<>();
            spec.dimensions().forEach(d -> keyColumns.add(io.sluice.engine.plan.KeyColumn.asc(d.name())));
            this.keys = new io.sluice.engine.frame.KeyCodec(groups, keyColumns);
            this.sorter = new io.sluice.engine.exec.ExternalSorter(groups, keys, workDir,
                    resources.memoryPerWorkerBytes() / 4, MAX_FRAME_BYTES,
                    io.sluice.engine.exec.ExternalSorter.DEFAULT_MAX_FAN_IN,
                    StageProcessors.preShuffleCombiner(spec, groups));
            this.offsets = new int[groups.size()];
        }

        void add(io.sluice.engine.frame.ByteSink row) {
            io.sluice.engine.frame.RowCodec.valueOffsets(row.array(), 0, row.size(), offsets.length, offsets);
            sorter.add(keys.encode(row.array(), offsets), null, row);
        }

        void finishInto(StageOutput out) {
            // finished on a thread of their own while this one sorts the output, as completeGroups' rows are
            try (RowSource finished = io.sluice.engine.input.PrefetchingRowSource.ahead(
                    StageProcessors.create(spec.complete(), groups, stage.signature(), order.workerNumber())
                            .transform(sorter.sorted()), AHEAD_AFTER_ROWS, "stage" + stage.stageNumber())) {
                Object[] row;
                while ((row = finished.next()) != null) {
                    if (canceled.get()) {
                        throw new CancellationException("query canceled");
                    }
                    out.add(row);
                }
            }
        }

        @Override
        public void close() {
            sorter.close();
        }
    }

    /**
     * The columns the processor reads, when it is known which (one input, no join): only these are parsed. Null: all.
     */
    private java.util.Set<String> neededColumns() {
        return order.inputs().size() == 1 && !(stage.processor()
                        instanceof io.sluice.engine.plan.ScanProcessorSpec s && s.join() != null)
                && !(stage.processor() instanceof GroupByPreShuffleSpec g && g.join() != null)
                ? io.sluice.engine.plan.ReferencedColumns.of(stage.processor()).orElse(null)
                : null;
    }

    /**
     * The rows of the external input's splits, each parsed on a thread of its own; with {@code onParseThread}, that
     * thread also runs it (and the NUL check) over the split's rows, and these are its rows.
     */
    private RowSource external(InputSlice.External e, RowTransformer onParseThread) {
        input.totalFiles.set(e.totalFiles());
        Iterator<InputSplit> splits = e.splits().iterator();
        boolean refuseNul = !contextBoolean("removeNullBytes", false);
        java.util.Set<String> needed = neededColumns();
        return new RowSource() {
            private io.sluice.engine.input.PrefetchingRowSource current;
            private long bytesBefore;
            private long rowsCounted;

            @Override
            public Object[] next() {
                while (true) {
                    if (current != null) {
                        Object[] row = current.next();
                        if (onParseThread != null) {
                            long delivered = current.rowsDelivered();
                            if (delivered != rowsCounted) {
                                input.rows.addAndGet(delivered - rowsCounted);
                                rowsCounted = delivered;
                            }
                            if (row != null) {
                                return row;
                            }
                        } else if (row != null) {
                            input.rows.incrementAndGet();
                            return row;
                        }
                        input.bytes.addAndGet(current.uncompressedBytesRead() - bytesBefore);
                        current.close();
                        current = null;
                    }
                    if (!splits.hasNext()) {
                        return null;
                    }
                    InputSplit split = splits.next();
                    currentSource = split.description();
                    currentInputSource = describe(split);
                    // parsed on a thread of its own, ahead of the stage's processing
                    CountingRowSource parsed =
                            InputFormats.open(split, e.inputFormat(), e.signature(), parsePolicy, needed);
                    if (onParseThread == null) {
                        current = new io.sluice.engine.input.PrefetchingRowSource(parsed, "stage" + stage.stageNumber());
                    } else {
                        String description = currentInputSource;
                        long rowsBefore = input.rows.get();
                        current = new io.sluice.engine.input.PrefetchingRowSource(parsed, r -> {
                            RowSource processed = onParseThread.transform(cancellable(r));
                            return refuseNul ? refuseNullBytes(processed, stage.signature(), () -> description,
                                    () -> rowsBefore + parsed.rowsRead()) : processed;
                        }, "stage" + stage.stageNumber());
                    }
                    bytesBefore = 0;
                    rowsCounted = 0;
                    input.files.incrementAndGet();
                }
            }

            @Override
            public void close() {
                if (current != null) {
                    input.bytes.addAndGet(current.uncompressedBytesRead() - bytesBefore);
                    current.close();
                }
            }
        };
    }

    private RowSource table(InputSlice.Table t) {
        Iterator<String> paths = t.segmentPaths().iterator();
        List<String> all = t.signature().names();
        // Decode only the columns the processor reads; the others stay null in their positions.
        java.util.Set<String> needed = io.sluice.engine.plan.ReferencedColumns.of(stage.processor())
                .orElse(new java.util.HashSet<>(all));
        List<String> columns = new ArrayList<>();
        List<Integer> positionList = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (needed.contains(all.get(i))) {
                columns.add(all.get(i));
                positionList.add(i);
            }
        }
        int[] positions = positionList.stream().mapToInt(Integer::intValue).toArray();
        boolean pruned = columns.size() < all.size();
        int width = all.size();
        input.totalFiles.set(t.segmentPaths().size());
        return new RowSource() {
            private SegmentReader reader;
            private RowSource rows;

            @Override
            public Object[] next() {
                while (true) {
                    if (rows != null) {
                        Object[] r = rows.next();
                        if (r != null) {
                            input.rows.incrementAndGet();
                            if (!pruned) {
                                return r;
                            }
                            Object[] full = new Object[width];
                            for (int i = 0; i < positions.length; i++) {
                                full[positions[i]] = r[i];
                            }
                            return full;
                        }
                        closeCurrent();
                    }
                    if (!paths.hasNext()) {
                        return null;
                    }
                    Path file = resources.deepStorage().localPath(paths.next());
                    currentSource = file.toString();
                    try {
                        input.bytes.addAndGet(Files.size(file));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    input.files.incrementAndGet();
                    reader = SegmentReader.open(file);
                    rows = reader.scan(columns, t.start(), t.end());
                }
            }

            private void closeCurrent() {
                if (rows != null) {
                    rows.close();
                    rows = null;
                }
                if (reader != null) {
                    try {
                        reader.close();
                    } catch (Exception e) {
                        // closing a read-only file
                    }
                    reader = null;
                }
            }

            @Override
            public void close() {
                closeCurrent();
            }
        };
    }

    /** The whole broadcast side of a join. */
    private List<Object[]> readBroadcast(InputSlice.Stage right) {
        List<Object[]> rows = new ArrayList<>();
        currentSource = "broadcast output of stage " + right.stage();
        try (RowSource r = PartitionReader.read(system, right.signature(), right.sortKey(), right.partitions())) {
            Object[] row;
            while ((row = r.next()) != null) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * The pre-shuffle GROUP BY of a table slice (joined with {@code rightRows} when the stage has a join) computed over
     * the segments' columns ({@link SegmentGroupBy}), or null when the stage or one of the segments has a shape only
     * the row-by-row processor handles.
     */
    private RowSource columnarGroupBy(
            GroupByPreShuffleSpec g, InputSlice.Table t, InputSlice.Stage right, List<Object[]> rightRows) {
        java.util.Optional<SegmentGroupBy> planned = g.join() == null
                ? SegmentGroupBy.plan(g, t.signature(), order.workerNumber())
                : SegmentGroupBy.plan(g, t.signature(), right.signature(), rightRows, order.workerNumber());
        if (planned.isEmpty()) {
            return null;
        }
        // Groups drained once at the end come in key order and the stage output streams them; drained several times
        // they must be sorted and merged, which costs more. The state still stays within this worker's memory share:
        // every slot of the node may run such a GROUP BY at once, and the shares are what the heap was split into.
        SegmentGroupBy groupBy = planned.get().limitMemory(
                Math.min(SegmentGroupBy.MAX_BYTES, resources.memoryPerWorkerBytes()));
        if (g.complete() != null) {
            groupBy.wholeGroups(!sortsWholeGroups(g), g.complete().finalizeAggregations());
            keepTopGroups(g, groupBy);
        }
        List<Path> files = new ArrayList<>();
        // the segments opened to check their columns: the prefetch below preloads these, not opening them again
        List<SegmentReader> opened = new ArrayList<>();
        try {
            for (String p : t.segmentPaths()) {
                Path file = resources.deepStorage().localPath(p);
                // one that reads no column (COUNT(*) alone, no filter) reads any segment: no open only to ask
                if (groupBy.readsColumns()) {
                    SegmentReader r = SegmentReader.open(file);
                    opened.add(r);
                    if (!groupBy.canRead(r)) {
                        opened.forEach(SegmentReader::close);
                        return null;
                    }
                }
                files.add(file);
            }
        } catch (RuntimeException | Error e) {
            opened.forEach(SegmentReader::close);
            throw e;
        }
        input.totalFiles.set(files.size());
        Iterator<Path> pending = files.iterator();
        // a COUNT(*) alone counts the segments whose chunks it reads whole from their metadata, opening none
        Iterator<InputSlice.SegmentFacts> facts = groupBy.readsColumns() || t.segmentFacts().isEmpty()
                ? null
                : t.segmentFacts().iterator();
        // memory of the node's idle slots, so that large states drain once instead of several times
        MemoryLoan loan = resources.memory().openLoan();
        groupBy.borrowing(loan);
        // the next segments are decoded and their keys and distinct values interned on other cores while this thread
        // folds the current one
        io.sluice.engine.exec.SegmentPrefetch segments;
        java.util.function.Consumer<SegmentReader> preload = r -> {
            groupBy.preload(r);
            groupBy.internAhead(r, t.start(), t.end());
        };
        try {
            segments = groupBy.readsColumns()
                    ? io.sluice.engine.exec.SegmentPrefetch.ofOpen(opened, preload, 2)
                    : new io.sluice.engine.exec.SegmentPrefetch(files, preload, 0);
        } catch (RuntimeException | Error e) {
            opened.forEach(SegmentReader::close);
            loan.close();
            throw e;
        }
        RowSource partial = new RowSource() {
            private Iterator<Object[]> out = java.util.Collections.emptyIterator();
            private boolean done;

            @Override
            public Object[] next() {
                while (!out.hasNext()) {
                    if (done) {
                        return null;
                    }
                    if (canceled.get()) {
                        throw new CancellationException("query canceled");
                    }
                    if (!pending.hasNext()) {
                        done = true;
                        out = groupBy.drain(true);
                        continue;
                    }
                    Path file = pending.next();
                    currentSource = file.toString();
                    InputSlice.SegmentFacts known = facts == null ? null : facts.next();
                    if (known != null && groupBy.addCounted(
                            known.start(), known.end(), known.numRows(), t.start(), t.end())) {
                        input.bytes.addAndGet(known.sizeBytes());
                        input.files.incrementAndGet();
                        input.rows.addAndGet(known.numRows());
                        continue;
                    }
                    try (SegmentReader r = known != null ? SegmentReader.open(file) : segments.next()) {
                        input.bytes.addAndGet(r.fileSize());
                        input.files.incrementAndGet();
                        input.rows.addAndGet(groupBy.add(r, t.start(), t.end()));
                    }
                    if (groupBy.full()) {
                        out = groupBy.drain(false);
                    }
                }
                return out.next();
            }

            @Override
            public void close() {
                try {
                    segments.close();
                } finally {
                    loan.close();
                }
            }
        };
        return g.complete() == null ? partial : completeGroups(g, partial, groupBy::drainedWhole);
    }

    /**
     * When a complete GROUP BY feeds a limit-hinted sort led by one of its aggregators (ORDER BY COUNT(DISTINCT x)
     * DESC LIMIT 10), with no HAVING: its whole drain leaves out the groups that cannot rank, counting them as output
     * rows the sort dropped.
     */
    private void keepTopGroups(GroupByPreShuffleSpec g, SegmentGroupBy groupBy) {
        io.sluice.engine.plan.GroupByPostShuffleSpec post = g.complete();
        if (!post.finalizeAggregations() || post.having() != null
                || !(stage.shuffleSpec() instanceof io.sluice.engine.plan.ShuffleSpec.MaxCount mc)
                || mc.limitHint() == null || mc.clusterBy().columns().isEmpty()) {
            return;
        }
        io.sluice.engine.plan.KeyColumn first = mc.clusterBy().columns().get(0);
        String column = first.columnName();
        if (post.postProjection() != null) {
            column = post.postProjection().stream()
                    .filter(p -> p.name().equals(first.columnName()))
                    .map(p -> p.expr() instanceof io.sluice.engine.expr.ColumnRef c ? c.column() : null)
                    .findFirst().orElse(null);
        }
        for (int a = 0; column != null && a < g.aggregations().size(); a++) {
            if (g.aggregations().get(a).name().equals(column)) {
                groupBy.keepTop(a, mc.limitHint(),
                        first.order() == io.sluice.engine.plan.KeyOrder.DESCENDING, n -> output.countUnframed(n));
                return;
            }
        }
    }

    /**
     * True when the stage's output shuffle sorts by keys that include every dimension of a complete GROUP BY (through
     * its projection): no two groups tie, so the order the groups come in does not show in the output.
     */
    private boolean sortsWholeGroups(GroupByPreShuffleSpec g) {
        if (!stage.doesSort()) {
            return false;
        }
        java.util.Set<String> keys = new java.util.HashSet<>();
        stage.shuffleSpec().clusterBy().columns().forEach(k -> keys.add(k.columnName()));
        for (io.sluice.engine.expr.NamedExpr d : g.dimensions()) {
            boolean keyed = g.complete().postProjection() == null
                    ? keys.contains(d.name())
                    : g.complete().postProjection().stream().anyMatch(p -> keys.contains(p.name())
                            && p.expr() instanceof io.sluice.engine.expr.ColumnRef c && c.column().equals(d.name()));
            if (!keyed) {
                return false;
            }
        }
        return true;
    }

    /**
     * A complete GROUP BY ({@link GroupByPreShuffleSpec#complete}): the partial groups this worker made, finished as
     * the post-shuffle stage would. When {@code whole} says (once the first row is read) that they are one row per
     * group already, they are only filtered and projected; else they are first sorted and combined by their
     * dimensions, spilling to disk past a quarter of this worker's memory share.
     */
    private RowSource completeGroups(
            GroupByPreShuffleSpec g, RowSource partial, java.util.function.BooleanSupplier whole) {
        RowSignature groups = g.intermediateSignature();
        return new RowSource() {
            private RowSource finished;
            private io.sluice.engine.exec.ExternalSorter sorter;

            @Override
            public Object[] next() {
                if (finished == null) {
                    finished = start();
                }
                return finished.next();
            }

            private RowSource start() {
                Object[] first = partial.next();
                if (whole.getAsBoolean()) {
                    RowSource all = new RowSource() {
                        private Object[] held = first;

                        @Override
                        public Object[] next() {
                            if (held != null) {
                                Object[] r = held;
                                held = null;
                                return r;
                            }
                            return partial.next();
                        }

                        @Override
                        public void close() {
                            partial.close();
                        }
                    };
                    return StageProcessors.finishWholeGroups(g.complete(), groups).transform(all);
                }
                List<io.sluice.engine.plan.KeyColumn> keys = new ArrayList<>();
                g.dimensions().forEach(d -> keys.add(io.sluice.engine.plan.KeyColumn.asc(d.name())));
                sorter = new io.sluice.engine.exec.ExternalSorter(groups,
                        new io.sluice.engine.frame.KeyCodec(groups, keys), workDir,
                        resources.memoryPerWorkerBytes() / 4, MAX_FRAME_BYTES,
                        io.sluice.engine.exec.ExternalSorter.DEFAULT_MAX_FAN_IN,
                        StageProcessors.preShuffleCombiner(g, groups));
                for (Object[] r = first; r != null; r = partial.next()) {
                    sorter.add(r);
                }
                partial.close();
                return StageProcessors.create(g.complete(), groups, stage.signature(), order.workerNumber())
                        .transform(sorter.sorted());
            }

            @Override
            public void close() {
                try {
                    if (finished != null) {
                        finished.close();
                    } else {
                        partial.close();
                    }
                } finally {
                    if (sorter != null) {
                        sorter.close();
                    }
                }
            }
        };
    }

    /** The segment top-N for this scan stage, when the stage and every segment of the slice allow it. */
    private java.util.Optional<SegmentTopN> segmentTopN(InputSlice.Table t) {
        java.util.Optional<SegmentTopN> planned = SegmentTopN.plan(stage, t.signature());
        if (planned.isEmpty()) {
            return planned;
        }
        for (String p : t.segmentPaths()) {
            try (SegmentReader r = SegmentReader.open(resources.deepStorage().localPath(p))) {
                if (!planned.get().canRead(r)) {
                    return java.util.Optional.empty();
                }
            }
        }
        return planned;
    }

    /** ORDER BY … LIMIT over segments ({@link SegmentTopN}): reads in full only the rows the worker keeps. */
    private void runTopN(SegmentTopN topN, InputSlice.Table t) {
        input.totalFiles.set(t.segmentPaths().size());
        io.sluice.engine.exec.RowTransformer scan = StageProcessors.create(
                stage.processor(), t.signature(), stage.signature(), order.workerNumber());
        SegmentTopN.Run run = topN.start(output, scan, t.signature(), t.start(), t.end());
        for (String p : t.segmentPaths()) {
            if (canceled.get()) {
                throw new CancellationException("query canceled");
            }
            Path file = resources.deepStorage().localPath(p);
            currentSource = file.toString();
            try (SegmentReader r = SegmentReader.open(file)) {
                input.bytes.addAndGet(r.fileSize());
                input.files.incrementAndGet();
                input.rows.addAndGet(run.add(file, r));
            }
        }
        currentSource = "";
        run.finish(SegmentReader::open, resources.blocking());
    }

    private RowSource counting(RowSource r) {
        if (r instanceof EncodedRowSource e) {
            return new EncodedRowSource() {
                @Override
                public Object[] next() {
                    Object[] row = e.next();
                    if (row != null) {
                        input.rows.incrementAndGet();
                    }
                    return row;
                }

                @Override
                public boolean advance(int[] offsets) {
                    if (e.advance(offsets)) {
                        input.rows.incrementAndGet();
                        return true;
                    }
                    return false;
                }

                @Override
                public byte[] buffer() {
                    return e.buffer();
                }

                @Override
                public void close() {
                    e.close();
                }
            };
        }
        return new RowSource() {
            @Override
            public Object[] next() {
                Object[] row = r.next();
                if (row != null) {
                    input.rows.incrementAndGet();
                }
                return row;
            }

            @Override
            public void close() {
                r.close();
            }
        };
    }

    /** Stops reading promptly when the query is canceled. */
    private RowSource cancellable(RowSource r) {
        if (r instanceof EncodedRowSource e) {
            return new EncodedRowSource() {
                private int n;

                @Override
                public Object[] next() {
                    checkCanceled();
                    return e.next();
                }

                @Override
                public boolean advance(int[] offsets) {
                    checkCanceled();
                    return e.advance(offsets);
                }

                @Override
                public byte[] buffer() {
                    return e.buffer();
                }

                private void checkCanceled() {
                    if ((++n & 1023) == 0 && canceled.get()) {
                        throw new CancellationException("query canceled");
                    }
                }

                @Override
                public void close() {
                    e.close();
                }
            };
        }
        return new RowSource() {
            private int n;

            @Override
            public Object[] next() {
                if ((++n & 1023) == 0 && canceled.get()) {
                    throw new CancellationException("query canceled");
                }
                return r.next();
            }

            @Override
            public void close() {
                r.close();
            }
        };
    }

    @Override
    public void close() {
        if (output != null) {
            output.close();
        }
        deleteQuietly(workDir);
    }

    public static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: temp files
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** Druid's {@code channel} counter for input 0 (one partition); frames only for stage inputs, as Druid's. */
    private static final class InputCounters {
        final AtomicLong rows = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong frames = new AtomicLong();
        final AtomicLong files = new AtomicLong();
        final AtomicLong totalFiles = new AtomicLong();

        ObjectNode toJson() {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("type", "channel");
            put(n, "rows", rows.get());
            put(n, "bytes", bytes.get());
            put(n, "frames", frames.get());
            put(n, "files", files.get());
            put(n, "totalFiles", totalFiles.get());
            return n;
        }

        private static void put(ObjectNode n, String k, long v) {
            if (v != 0) {
                ArrayNode a = n.putArray(k);
                a.add(v);
            }
        }
    }
}
