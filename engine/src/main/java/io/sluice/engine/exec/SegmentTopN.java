package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.KeyOrder;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.roaringbitmap.BatchIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * ORDER BY … LIMIT over a table without reading whole rows. The rows the filter selects ({@link SegmentFilter}) are
 * ranked on the sort key columns alone, one column at a time and only as far as ties need (longs and doubles as
 * sortable longs, strings by the rank of their dictionary id in code point order, which is the order of the
 * shuffle's byte keys), across all of a worker's segments ({@link Run}); then only the worker's first {@code
 * limitHint} rows are read in full. They are exactly the rows the worker's top-N ({@link TopRows}) would keep of a
 * full scan, ties included.
 */
public final class SegmentTopN {
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
     * Starts one worker's pass over its segments: {@link Run#add} each segment in input order, then {@link
     * Run#finish} adds the rows the worker's top-N keeps to {@code output}. {@code scan} is the stage's row processor
     * over {@code table} rows; {@code [start, end)} the slice's time range.
     */
    public Run start(StageOutput output, RowTransformer scan, RowSignature table, long start, long end) {
        return new Run(requireNonNull(output, "output is null"), requireNonNull(scan, "scan is null"),
                requireNonNull(table, "table is null"), start, end);
    }

    /**
     * One worker's top-N over its segments, found from the key columns alone, one column at a time: {@link #add}
     * reads the first key column of each segment's selected rows and keeps, across segments, the groups of rows
     * (one per segment and value) holding the best values that cover {@code limit} rows. {@link #finish} takes the
     * groups ahead of the boundary value whole; rows that tie on the boundary value are ranked on the next key column
     * (read only in the segments holding them), and so on; rows that tie on every key column are taken in arrival
     * order (segment, then row), as a stable sort would. Only the chosen rows (at most {@code limit}) are read in
     * full and given to the output, in arrival order, so its top-N ({@link TopRows}) keeps exactly them.
     *
     * <p>Counters: the output counts every selected row, so its {@code rows} are those of a full scan. The rows
     * dropped without being read count no bytes ({@link StageOutput#countUnframed}): their frame sizes would need
     * every column of every row decoded, the cost this class exists to avoid; {@code bytes} and {@code frames} are
     * those of the rows read and framed.
     */
    public final class Run {
        private final StageOutput output;
        private final RowTransformer scan;
        private final long start;
        private final long end;
        private final List<String> readColumns = new ArrayList<>();
        private final int[] positions;
        private final int width;
        private final List<Path> files = new ArrayList<>();
        private List<Group> best = List.of();
        private long selectedRows;
        private boolean finished;

        private Run(StageOutput output, RowTransformer scan, RowSignature table, long start, long end) {
            this.output = output;
            this.scan = scan;
            this.start = start;
            this.end = end;
            List<String> all = table.names();
            Set<String> needed = new HashSet<>(List.of(outputColumns));
            needed.addAll(filter.columns());
            needed.add("__time");
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (needed.contains(all.get(i))) {
                    readColumns.add(all.get(i));
                    at.add(i);
                }
            }
            this.positions = at.stream().mapToInt(Integer::intValue).toArray();
            this.width = all.size();
        }

        /** Ranks one segment's selected rows on the first key column; returns how many rows lie in the time range. */
        public long add(Path file, SegmentReader segment) {
            requireNonNull(file, "file is null");
            if (finished) {
                throw new IllegalStateException("top-N already finished");
            }
            int index = files.size();
            files.add(file);
            int[] read = segment.rowRange(start, end);
            boolean sliceCheck = !segment.timeSorted() && !segment.within(start, end);
            long rowsRead = sliceCheck
                    ? rows(segment, read, start, end).getLongCardinality()
                    : Math.max(0, read[1] - read[0]);
            long lo = Math.max(start, filter.start());
            long hi = Math.min(end, filter.end());
            if (lo >= hi || rowsRead == 0) {
                return rowsRead;
            }
            int[] range = segment.rowRange(lo, hi);
            boolean check = !segment.timeSorted() && !segment.within(lo, hi);
            RoaringBitmap selected = rows(segment, range, check ? lo : Long.MIN_VALUE, check ? hi : Long.MAX_VALUE);
            if (filter.hasCondition() && !selected.isEmpty()) {
                selected.and(filter.evaluate(segment));
            }
            selectedRows += selected.getLongCardinality();
            if (limit > 0 && !selected.isEmpty()) {
                best = keep(0, merge(0, best, localBest(segment, index, selected, 0, limit, bound())), limit);
            }
            return rowsRead;
        }

