package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.KeyOrder;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * ORDER BY … LIMIT over a table without reading whole rows: for each segment, the rows the filter selects
 * ({@link SegmentFilter}) are ranked on the sort key columns alone (longs, doubles, and strings by the rank of their
 * dictionary id in code point order, which is the order of the shuffle's byte keys), and only the segment's first
 * {@code limitHint} rows in (key, row) order are read in full. Those candidates contain every row the worker's
 * top-N ({@link TopRows}) keeps, since a row outside its segment's first N is outside the worker's first N.
 *
 * <p>For the output counters, which count every row the scan produces, {@link #rowSize} gives a row's frame size
 * from its columns' values without building the row.
 */
public final class SegmentTopN {
    private static final int[] NO_SIZES = new int[0];
    private final SegmentFilter filter;
    private final long limit;
    private final String[] keyColumns;
    private final ColumnType[] keyTypes;
    private final boolean[] descending;
    private final String[] outputColumns;
    private final ColumnType[] outputTypes;

    private SegmentTopN(SegmentFilter filter, long limit, String[] keyColumns, ColumnType[] keyTypes,
            boolean[] descending, String[] outputColumns, ColumnType[] outputTypes) {
        this.filter = filter;
        this.limit = limit;
        this.keyColumns = keyColumns;
        this.keyTypes = keyTypes;
        this.descending = descending;
        this.outputColumns = outputColumns;
        this.outputTypes = outputTypes;
    }

    /**
     * The segment top-N for a scan stage over {@code table}, or empty unless: the stage sorts into a shuffle with a
     * limit hint, the scan has no UNNEST, join or per-worker limit, its filter is answered by {@link SegmentFilter},
     * and every output column is a table column of LONG, DOUBLE, FLOAT or STRING type read as is.
     */
    public static Optional<SegmentTopN> plan(StageDefinition stage, RowSignature table) {
        requireNonNull(stage, "stage is null");
        requireNonNull(table, "table is null");
        if (!(stage.processor() instanceof ScanProcessorSpec scan) || scan.unnest() != null || scan.join() != null
                || scan.limit() != null || !(stage.shuffleSpec() instanceof ShuffleSpec.MaxCount mc)
                || mc.limitHint() == null || mc.aggregate()) {
            return Optional.empty();
        }
        Optional<SegmentFilter> filter = SegmentFilter.compile(scan.filter(), table);
        if (filter.isEmpty()) {
            return Optional.empty();
        }
        int n = scan.columns().size();
        String[] out = new String[n];
        ColumnType[] outTypes = new ColumnType[n];
        for (int i = 0; i < n; i++) {
            NamedExpr c = scan.columns().get(i);
            if (!(c.expr() instanceof ColumnRef ref)) {
                return Optional.empty();
            }
            ColumnType t = table.typeOf(ref.column()).orElse(null);
            if (t != c.type() || !(t == ColumnType.LONG || t == ColumnType.DOUBLE || t == ColumnType.FLOAT
                    || t == ColumnType.STRING)) {
                return Optional.empty();
            }
            out[i] = ref.column();
            outTypes[i] = t;
        }
        List<KeyColumn> keys = mc.clusterBy().columns();
        String[] keyCols = new String[keys.size()];
        ColumnType[] keyTypes = new ColumnType[keys.size()];
        boolean[] desc = new boolean[keys.size()];
        for (int k = 0; k < keys.size(); k++) {
            int pos = -1;
            for (int i = 0; i < n; i++) {
                if (scan.columns().get(i).name().equals(keys.get(k).columnName())) {
                    pos = i;
                }
            }
            if (pos < 0 || outTypes[pos] == ColumnType.FLOAT) {
                return Optional.empty();
            }
            keyCols[k] = out[pos];
            keyTypes[k] = outTypes[pos];
            desc[k] = keys.get(k).order() == KeyOrder.DESCENDING;
        }
        return Optional.of(new SegmentTopN(filter.get(), mc.limitHint(), keyCols, keyTypes, desc, out, outTypes));
    }

    /** True when the segment has every column with the planned type, strings single-valued. */
    public boolean canRead(SegmentReader segment) {
        for (int i = 0; i < outputColumns.length; i++) {
            if (outputColumns[i].equals("__time")) {
                continue;
            }
            if (segment.columnType(outputColumns[i]).orElse(null) != outputTypes[i]
                    || segment.isMultiValue(outputColumns[i])) {
                return false;
            }
        }
        return filter.canRead(segment);
    }

    /**
     * The rows of one segment: those in the time range that pass the filter ({@code selected}), the first
     * {@code limitHint} of them in key order ({@code candidates}), and how many rows lie in the time range.
     */
    public record Selection(RoaringBitmap selected, RoaringBitmap candidates, long rowsRead) {}

    public Selection select(SegmentReader segment, long start, long end) {
        int[] read = segment.rowRange(start, end);
        boolean sliceCheck = !segment.timeSorted() && !segment.within(start, end);
        RoaringBitmap inSlice = rows(segment, read, sliceCheck ? start : Long.MIN_VALUE, sliceCheck ? end : Long.MAX_VALUE);
        long rowsRead = inSlice.getLongCardinality();
        long lo = Math.max(start, filter.start());
        long hi = Math.min(end, filter.end());
        RoaringBitmap selected;
        if (lo >= hi) {
            selected = new RoaringBitmap();
        } else {
            int[] range = segment.rowRange(lo, hi);
            boolean check = !segment.timeSorted() && !segment.within(lo, hi);
            selected = rows(segment, range, check ? lo : Long.MIN_VALUE, check ? hi : Long.MAX_VALUE);
            if (filter.hasCondition() && !selected.isEmpty()) {
                selected.and(filter.evaluate(segment));
            }
        }
        return new Selection(selected, top(segment, selected), rowsRead);
    }

    private static RoaringBitmap rows(SegmentReader segment, int[] range, long lo, long hi) {
        if (range[0] >= range[1]) {
            return new RoaringBitmap();
        }
        if (lo == Long.MIN_VALUE && hi == Long.MAX_VALUE) {
            return RoaringBitmap.bitmapOfRange(range[0], range[1]);
        }
        long[] time = segment.timeValues();
        RoaringBitmap b = new RoaringBitmap();
        for (int r = range[0]; r < range[1]; r++) {
            if (time[r] >= lo && time[r] < hi) {
                b.add(r);
            }
        }
        return b;
    }

    /** The first {@code limit} selected rows in (key, row number) order, in a bounded max-heap of row numbers. */
    private RoaringBitmap top(SegmentReader segment, RoaringBitmap selected) {
        if (limit == 0 || selected.isEmpty()) {
            return new RoaringBitmap();
        }
        if (selected.getLongCardinality() <= limit) {
            return selected.clone();
        }
        RowOrder order = new RowOrder(segment);
        int k = (int) limit;
        int[] heap = new int[k];
        int size = 0;
        for (IntIterator it = selected.getIntIterator(); it.hasNext(); ) {
            int r = it.next();
            if (size < k) {
                heap[size] = r;
                siftUp(heap, size++, order);
            } else if (order.compare(r, heap[0]) < 0) {
                heap[0] = r;
                siftDown(heap, size, order);
            }
        }
        RoaringBitmap out = new RoaringBitmap();
        for (int i = 0; i < size; i++) {
            out.add(heap[i]);
        }
        return out;
    }

    private static void siftUp(int[] heap, int i, RowOrder order) {
        int x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (order.compare(heap[parent], x) >= 0) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    private static void siftDown(int[] heap, int size, RowOrder order) {
        int i = 0;
        int x = heap[0];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && order.compare(heap[child + 1], heap[child]) > 0) {
                child++;
            }
            if (order.compare(heap[child], x) <= 0) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }

    /** The sort key order of a segment's rows, ties broken by row number (the order rows arrive in). */
    private final class RowOrder {
        private final long[][] longs;
        private final double[][] doubles;
        private final int[][] ids;
        private final int[][] ranks;
        private final RoaringBitmap[] nulls;

        RowOrder(SegmentReader s) {
            int n = keyColumns.length;
            longs = new long[n][];
            doubles = new double[n][];
            ids = new int[n][];
            ranks = new int[n][];
            nulls = new RoaringBitmap[n];
            for (int k = 0; k < n; k++) {
                String c = keyColumns[k];
                if (c.equals("__time")) {
                    longs[k] = s.timeValues();
                    continue;
                }
                switch (keyTypes[k]) {
                    case LONG -> longs[k] = s.longValues(c).orElseThrow();
                    case DOUBLE -> doubles[k] = s.doubleValues(c).orElseThrow();
                    case STRING -> {
                        SegmentReader.DictionaryColumn d = s.dictionaryColumn(c).orElseThrow();
                        ids[k] = d.ids();
                        ranks[k] = codePointRanks(d);
                    }
                    default -> throw new IllegalStateException("key type " + keyTypes[k]);
                }
                if (keyTypes[k] != ColumnType.STRING) {
                    RoaringBitmap nb = s.nullRows(c).orElseThrow();
                    nulls[k] = nb.isEmpty() ? null : nb;
                }
            }
        }

        /** Negative when row a comes first. NULL sorts first ascending and last descending, as the byte keys. */
        int compare(int a, int b) {
            for (int k = 0; k < keyColumns.length; k++) {
                int c;
                RoaringBitmap nb = nulls[k];
                boolean na = nb != null && nb.contains(a);
                boolean nbb = nb != null && nb.contains(b);
                if (na || nbb) {
                    c = na == nbb ? 0 : na ? -1 : 1;
                } else if (longs[k] != null) {
                    c = Long.compare(longs[k][a], longs[k][b]);
                } else if (doubles[k] != null) {
                    c = Double.compare(doubles[k][a], doubles[k][b]);
                } else {
                    c = Integer.compare(ranks[k][ids[k][a]], ranks[k][ids[k][b]]);
                }
                if (c != 0) {
                    return descending[k] ? -c : c;
                }
            }
            return Integer.compare(a, b);
        }
    }

    /**
     * Rank of each dictionary id in code point order (UTF-8 byte order, the order of the shuffle's string keys), NULL
     * first. The identity when the dictionary is stored in that order already.
     */
    static int[] codePointRanks(SegmentReader.DictionaryColumn d) {
        int size = d.dictionarySize();
        int[] rank = new int[size];
        boolean sorted = true;
        for (int i = 2; i < size && sorted; i++) {
            sorted = d.compareIds(i - 1, i) < 0;
        }
        if (sorted) {
            for (int i = 0; i < size; i++) {
                rank[i] = i;
            }
            return rank;
        }
        Integer[] byValue = new Integer[size - 1];
        for (int i = 1; i < size; i++) {
            byValue[i - 1] = i;
        }
        Arrays.sort(byValue, d::compareIds);
        for (int i = 0; i < byValue.length; i++) {
            rank[byValue[i]] = i + 1;
        }
        return rank;
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * Adds one segment's part of the scan's output to a limit-hinted {@code output}: the candidate rows read in full
     * and run through {@code scan} (the stage's row processor over {@code table} rows), in row order, and every other
     * selected row counted as dropped output. Returns how many rows lie in the time range (rows read).
     */
    public long addTo(StageOutput output, SegmentReader segment, long start, long end, RowTransformer scan,
            RowSignature table) {
        Selection sel = select(segment, start, end);
        if (sel.selected().isEmpty()) {
            return sel.rowsRead();
        }
        List<String> all = table.names();
        java.util.Set<String> needed = new java.util.HashSet<>(List.of(outputColumns));
        needed.addAll(filter.columns());
        needed.add("__time");
        List<String> columns = new ArrayList<>();
        List<Integer> positionList = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (needed.contains(all.get(i))) {
                columns.add(all.get(i));
                positionList.add(i);
            }
        }
        int[] positions = positionList.stream().mapToInt(Integer::intValue).toArray();
        int width = all.size();
        io.sluice.engine.rows.RowSource raw = segment.scan(columns, start, end, sel.candidates());
        io.sluice.engine.rows.RowSource full = () -> {
            Object[] row = raw.next();
            if (row == null) {
                return null;
            }
            Object[] out = new Object[width];
            for (int i = 0; i < positions.length; i++) {
                out[positions[i]] = row[i];
            }
            return out;
        };
        boolean dropsRows = sel.candidates().getLongCardinality() < sel.selected().getLongCardinality();
        int[] rows = sel.selected().toArray();
        int[] sizes = dropsRows ? sizer(segment).rowSizes(rows) : null;
        try (io.sluice.engine.rows.RowSource candidates = scan.transform(full)) {
            // Candidates are a subset of the selected rows, both ascending: walk them together.
            int j = 0;
            for (IntIterator it = sel.candidates().getIntIterator(); it.hasNext(); ) {
                int candidate = it.next();
                int from = j;
                while (rows[j] != candidate) {
                    j++;
                }
                output.countDropped(sizes == null ? NO_SIZES : sizes, from, j);
                Object[] out = candidates.next();
                if (out == null) {
                    throw new IllegalStateException("candidate row " + candidate + " was not produced by the scan");
                }
                output.add(out);
                j++;
            }
            if (j < rows.length) {
                output.countDropped(sizes, j, rows.length);
            }
        }
        return sel.rowsRead();
    }

    /** Computes output row sizes of one segment's rows ({@link RowCodec#rowSize} of the row the scan would emit). */
    public RowSizer sizer(SegmentReader segment) {
        return new RowSizer(segment);
    }

    /** Frame sizes of a segment's output rows, from per-value sizes (strings: once per dictionary id). */
    public final class RowSizer {
        private final long[][] longs;
        private final int[][] ids;
        private final int[][] idSizes;
        private final RoaringBitmap[] nulls;
        private final int[] fixed;

        RowSizer(SegmentReader s) {
            int n = outputColumns.length;
            longs = new long[n][];
            ids = new int[n][];
            idSizes = new int[n][];
            nulls = new RoaringBitmap[n];
            fixed = new int[n];
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String c = outputColumns[i];
                seen.add(c);
                if (c.equals("__time")) {
                    longs[i] = s.timeValues();
                    continue;
                }
                switch (outputTypes[i]) {
                    case LONG -> longs[i] = s.longValues(c).orElseThrow();
                    case DOUBLE -> fixed[i] = RowCodec.sizeOf(0d);
                    case FLOAT -> fixed[i] = RowCodec.sizeOf(0f);
                    case STRING -> {
                        SegmentReader.DictionaryColumn d = s.dictionaryColumn(c).orElseThrow();
                        ids[i] = d.ids();
                        int first = seen.indexOf(c);
                        if (first < i) {
                            idSizes[i] = idSizes[first];
                        } else {
                            int[] sizes = new int[d.dictionarySize()];
                            sizes[0] = RowCodec.sizeOf(null);
                            for (int id = 1; id < sizes.length; id++) {
                                sizes[id] = RowCodec.stringSize(d.utf8Length(id));
                            }
                            idSizes[i] = sizes;
                        }
                    }
                    default -> throw new IllegalStateException("output type " + outputTypes[i]);
                }
                if (outputTypes[i] != ColumnType.STRING) {
                    RoaringBitmap nb = s.nullRows(c).orElseThrow();
                    nulls[i] = nb.isEmpty() ? null : nb;
                }
            }
        }

        /** The frame size of each given row's output, column by column. */
        public int[] rowSizes(int[] rows) {
            int[] sizes = new int[rows.length];
            int nullSize = RowCodec.sizeOf(null);
            for (int i = 0; i < fixed.length; i++) {
                long[] nullBits = null;
                if (nulls[i] != null) {
                    nullBits = new long[(rows[rows.length - 1] >>> 6) + 1];
                    for (IntIterator it = nulls[i].getIntIterator(); it.hasNext(); ) {
                        int r = it.next();
                        if (r >>> 6 < nullBits.length) {
                            nullBits[r >>> 6] |= 1L << r;
                        }
                    }
                }
                if (ids[i] != null) {
                    int[] id = ids[i];
                    int[] idSize = idSizes[i];
                    for (int j = 0; j < rows.length; j++) {
                        sizes[j] += idSize[id[rows[j]]];
                    }
                } else if (longs[i] != null) {
                    long[] v = longs[i];
                    for (int j = 0; j < rows.length; j++) {
                        int r = rows[j];
                        sizes[j] += nullBits != null && (nullBits[r >>> 6] & (1L << r)) != 0
                                ? nullSize
                                : RowCodec.longSize(v[r]);
                    }
                } else {
                    int f = fixed[i];
                    for (int j = 0; j < rows.length; j++) {
                        int r = rows[j];
                        sizes[j] += nullBits != null && (nullBits[r >>> 6] & (1L << r)) != 0 ? nullSize : f;
                    }
                }
            }
            return sizes;
        }
    }
}
