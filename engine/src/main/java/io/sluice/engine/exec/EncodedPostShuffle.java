package io.sluice.engine.exec;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.expr.Values;
import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The post-shuffle GROUP BY over rows taken undecoded ({@link EncodedRowSource}), for the usual rollup shape: groups
 * by LONG and STRING dimensions, COUNT and LONG SUM aggregators, no HAVING. A group of one row (the common case once a
 * pre-shuffle stage has combined its own rows) needs no merging: its output row is written from the input row's bytes,
 * its dimensions and aggregator values copied as they are, and only the columns that expressions of the projection
 * read, and the shuffle key's columns, decoded. Groups of several rows, and rows holding a value the copy would not
 * give unchanged (a NULL count, a value of another type than its column's), go through the row-by-row processor
 * ({@link StageProcessors}), so the output is the same row for row. Not thread-safe.
 */
public final class EncodedPostShuffle {
    /** Where the output rows go: decoded, or already in {@link RowCodec} layout. */
    public interface Output {
        void add(Object[] row);

        /** {@code keyValues} holds the values of the key columns given at creation; the other positions are null. */
        void addEncoded(Object[] keyValues, ByteSink row, int countedSize);
    }

    private final int inColumns;
    private final int[] dimPos;
    private final int outColumns;
    /** Per output column: the input column copied, or -1 when {@link #computed} gives the value. */
    private final int[] copyFrom;
    /** Per output column copied: the tag its value must have to be copied unchanged (NULL always may). */
    private final byte[] copyTag;
    /** Per output column copied: it is an aggregator's (a NULL there is finalized, e.g. COUNT's to 0: not copied). */
    private final boolean[] copyNotNull;
    private final CompiledExpr[] computed;
    private final ColumnType[] outTypes;
    /** Grouped-row positions (dimensions, then aggregators) the computed expressions read, and their input columns. */
    private final int[] readGrouped;
    private final int[] readInput;
    private final boolean[] readIsAggregator;
    private final int[] keyPositions;
    private final RowTransformer rowByRow;

    private final ByteSink out = new ByteSink(256);
    private final Object[] grouped;
    private final Object[] keyValues;
    private final Object[] computedValues;
    private int[] offsets;
    private int[] nextOffsets;
    private byte[] row = new byte[256];
    private int rowEnd;
    private byte[] nextRow = new byte[256];
    private int nextRowEnd;
    private long copiedRows;

    private EncodedPostShuffle(GroupByPostShuffleSpec spec, RowSignature in, RowSignature outSig, int[] dimPos,
            int[] aggPos, int[] copyFrom, byte[] copyTag, boolean[] copyNotNull, CompiledExpr[] computed,
            int[] readGrouped, int[] keyPositions) {
        this.inColumns = in.size();
        this.dimPos = dimPos;
        this.outColumns = outSig.size();
        this.copyFrom = copyFrom;
        this.copyTag = copyTag;
        this.copyNotNull = copyNotNull;
        this.computed = computed;
        this.outTypes = new ColumnType[outColumns];
        for (int j = 0; j < outColumns; j++) {
            outTypes[j] = outSig.type(j);
        }
        this.readGrouped = readGrouped;
        this.readInput = new int[readGrouped.length];
        this.readIsAggregator = new boolean[readGrouped.length];
        for (int i = 0; i < readGrouped.length; i++) {
            int g = readGrouped[i];
            readIsAggregator[i] = g >= dimPos.length;
            readInput[i] = readIsAggregator[i] ? aggPos[g - dimPos.length] : dimPos[g];
        }
        this.keyPositions = keyPositions.clone();
        this.rowByRow = StageProcessors.create(spec, in, outSig, 0);
        this.grouped = new Object[dimPos.length + aggPos.length];
        this.keyValues = new Object[outColumns];
        this.computedValues = new Object[outColumns];
        this.offsets = new int[inColumns];
        this.nextOffsets = new int[inColumns];
    }

    /**
     * The encoded processor of {@code processor}, or empty when it does not apply: not a post-shuffle GROUP BY,
     * HAVING, no dimensions, a dimension of another type than LONG or STRING, an aggregator other than COUNT or a
     * LONG SUM, or a projection that reads a column the grouped row does not have. {@code keyPositions}: the output
     * columns whose values the output needs besides the bytes.
     */
    public static Optional<EncodedPostShuffle> of(
            ProcessorSpec processor, RowSignature in, RowSignature outSig, int[] keyPositions) {
        return Optional.ofNullable(create(processor, in, outSig, keyPositions));
    }

    private static EncodedPostShuffle create(
            ProcessorSpec processor, RowSignature in, RowSignature outSig, int[] keyPositions) {
        if (!(processor instanceof GroupByPostShuffleSpec spec) || spec.having() != null
                || spec.dimensions().isEmpty()) {
            return null;
        }
        int nd = spec.dimensions().size();
        int[] dimPos = new int[nd];
        List<String> groupedNames = new ArrayList<>();
        List<ColumnType> groupedTypes = new ArrayList<>();
        for (int i = 0; i < nd; i++) {
            dimPos[i] = in.indexOf(spec.dimensions().get(i));
            if (dimPos[i] < 0 || (in.type(dimPos[i]) != ColumnType.LONG && in.type(dimPos[i]) != ColumnType.STRING)) {
                return null;
            }
            groupedNames.add(spec.dimensions().get(i));
            groupedTypes.add(in.type(dimPos[i]));
        }
        List<AggregatorSpec> aggs = spec.aggregations();
        int[] aggPos = new int[aggs.size()];
        for (int a = 0; a < aggs.size(); a++) {
            AggregatorSpec s = aggs.get(a);
            boolean longCount = s.kind() == AggKind.COUNT && !s.distinct();
            boolean longSum = s.kind() == AggKind.SUM;
            if (!(longCount || longSum) || s.outputType() != ColumnType.LONG
                    || s.intermediateType() != ColumnType.LONG) {
                return null;
            }
            aggPos[a] = in.indexOf(s.name());
            if (aggPos[a] < 0) {
                return null;
            }
            groupedNames.add(s.name());
            groupedTypes.add(ColumnType.LONG);
        }
        List<NamedExpr> post = spec.postProjection();
        int outColumns = outSig.size();
        if ((post == null ? groupedNames.size() : post.size()) != outColumns) {
            return null;
        }
        int[] copyFrom = new int[outColumns];
        byte[] copyTag = new byte[outColumns];
        boolean[] copyNotNull = new boolean[outColumns];
        CompiledExpr[] computed = new CompiledExpr[outColumns];
        BitSet read = new BitSet();
        RowSignature.Builder groupedSig = RowSignature.builder();
        for (int g = 0; g < groupedNames.size(); g++) {
            groupedSig.add(groupedNames.get(g), groupedTypes.get(g));
        }
        RowSignature groupedSignature = groupedSig.build();
        for (int j = 0; j < outColumns; j++) {
            Expr e = post == null ? new ColumnRef(groupedNames.get(j)) : post.get(j).expr();
            ColumnType type = post == null ? groupedTypes.get(j) : post.get(j).type();
            if (type != outSig.type(j)) {
                return null;
            }
            if (e instanceof ColumnRef ref) {
                int g = groupedNames.indexOf(ref.column());
                byte tag = tagOf(type);
                if (g < 0 || tag < 0) {
                    return null;
                }
                copyFrom[j] = g < nd ? dimPos[g] : aggPos[g - nd];
                copyTag[j] = tag;
                copyNotNull[j] = g >= nd;
            } else {
                List<String> refs = new ArrayList<>();
                columnsOf(e, refs);
                for (String r : refs) {
                    int g = groupedNames.indexOf(r);
                    if (g < 0) {
                        return null;
                    }
                    read.set(g);
                }
                copyFrom[j] = -1;
                computed[j] = ExprEvaluator.compile(e, groupedSignature);
            }
        }
        return new EncodedPostShuffle(spec, in, outSig, dimPos, aggPos, copyFrom, copyTag, copyNotNull, computed,
                read.stream().toArray(), keyPositions);
    }

    /** The tag of a value copied unchanged into a column of {@code type}, or -1 for types not copied. */
    private static byte tagOf(ColumnType type) {
        return switch (type) {
            case LONG -> RowCodec.LONG;
            case STRING -> RowCodec.STRING;
            case DOUBLE -> RowCodec.DOUBLE;
            default -> -1;
        };
    }

    private static void columnsOf(Expr e, List<String> into) {
        if (e instanceof ColumnRef r) {
            into.add(r.column());
        } else if (e instanceof Call c) {
            for (Expr a : c.args()) {
                columnsOf(a, into);
            }
        }
    }

    /** Rows whose output was written from their bytes (groups of one row), so far. */
    public long copiedRows() {
        return copiedRows;
    }

    /** Reads all of {@code rows} (sorted by the dimensions) and sends one output row per group to {@code output}. */
    public void run(EncodedRowSource rows, Output output) {
        if (!take(rows)) {
            return;
        }
        swap();
        while (true) {
            boolean more = take(rows);
            if (!more || !sameDimensions()) {
                if (!copy(output)) {
                    process(Collections.singletonList(decode(row, offsets)), output);
                }
                if (!more) {
                    return;
                }
                swap();
                continue;
            }
            List<Object[]> group = new ArrayList<>();
            group.add(decode(row, offsets));
            do {
                group.add(decode(nextRow, nextOffsets));
                more = take(rows);
            } while (more && sameDimensions());
            process(group, output);
            if (!more) {
                return;
            }
            swap();
        }
    }

    /** Reads the next row into {@link #nextRow} (its values' offsets rebased to 0); false at the end. */
    private boolean take(EncodedRowSource rows) {
        if (!rows.advance(nextOffsets)) {
            return false;
        }
        byte[] buf = rows.buffer();
        int start = nextOffsets[0];
        int end = RowCodec.valueEnd(buf, nextOffsets[inColumns - 1], buf.length);
        int len = end - start;
        if (nextRow.length < len) {
            nextRow = new byte[Math.max(len, nextRow.length * 2)];
        }
        System.arraycopy(buf, start, nextRow, 0, len);
        for (int c = 0; c < inColumns; c++) {
            nextOffsets[c] -= start;
        }
        nextRowEnd = len;
        return true;
    }

    /** The next row becomes the current one. */
    private void swap() {
        byte[] b = row;
        row = nextRow;
        nextRow = b;
        int[] o = offsets;
        offsets = nextOffsets;
        nextOffsets = o;
        rowEnd = nextRowEnd;
    }

    /** Where value {@code column} of a row ends, given its offsets and its end. */
    private int end(int[] offs, int end, int column) {
        return column + 1 < inColumns ? offs[column + 1] : end;
    }

    /** The current and next rows have equal dimension values. */
    private boolean sameDimensions() {
        for (int c : dimPos) {
            int a = offsets[c];
            int b = nextOffsets[c];
            if (!Arrays.equals(row, a, end(offsets, rowEnd, c), nextRow, b, end(nextOffsets, nextRowEnd, c))) {
                if (plain(row[a]) && plain(nextRow[b])) {
                    return false; // NULL, LONG and STRING values are equal exactly when their bytes are
                }
                // a list, or a number of another type: compared as the row-by-row processor does
                return Objects.deepEquals(RowCodec.valueAt(row, a), RowCodec.valueAt(nextRow, b))
                        && sameDimensionsDecoded();
            }
        }
        return true;
    }

    private boolean sameDimensionsDecoded() {
        for (int c : dimPos) {
            if (!Objects.deepEquals(
                    RowCodec.valueAt(row, offsets[c]), RowCodec.valueAt(nextRow, nextOffsets[c]))) {
                return false;
            }
        }
        return true;
    }

    private static boolean plain(byte tag) {
        return tag == RowCodec.NULL || tag == RowCodec.LONG || tag == RowCodec.STRING;
    }

    /** Writes the current row, a group of its own, from its bytes; false when a value would not be copied as is. */
    private boolean copy(Output output) {
        for (int j = 0; j < outColumns; j++) {
            int c = copyFrom[j];
            if (c >= 0) {
                byte tag = row[offsets[c]];
                if (tag != copyTag[j] && (tag != RowCodec.NULL || copyNotNull[j])) {
                    return false;
                }
            }
        }
        for (int i = 0; i < readGrouped.length; i++) {
            int at = offsets[readInput[i]];
            if (readIsAggregator[i] && row[at] != RowCodec.LONG) {
                return false;
            }
            grouped[readGrouped[i]] = row[at] == RowCodec.LONG
                    ? Long.valueOf(RowCodec.longAt(row, at))
                    : RowCodec.valueAt(row, at);
        }
        out.reset();
        int size = 0;
        for (int j = 0; j < outColumns; j++) {
            int c = copyFrom[j];
            if (c >= 0) {
                int from = offsets[c];
                int len = end(offsets, rowEnd, c) - from;
                out.write(row, from, len);
                size += len;
            } else {
                Object v = Values.coerce(computed[j].eval(grouped), outTypes[j]);
                computedValues[j] = v;
                size += RowCodec.writeValueSized(out, v);
            }
        }
        for (int k : keyPositions) {
            int c = copyFrom[k];
            keyValues[k] = c >= 0 ? RowCodec.valueAt(row, offsets[c]) : computedValues[k];
        }
        output.addEncoded(keyValues, out, size);
        copiedRows++;
        return true;
    }

    private Object[] decode(byte[] buf, int[] offs) {
        Object[] r = new Object[inColumns];
        for (int c = 0; c < inColumns; c++) {
            r[c] = RowCodec.valueAt(buf, offs[c]);
        }
        return r;
    }

    /** A group through the row-by-row processor (the same output as the rest of the stage would give). */
    private void process(List<Object[]> group, Output output) {
        Iterator<Object[]> it = group.iterator();
        RowSource in = () -> it.hasNext() ? it.next() : null;
        try (RowSource processed = rowByRow.transform(in)) {
            Object[] r;
            while ((r = processed.next()) != null) {
                output.add(r);
            }
        }
    }
}