        /**
         * The worker's boundary so far on a numeric first key column, once {@code limit} rows are kept: rows past it
         * cannot enter ({@code Long.MAX_VALUE} when there is none yet).
         */
        private long bound() {
            long rows = 0;
            for (Group g : best) {
                rows += g.rows().getLongCardinality();
            }
            Value last = best.isEmpty() ? null : best.get(best.size() - 1).value();
            return rows < limit || last.isNull() || last.str() != null ? Long.MAX_VALUE : last.num();
        }

        /**
         * Chooses the worker's first {@code limit} rows, reads them in full through {@code open} (which opens a
         * segment file given to {@link #add}) and adds them to the output.
         */
        public void finish(Function<Path, SegmentReader> open) {
            finish(open, Runnable::run);
        }

        /**
         * {@link #finish(Function)}, reading the chosen rows of different segments on this thread and on one more
         * task given to {@code helper} (when it starts in time; this thread never waits for a task that has not
         * started). The rows reach the output in segment order all the same.
         */
        public void finish(Function<Path, SegmentReader> open, Executor helper) {
            requireNonNull(helper, "helper is null");
            if (finished) {
                throw new IllegalStateException("top-N already finished");
            }
            finished = true;
            TreeMap<Integer, RoaringBitmap> chosen = new TreeMap<>();
            if (limit > 0) {
                choose(best, 0, limit, chosen, open);
            }
            best = List.of();
            long kept = 0;
            for (RoaringBitmap b : chosen.values()) {
                kept += b.getLongCardinality();
            }
            output.countUnframed(selectedRows - kept);
            List<Map.Entry<Integer, RoaringBitmap>> work = new ArrayList<>(chosen.entrySet());
            List<List<Object[]>> read = new ArrayList<>(java.util.Collections.nCopies(work.size(), null));
            AtomicInteger next = new AtomicInteger();
            Runnable reader = () -> {
                for (int i; (i = next.getAndIncrement()) < work.size(); ) {
                    try (SegmentReader segment = open.apply(files.get(work.get(i).getKey()))) {
                        List<Object[]> rows = segment.readRows(readColumns, work.get(i).getValue().toArray());
                        synchronized (read) {
                            read.set(i, rows);
                        }
                    }
                }
            };
            AtomicBoolean started = new AtomicBoolean();
            CompletableFuture<Void> help = new CompletableFuture<>();
            if (work.size() > 1) {
                helper.execute(() -> {
                    if (!started.compareAndSet(false, true)) {
                        return;
                    }
                    try {
                        reader.run();
                        help.complete(null);
                    } catch (Throwable t) {
                        next.set(work.size()); // stop the other reader too
                        help.completeExceptionally(t);
                    }
                });
            }
            reader.run();
            if (!started.compareAndSet(false, true)) {
                help.join(); // the helper is running: its segment reads end
            }
            for (int i = 0; i < work.size(); i++) {
                List<Object[]> rows;
                synchronized (read) {
                    rows = read.get(i);
                }
                addRows(rows, work.get(i).getValue());
            }
        }

        private void addRows(List<Object[]> read, RoaringBitmap rows) {
            java.util.Iterator<Object[]> raw = read.iterator();
            RowSource full = () -> {
                if (!raw.hasNext()) {
                    return null;
                }
                Object[] row = raw.next();
                Object[] out = new Object[width];
                for (int i = 0; i < positions.length; i++) {
                    out[positions[i]] = row[i];
                }
                return out;
            };
            long added = 0;
            try (RowSource out = scan.transform(full)) {
                Object[] row;
                while ((row = out.next()) != null) {
                    output.add(row);
                    added++;
                }
            }
            if (added != rows.getLongCardinality()) {
                throw new IllegalStateException(
                        "top-N chose " + rows.getLongCardinality() + " rows but the scan produced " + added);
            }
        }

