package io.sluice.engine.exec;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.expr.Values;
import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.input.EncodedRows;
import io.sluice.engine.input.ScanEncoder;
import io.sluice.engine.input.ScannedRow;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.plan.ReferencedColumns;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.RowSignature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A scan of external JSON (filter and projection, no join, UNNEST or LIMIT) run on the parse thread straight into the
 * stage output's {@code RowCodec} layout. A column the projection copies is written from the input's bytes: a plain
 * string's UTF-8 as it stands in the JSON line, an integer as its varint; no {@code String} or box is made of it, and
 * the output does not encode the row again. Only the columns the filter and the computed columns read (on W1 of the
 * benchmark, {@code time} for {@code TIME_PARSE}) become values, and the shuffle key's values are made for the output.
 *
 * <p>A row is the same as the row-by-row processor's ({@link StageProcessors}) followed by the NUL check: every value
 * the scanner leaves as bytes is one that the processor would copy unchanged, and a fast-scanned row holding anything
 * else the copy would not give as is (a NUL character, a list) is declined, so its block is read with Jackson and its
 * rows go through the processor ({@link ScanEncoder#encodeRow}), which raises the faults as before.
 */
public final class EncodedScan {
    /** What the fast time parse answers for text it does not take. */
    private static final long NO_TIME = Long.MIN_VALUE;
    /** The boxes of time keys kept for reuse: {@code 2^BOX_BITS}, direct-mapped by value. */
    private static final int BOX_BITS = 10;

    private final RowSignature input;
    private final ScanProcessorSpec spec;
    private final ColumnType[] outTypes;
    /** Per output column: the input column it copies, or -1 when computed. */
    private final int[] copyFrom;
    private final boolean[] byteColumns;
    private final int[] keyPositions;
    private final boolean refuseNul;
    /**
     * Per output column: the input column a {@code TIME_PARSE} of it (UTC, ISO, no pattern) reads, maybe floored,
     * when the column is one; else -1. Its value is parsed from the input's bytes.
     */
    private final int[] timeFrom;
    /** Per output column with {@link #timeFrom}: the period it is floored to ({@code TIME_FLOOR}), or null. */
    private final String[] timeFloor;
    /**
     * For a pre-shuffle GROUP BY ({@link #ofPartialGroups}): its number of dimensions, which lead each row, and of
     * aggregators, which follow; -1 for a scan.
     */
    private final int groupDims;
    private final int groupAggs;

    private EncodedScan(ScanProcessorSpec spec, RowSignature input, int[] copyFrom, int[] timeFrom,
            String[] timeFloor, boolean[] byteColumns, int[] keyPositions, boolean refuseNul, int groupDims,
            int groupAggs) {
        this.groupDims = groupDims;
        this.groupAggs = groupAggs;
        this.spec = spec;
        this.input = input;
        this.copyFrom = copyFrom;
        this.timeFrom = timeFrom;
        this.timeFloor = timeFloor;
        this.byteColumns = byteColumns;
        this.keyPositions = keyPositions.clone();
        this.refuseNul = refuseNul;
        this.outTypes = new ColumnType[spec.columns().size()];
        for (int i = 0; i < outTypes.length; i++) {
            outTypes[i] = spec.columns().get(i).type();
        }
    }

    /**
     * The encoded scan of a stage, when its processor is a plain scan (no join, UNNEST or LIMIT) over scalar input
     * columns; empty otherwise.
     *
     * @param keyPositions the output columns whose values the stage output needs beside the encoded row
     * @param refuseNul whether a NUL character in an output string fails the query (the context's
     *     {@code removeNullBytes} is off)
     */
    public static Optional<EncodedScan> of(ProcessorSpec processor, RowSignature input, int[] keyPositions,
            boolean refuseNul) {
        if (!(processor instanceof ScanProcessorSpec spec) || spec.join() != null || spec.unnest() != null
                || spec.limit() != null) {
            return Optional.empty();
        }
        for (int c = 0; c < input.size(); c++) {
            if (StageProcessors.scalarClass(input.type(c)) == null) {
                return Optional.empty();
            }
        }
        List<NamedExpr> columns = spec.columns();
        int[] copyFrom = new int[columns.size()];
        int[] timeFrom = new int[columns.size()];
        String[] timeFloor = new String[columns.size()];
        Set<String> read = new HashSet<>(ReferencedColumns.of(spec.filter()));
        for (int i = 0; i < copyFrom.length; i++) {
            copyFrom[i] = -1;
            timeFrom[i] = -1;
            Expr e = columns.get(i).expr();
            if (e instanceof ColumnRef ref) {
                int idx = input.indexOf(ref.column());
                if (idx >= 0 && input.type(idx) == columns.get(i).type()) {
                    copyFrom[i] = idx;
                    continue;
                }
            }
            if (columns.get(i).type() == ColumnType.LONG) {
                Call floor = call(e, Fn.TIMESTAMP_FLOOR);
                Expr parsed = floor != null && floorInUtc(floor) ? floor.args().get(0) : e;
                int source = isoUtcParseOf(parsed, input);
                if (source >= 0 && (floor == null || parsed != e)) {
                    timeFrom[i] = source;
                    timeFloor[i] = floor == null ? null : (String) ((Literal) floor.args().get(1)).value();
                    continue;
                }
            }
            read.addAll(ReferencedColumns.of(e));
        }
        boolean[] byteColumns = new boolean[input.size()];
        for (int i = 0; i < copyFrom.length; i++) {
            int from = copyFrom[i] >= 0 ? copyFrom[i] : timeFrom[i];
            if (from >= 0 && !read.contains(input.name(from))) {
                byteColumns[from] = true;
            }
        }
        return Optional.of(new EncodedScan(spec, input, copyFrom, timeFrom, timeFloor, byteColumns, keyPositions,
                refuseNul, -1, 0));
    }

    /**
     * The encoded scan that gives a pre-shuffle GROUP BY's partial groups, when the stage is one it can run; empty
     * otherwise. Each input row is encoded as the partial group it makes on its own (its dimensions, then 1 for each
     * {@code COUNT(*)} and the value of each LONG {@code SUM}'s argument), and each split's rows are then combined as
     * the row-by-row processor combines them ({@link PartialGroups}). Rows read as values go through {@code
     * StageProcessors.partialGroups}. Taken: no join, at least one dimension, scalar dimensions, and only {@code
     * COUNT(*)} and LONG {@code SUM}s without FILTER or DISTINCT. The output's key is made from each row's bytes
     * ({@link #keysFromRowBytes}). A {@link GroupByPreShuffleSpec#complete complete} GROUP BY's partial groups are
     * these rows too; finishing them is the caller's.
     *
     * @param output the signature of the rows made: the spec's {@link GroupByPreShuffleSpec#intermediateSignature}
     */
    public static Optional<EncodedScan> ofPartialGroups(ProcessorSpec processor, RowSignature input,
            RowSignature output, boolean refuseNul) {
        if (!(processor instanceof GroupByPreShuffleSpec g) || g.join() != null || g.dimensions().isEmpty()
                || !g.intermediateSignature().equals(output)) {
            return Optional.empty();
        }
        List<NamedExpr> columns = new ArrayList<>(g.dimensions());
        for (NamedExpr d : g.dimensions()) {
            if (StageProcessors.scalarClass(d.type()) == null) {
                return Optional.empty();
            }
        }
        for (AggregatorSpec a : g.aggregations()) {
            if (a.filter() != null || a.distinct() || a.outputType() != ColumnType.LONG) {
                return Optional.empty();
            }
            if (a.kind() == AggKind.COUNT && a.input() == null) {
                columns.add(new NamedExpr(a.name(), Literal.of(1L), ColumnType.LONG));
            } else if (a.kind() == AggKind.SUM && a.input() != null) {
                columns.add(new NamedExpr(a.name(), a.input(), ColumnType.LONG));
            } else {
                return Optional.empty();
            }
        }
        return of(new ScanProcessorSpec(g.filter(), columns, null), input, new int[0], refuseNul)
                .map(s -> new EncodedScan(s.spec, s.input, s.copyFrom, s.timeFrom, s.timeFloor, s.byteColumns,
                        s.keyPositions, s.refuseNul, g.dimensions().size(), g.aggregations().size()));
    }

    /**
     * Whether the output's key is made from each encoded row's bytes rather than from key values the rows carry
     * ({@link #keyWidth} is then 0): so for partial groups, whose rows pass through or are combined by their bytes.
     */
    public boolean keysFromRowBytes() {
        return groupDims >= 0;
    }

    private static Call call(Expr e, Fn fn) {
        return e instanceof Call c && c.function().equals(fn.id()) ? c : null;
    }

    /** Whether a {@code TIME_FLOOR} floors by a constant period in UTC from the epoch. */
    private static boolean floorInUtc(Call floor) {
        List<Expr> a = floor.args();
        return a.size() >= 2 && a.size() <= 4 && a.get(1) instanceof Literal p && p.value() instanceof String
                && (a.size() < 3 || isNull(a.get(2))) && (a.size() < 4 || isUtc(a.get(3)));
    }

    /**
     * The STRING input column of a {@code TIME_PARSE} without a pattern in UTC (what {@link
     * ExprEvaluator#fastIsoUtc(byte[], int, int)} reads), or -1.
     */
    private static int isoUtcParseOf(Expr e, RowSignature input) {
        Call parse = call(e, Fn.TIMESTAMP_PARSE);
        if (parse == null || parse.args().isEmpty() || parse.args().size() > 3
                || !(parse.args().get(0) instanceof ColumnRef ref)
                || (parse.args().size() >= 2 && !isNull(parse.args().get(1)))
                || (parse.args().size() >= 3 && !isUtc(parse.args().get(2)))) {
            return -1;
        }
        int idx = input.indexOf(ref.column());
        return idx >= 0 && input.type(idx) == ColumnType.STRING ? idx : -1;
    }

    private static boolean isNull(Expr e) {
        return e instanceof Literal l && l.value() == null;
    }

    private static boolean isUtc(Expr e) {
        return e instanceof Literal l && (l.value() == null
                || (l.value() instanceof String z && ("UTC".equalsIgnoreCase(z) || "Z".equals(z))));
    }

    /** The number of key values each encoded row carries. */
    public int keyWidth() {
        return keyPositions.length;
    }

    /**
     * An encoder for one split, for one thread.
     *
     * @param rowPipeline the row-by-row processor (for partial groups, {@link StageProcessors#partialGroups}) and
     *     the NUL check, which the split's rows read as values go through
     */
    public ScanEncoder encoder(UnaryOperator<RowSource> rowPipeline) {
        return new Encoder(rowPipeline);
    }

    /** The encoder of one split (package-private for tests, which count its rows read from bytes). */
    final class Encoder implements ScanEncoder {
        /** Rows {@link #encodeScanned} wrote (not declined, not filtered out). */
        long scannedRows;

        private final CompiledExpr filter;
        /** Per output column: its expression when computed, else null. */
        private final CompiledExpr[] computed;
        private final Object[] computedValues;
        /** Per output column: its encoded value when it is a constant, else null. */
        private final byte[][] constants;
        private final int[] constantSizes;
        private final RowSource pipeline;
        private Object[] pendingRow;
        /** Per time column: its value of the current row, or {@link #NO_TIME}; the last input column parsed. */
        private final long[] times;
        private final CompiledExpr[] timeExpr;
        private int parsedColumn;
        private long parsedMillis;
        private final Long[] boxes = new Long[1 << BOX_BITS];
        /** For partial groups: this split's combining of them; else null. */
        private final PartialGroups groups = groupDims < 0 ? null : new PartialGroups(groupDims, groupAggs);

        Encoder(UnaryOperator<RowSource> rowPipeline) {
            filter = spec.filter() == null ? null : ExprEvaluator.compile(spec.filter(), input);
            computed = new CompiledExpr[copyFrom.length];
            computedValues = new Object[copyFrom.length];
            constants = new byte[copyFrom.length][];
            constantSizes = new int[copyFrom.length];
            for (int i = 0; i < computed.length; i++) {
                if (copyFrom[i] < 0 && timeFrom[i] < 0) {
                    Expr e = spec.columns().get(i).expr();
                    Object v = e instanceof Literal l ? Values.coerce(l.value(), outTypes[i]) : null;
                    if (e instanceof Literal && copiesAsIs(v)) {
                        // a constant (COUNT(*)'s 1 in partial groups): its bytes are written as they are
                        ByteSink bytes = new ByteSink(16);
                        constantSizes[i] = RowCodec.writeValueSized(bytes, v);
                        constants[i] = bytes.toByteArray();
                        computedValues[i] = v;
                    } else {
                        computed[i] = ExprEvaluator.compile(e, input);
                    }
                }
            }
            times = new long[copyFrom.length];
            timeExpr = new CompiledExpr[copyFrom.length];
            RowSource one = new RowSource() {
                @Override
                public Object[] next() {
                    Object[] row = pendingRow;
                    pendingRow = null;
                    return row;
                }

                @Override
                public void close() {}
            };
            pipeline = rowPipeline.apply(one);
        }

        @Override
        public boolean[] byteColumns() {
            return byteColumns.clone();
        }

        @Override
        public boolean encodeScanned(ScannedRow row, EncodedRows out) {
            Object[] values = row.values();
            if (filter != null && !ExprEvaluator.isTrue(filter.eval(values))) {
                return true;
            }
            parsedColumn = -1;
            for (int i = 0; i < computed.length; i++) {
                if (timeFrom[i] >= 0) {
                    long t = time(row, i);
                    times[i] = t;
                    computedValues[i] = t == NO_TIME ? timeValue(row, i) : null;
                } else if (computed[i] != null) {
                    Object v = Values.coerce(computed[i].eval(values), outTypes[i]);
                    if (!copiesAsIs(v)) {
                        return false;
                    }
                    computedValues[i] = v;
                }
            }
            ByteSink sink = out.sink();
            int start = sink.size();
            int counted = 0;
            byte[] block = row.block();
            for (int i = 0; i < copyFrom.length; i++) {
                int from = copyFrom[i];
                if (from < 0) {
                    if (constants[i] != null) {
                        sink.write(constants[i], 0, constants[i].length);
                        counted += constantSizes[i];
                    } else if (timeFrom[i] >= 0 && times[i] != NO_TIME) {
                        counted += sink.writeTaggedVarLong(RowCodec.LONG, RowCodec.zigzag(times[i]));
                    } else {
                        counted += RowCodec.writeValueSized(sink, computedValues[i]);
                    }
                    continue;
                }
                switch (row.kind(from)) {
                    case ScannedRow.BYTES ->
                        counted += sink.writeTaggedBytes(RowCodec.STRING, block, row.start(from), row.length(from));
                    case ScannedRow.INTEGER ->
                        counted += sink.writeTaggedVarLong(RowCodec.LONG, RowCodec.zigzag(row.longValue(from)));
                    default -> {
                        Object v = values[from];
                        if (v != null && v.getClass() != StageProcessors.scalarClass(outTypes[i])) {
                            v = Values.coerce(v, outTypes[i]);
                        }
                        if (!copiesAsIs(v)) {
                            sink.truncate(start);
                            return false;
                        }
                        counted += RowCodec.writeValueSized(sink, v);
                    }
                }
            }
            for (int k = 0; k < keyPositions.length; k++) {
                int pos = keyPositions[k];
                out.key(k, copyFrom[pos] >= 0 ? valueOf(row, copyFrom[pos])
                        : timeFrom[pos] >= 0 && times[pos] != NO_TIME ? box(times[pos]) : computedValues[pos]);
            }
            out.endRow(counted);
            scannedRows++;
            return true;
        }

        /**
         * The value of time column {@code i} parsed from the input's bytes (floored when it is a {@code TIME_FLOOR}),
         * or {@link #NO_TIME} when the bytes are not in the fast parser's shape (or not bytes).
         */
        private long time(ScannedRow row, int i) {
            int from = timeFrom[i];
            long t;
            if (parsedColumn == from) {
                t = parsedMillis;
            } else {
                t = row.kind(from) == ScannedRow.BYTES
                        ? ExprEvaluator.fastIsoUtc(row.block(), row.start(from), row.length(from))
                        : NO_TIME;
                parsedColumn = from;
                parsedMillis = t;
            }
            return t == NO_TIME || timeFloor[i] == null ? t : Granularity.floor(t, timeFloor[i]);
        }

        /** Time column {@code i}'s value by its expression, over the row's text made a value (the lenient parse). */
        private Object timeValue(ScannedRow row, int i) {
            int from = timeFrom[i];
            Object[] values = row.values();
            if (row.kind(from) == ScannedRow.BYTES && values[from] == null) {
                values[from] = new String(row.block(), row.start(from), row.length(from), StandardCharsets.UTF_8);
            }
            if (timeExpr[i] == null) {
                timeExpr[i] = ExprEvaluator.compile(spec.columns().get(i).expr(), input);
            }
            return Values.coerce(timeExpr[i].eval(values), outTypes[i]);
        }

        /**
         * A time key's box, made once per value and kept in a small direct-mapped table: a stage's rows fall in a
         * few hundred buckets at most, in whatever order the input has them, so no row needs a box of its own.
         */
        private Long box(long v) {
            long h = v * 0x9E3779B97F4A7C15L;
            int slot = (int) (h >>> (64 - BOX_BITS));
            Long b = boxes[slot];
            if (b == null || b != v) {
                b = v;
                boxes[slot] = b;
            }
            return b;
        }

        /** Whether a value goes to the output as it is: not a list, nor a string with a NUL that must be refused. */
        private boolean copiesAsIs(Object v) {
            if (v instanceof String s) {
                return !refuseNul || s.indexOf('\0') < 0;
            }
            return !(v instanceof List<?>);
        }

        private static Object valueOf(ScannedRow row, int column) {
            return switch (row.kind(column)) {
                case ScannedRow.BYTES -> new String(row.block(), row.start(column), row.length(column),
                        StandardCharsets.UTF_8);
                case ScannedRow.INTEGER -> row.longValue(column);
                default -> row.values()[column];
            };
        }

        @Override
        public void encodeRow(Object[] row, EncodedRows out) {
            pendingRow = row;
            Object[] o;
            // none when filtered out; several partial groups for a row with multi-value dimensions
            while ((o = pipeline.next()) != null) {
                int counted = RowCodec.writeRowSized(out.sink(), o, copyFrom.length);
                for (int k = 0; k < keyPositions.length; k++) {
                    out.key(k, o[keyPositions[k]]);
                }
                out.endRow(counted);
            }
            pendingRow = null;
        }

        @Override
        public void endBatch(EncodedRows out, boolean last) {
            if (groups != null) {
                groups.endBatch(out, last);
            }
        }
    }
}