        /**
         * Adds to {@code chosen} the first {@code need} rows of {@code groups} (sorted on key column {@code level},
         * all tied on the columns before it).
         */
        private void choose(List<Group> groups, int level, long need, TreeMap<Integer, RoaringBitmap> chosen,
                Function<Path, SegmentReader> open) {
            long taken = 0;
            int i = 0;
            while (i < groups.size() && taken < need) {
                int j = i + 1;
                long blockRows = groups.get(i).rows().getLongCardinality();
                while (j < groups.size() && compare(level, groups.get(j).value(), groups.get(i).value()) == 0) {
                    blockRows += groups.get(j).rows().getLongCardinality();
                    j++;
                }
                if (taken + blockRows <= need) {
                    for (int g = i; g < j; g++) {
                        chosen.merge(groups.get(g).segment(), groups.get(g).rows(), (x, y) -> RoaringBitmap.or(x, y));
                    }
                    taken += blockRows;
                    i = j;
                    continue;
                }
                // The boundary value: its rows tie up to this column and only some of them fit.
                TreeMap<Integer, RoaringBitmap> ties = new TreeMap<>();
                for (int g = i; g < j; g++) {
                    ties.merge(groups.get(g).segment(), groups.get(g).rows(), (x, y) -> RoaringBitmap.or(x, y));
                }
                long rest = need - taken;
                if (level + 1 == keyColumns.length) {
                    for (Map.Entry<Integer, RoaringBitmap> e : ties.entrySet()) {
                        if (rest == 0) {
                            break;
                        }
                        RoaringBitmap b = e.getValue();
                        RoaringBitmap first = b.getLongCardinality() <= rest ? b : b.limit((int) rest);
                        chosen.merge(e.getKey(), first, (x, y) -> RoaringBitmap.or(x, y));
                        rest -= first.getLongCardinality();
                    }
                } else {
                    List<Group> next = List.of();
                    for (Map.Entry<Integer, RoaringBitmap> e : ties.entrySet()) {
                        try (SegmentReader segment = open.apply(files.get(e.getKey()))) {
                            next = keep(level + 1,
                                    merge(level + 1, next,
                                            localBest(segment, e.getKey(), e.getValue(), level + 1, rest, Long.MAX_VALUE)),
                                    rest);
                        }
                    }
                    choose(next, level + 1, rest, chosen, open);
                }
                return;
            }
        }
    }

    /** A key column's value: NULL, a number as a sortable long already flipped for a descending column, or a string. */
    private record Value(boolean isNull, long num, String str) {
        static final Value NULL = new Value(true, 0, null);
    }

    /** The rows of one segment that hold one value in key column {@code level} (and tie on the columns before it). */
    private record Group(Value value, int segment, RoaringBitmap rows) {}

    /** Key order of two values of key column {@code level}: the order of their byte keys. */
    private int compare(int level, Value a, Value b) {
        if (a.isNull() || b.isNull()) {
            if (a.isNull() == b.isNull()) {
                return 0;
            }
            int c = a.isNull() ? -1 : 1; // NULL's key byte sorts first; flipped with the column
            return descending[level] ? -c : c;
        }
        if (keyTypes[level] == ColumnType.STRING && !keyColumns[level].equals("__time")) {
            int c = compareCodePoints(a.str(), b.str());
            return descending[level] ? -c : c;
        }
        return Long.compare(a.num(), b.num());
    }

    /** Two lists sorted on key column {@code level}, merged. */
    private List<Group> merge(int level, List<Group> a, List<Group> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        List<Group> out = new ArrayList<>(a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() && j < b.size()) {
            out.add(compare(level, b.get(j).value(), a.get(i).value()) < 0 ? b.get(j++) : a.get(i++));
        }
        out.addAll(a.subList(i, a.size()));
        out.addAll(b.subList(j, b.size()));
        return out;
    }

    /** The first groups of a sorted list that cover {@code need} rows, with every group tied with the last of them. */
    private List<Group> keep(int level, List<Group> groups, long need) {
        long rows = 0;
        for (int i = 0; i < groups.size(); i++) {
            rows += groups.get(i).rows().getLongCardinality();
            if (rows >= need) {
                int j = i + 1;
                while (j < groups.size() && compare(level, groups.get(j).value(), groups.get(i).value()) == 0) {
                    j++;
                }
                return j == groups.size() ? groups : new ArrayList<>(groups.subList(0, j));
            }
        }
        return groups;
    }

    /**
     * The groups of {@code rows} (of one segment) on key column {@code level}, in key order, that hold its first
     * {@code need} rows: every value ahead of the boundary, and the boundary value with all its rows.
     */
    private List<Group> localBest(SegmentReader s, int segment, RoaringBitmap rows, int level, long need,
            long bound) {
        String c = keyColumns[level];
        if (rows.getLongCardinality() <= FEW_ROWS) {
            return fewRowGroups(s, segment, rows, level, need);
        }
        if (!c.equals("__time") && keyTypes[level] == ColumnType.STRING) {
            return stringGroups(s.dictionaryColumn(c).orElseThrow(), segment, rows, level, need);
        }
        long[] longs = null;
        double[] doubles = null;
        RoaringBitmap nulls = null;
        if (c.equals("__time")) {
            longs = s.timeValues();
        } else if (keyTypes[level] == ColumnType.LONG) {
            longs = s.longValues(c).orElseThrow();
            nulls = s.nullRows(c).orElseThrow();
        } else {
            doubles = s.doubleValues(c).orElseThrow();
            nulls = s.nullRows(c).orElseThrow();
        }
        boolean desc = descending[level];
        RoaringBitmap nullRows = nulls == null || nulls.isEmpty() ? null : RoaringBitmap.and(rows, nulls);
        if (nullRows != null && nullRows.isEmpty()) {
            nullRows = null;
        }
        RoaringBitmap values = nullRows == null ? rows : RoaringBitmap.andNot(rows, nullRows);
        long nullCount = nullRows == null ? 0 : nullRows.getLongCardinality();
        long valueCount = values.getLongCardinality();
        List<Group> out = new ArrayList<>();
        if (!desc && nullRows != null) {
            out.add(new Group(Value.NULL, segment, nullRows)); // NULLs first
            if (nullCount >= need) {
                return out;
            }
        }
        long k = Math.min(desc ? need : need - nullCount, valueCount);
        if (k > 0) {
            numericGroups(out, segment, values, (int) k, new Keys(longs, doubles, desc), bound);
        }
        if (desc && nullRows != null && valueCount < need) {
            out.add(new Group(Value.NULL, segment, nullRows)); // NULLs last
        }
        return out;
    }

    /** Up to this many rows, a key column's values are read row by row ({@link SegmentReader#readRows}). */
    private static final int FEW_ROWS = 64;

    /** {@link #localBest} of a few rows (ties on the columns before): their values read alone, then sorted. */
    private List<Group> fewRowGroups(SegmentReader s, int segment, RoaringBitmap rows, int level, long need) {
        int[] r = rows.toArray();
        List<Object[]> read = s.readRows(List.of(keyColumns[level]), r);
        Value[] values = new Value[r.length];
        Integer[] order = new Integer[r.length];
        for (int i = 0; i < r.length; i++) {
            values[i] = value(level, read.get(i)[0]);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> compare(level, values[a], values[b])); // stable: rows stay ascending
        List<Group> out = new ArrayList<>();
        long covered = 0;
        for (int i = 0; i < order.length && covered < need; ) {
            Value v = values[order[i]];
            RoaringBitmap g = new RoaringBitmap();
            while (i < order.length && compare(level, values[order[i]], v) == 0) {
                g.add(r[order[i++]]);
            }
            out.add(new Group(v, segment, g));
            covered += g.getLongCardinality();
        }
        return out;
    }

    /** The key value of a column value as the segment stores it (Long, Double or String). */
    private Value value(int level, Object v) {
        if (v == null) {
            return Value.NULL;
        }
        if (v instanceof String str) {
            return new Value(false, 0, str);
        }
        long x = v instanceof Double d ? sortable(d) : (Long) v;
        return new Value(false, descending[level] ? ~x : x, null);
    }

    /** A double as a long in {@link Double#compare} order, which is the order of its byte key. */
    private static long sortable(double d) {
        long bits = Double.doubleToLongBits(d);
        return bits < 0 ? bits ^ Long.MAX_VALUE : bits;
    }

    /** A numeric key column as longs in key order (flipped when descending). */
    private record Keys(long[] longs, double[] doubles, boolean desc) {
        long at(int row) {
            long v;
            if (longs != null) {
                v = longs[row];
            } else {
                v = sortable(doubles[row]);
            }
            return desc ? ~v : v;
        }
    }

    private static void numericGroups(List<Group> out, int segment, RoaringBitmap rows, int k, Keys keys,
            long bound) {
        // The k-th smallest key (the boundary), then the rows ahead of it (fewer than k) and those equal to it. Keys
        // past {@code bound} are left out: the rows kept from other segments come first.
        long[] heap = smallest(rows, k, keys, bound);
        if (heap.length == 0) {
            return;
        }
        long boundary = heap[0];
        long[] aheadKeys = new long[k];
        int[] aheadRows = new int[k];
        RoaringBitmap tied = new RoaringBitmap();
        int ahead = collect(rows, boundary, keys, aheadKeys, aheadRows, tied);
        // Groups of the rows ahead, in key order; each group's rows ascending as collected.
        long[] distinct = Arrays.copyOf(aheadKeys, ahead);
        Arrays.sort(distinct);
        int groups = 0;
        for (int i = 0; i < ahead; i++) {
            if (i == 0 || distinct[i] != distinct[groups - 1]) {
                distinct[groups++] = distinct[i];
            }
        }
        RoaringBitmap[] members = new RoaringBitmap[groups];
        for (int i = 0; i < ahead; i++) {
            int g = Arrays.binarySearch(distinct, 0, groups, aheadKeys[i]);
            if (members[g] == null) {
                members[g] = new RoaringBitmap();
            }
            members[g].add(aheadRows[i]);
        }
        for (int g = 0; g < groups; g++) {
            out.add(new Group(new Value(false, distinct[g], null), segment, members[g]));
        }
        out.add(new Group(new Value(false, boundary, null), segment, tied));
    }

    /**
     * The {@code k} smallest keys of the rows no greater than {@code bound} (all of them when fewer) as a max-heap: the
     * largest of them first.
     */
    private static long[] smallest(RoaringBitmap rows, int k, Keys keys, long bound) {
        long[] heap = new long[k];
        int size = 0;
        int[] buf = new int[256];
        BatchIterator it = rows.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(buf);
            for (int i = 0; i < n; i++) {
                long v = keys.at(buf[i]);
                if (v > bound) {
                    continue;
                }
                if (size < k) {
                    heap[size] = v;
                    siftUp(heap, size++);
                } else if (v < heap[0]) {
                    heap[0] = v;
                    siftDown(heap, size);
                }
            }
        }
        return size == k ? heap : Arrays.copyOf(heap, size);
    }

    /** Puts the rows with a key below {@code boundary} in the arrays (returns how many), those equal in {@code tied}. */
    private static int collect(RoaringBitmap rows, long boundary, Keys keys, long[] aheadKeys, int[] aheadRows,
            RoaringBitmap tied) {
        int ahead = 0;
        int[] buf = new int[256];
        BatchIterator it = rows.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(buf);
            for (int i = 0; i < n; i++) {
                long v = keys.at(buf[i]);
                if (v < boundary) {
                    aheadKeys[ahead] = v;
                    aheadRows[ahead++] = buf[i];
                } else if (v == boundary) {
                    tied.add(buf[i]);
                }
            }
        }
        return ahead;
    }

    private List<Group> stringGroups(SegmentReader.DictionaryColumn d, int segment, RoaringBitmap rows, int level,
            long need) {
        int[] ids = d.ids();
        int size = d.dictionarySize();
        int[] count = new int[size];
        int[] buf = new int[256];
        BatchIterator it = rows.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(buf);
            for (int i = 0; i < n; i++) {
                count[ids[buf[i]]]++;
            }
        }
        int[] rank = codePointRanks(d);
        int[] byRank = new int[size];
        for (int id = 0; id < size; id++) {
            byRank[rank[id]] = id;
        }
        int[] slot = new int[size];
        Arrays.fill(slot, -1);
        List<Integer> chosen = new ArrayList<>();
        long covered = 0;
        for (int i = 0; i < size && covered < need; i++) {
            int id = byRank[descending[level] ? size - 1 - i : i]; // NULL (rank 0) first, or last when descending
            if (count[id] > 0) {
                slot[id] = chosen.size();
                chosen.add(id);
                covered += count[id];
            }
        }
        RoaringBitmap[] groups = new RoaringBitmap[chosen.size()];
        for (int g = 0; g < groups.length; g++) {
            groups[g] = new RoaringBitmap();
        }
        it = rows.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(buf);
            for (int i = 0; i < n; i++) {
                int g = slot[ids[buf[i]]];
                if (g >= 0) {
                    groups[g].add(buf[i]);
                }
            }
        }
        List<Group> out = new ArrayList<>(groups.length);
        for (int g = 0; g < groups.length; g++) {
            int id = chosen.get(g);
            out.add(new Group(id == 0 ? Value.NULL : new Value(false, 0, d.value(id)), segment, groups[g]));
        }
        return out;
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

    private static void siftUp(long[] heap, int i) {
        long x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= x) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    private static void siftDown(long[] heap, int size) {
        int i = 0;
        long x = heap[0];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= x) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
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
}
