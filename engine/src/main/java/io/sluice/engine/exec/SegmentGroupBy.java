package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.Aggregator;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.agg.Aggregators;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.segment.LongKeySort;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.segment.StripedUtf8Dictionary;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.BatchIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Pre-shuffle GROUP BY straight over segments' columns, for the common shapes: no or one dimension that is a
 * single-value STRING column, aggregators COUNT(*), COUNT(col), SUM/MIN/MAX of a LONG or DOUBLE column and exact
 * COUNT(DISTINCT string column), without FILTER clauses, and a WHERE that {@link SegmentFilter} answers from the
 * indexes. Rows are selected as a row range (sorted {@code __time}) and a bitmap, grouped on dictionary ids and
 * folded into primitive arrays; COUNT(DISTINCT) keeps the distinct (group, value id) pairs. An unfiltered COUNT(*) reads
 * no column at all when a segment lies inside the time range (its row count is in the header).
 *
 * <p>Output rows are exactly those of the row-by-row pre-shuffle processor ({@code StageProcessors}): dimension
 * values followed by each aggregator's intermediate value, the same groups (possibly split into several rows when
 * more than {@link #MAX_GROUPS} groups or the {@link #limitMemory memory limit} of state are held; the shuffle
 * combines them), and for a query without dimensions on worker 0 one row of empty aggregates when no row matched.
 * Group keys and COUNT(DISTINCT) values are interned by their UTF-8 bytes in worker-wide dictionaries ({@link
 * StripedUtf8Dictionary}: prefetch threads intern two segments at once), so a segment's dictionary maps to them
 * without making a {@code String} per value; a drain gives the groups in key order, so that the stage's sorter can
 * write them through without sorting (unless {@link #wholeGroups} says the order does not matter).
 */
public final class SegmentGroupBy {
    private static final int BATCH = 4096;
    /** Groups held at most before they are drained. */
    static final int MAX_GROUPS = 1 << 22;
    /** Approximate bytes of state held at most before the groups are drained, unless {@link #limitMemory} says. */
    public static final long MAX_BYTES = Math.min(384L << 20, Runtime.getRuntime().maxMemory() / 8 * 3);

    private final String dimension; // null: no dimension (or the dimension is a column of the joined side)
    private final SegmentFilter filter;
    private final Join join; // null: no join
    private final AggDef[] defs;
    private final Aggregator[] generic; // for the empty row
    private final int workerNumber;
    private final boolean countOnly;
    private long maxBytes = MAX_BYTES;
    /** Bytes borrowed at a time past the limit. */
    private static final long BORROW_STEP = 32L << 20;
    private MemoryLoan loan = MemoryLoan.NONE;

    // Groups held: the dictionary of keys (group = key id); per aggregator, its state arrays by group.
    private StripedUtf8Dictionary keys = new StripedUtf8Dictionary();
    private final State[] states;
    private boolean emittedAny;
    /** Segments {@link #addByKey} folded (for tests). */
    private int foldedByKey;

    /**
     * Prefetch threads intern a segment's values ahead ({@link #internAhead}, holding the read lock) into the
     * dictionaries ({@link #keys}, and the values of COUNT(DISTINCT) states) while this processor folds the one
     * before; a drain swaps the dictionaries and states holding the write lock, so no thread interns into those it
     * drains. {@link #add}, {@link #full} and {@link #drain} run on one thread at a time (the processor's).
     */
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    /** Bumped by every drain: what was interned ahead for an earlier generation is stale. */
    private int generation;
    /** Maps interned ahead, by segment (taken by {@link #add}). */
    private final Map<SegmentReader, Ahead> ahead = Collections.synchronizedMap(new IdentityHashMap<>());
    /** Groups whose state arrays are sized (folding thread only). */
    private int ensured;
    /** Groups with rows folded since the last drain; keys interned ahead have none until their segment is added. */
    private BitSet folded = new BitSet();
    /** Set by {@link #wholeGroups}: how a first drain that is also the last gives its groups. */
    private boolean whole;
    private boolean wholeOrdered;
    private boolean wholeFinalized;
    private int drains;
    private boolean drainedWhole;
    /** Set by {@link #keepTop}: a whole, finalized drain gives only the groups that may rank in a top-N. */
    private int topAggregator = -1;
    private long topLimit;
    private boolean topDescending;
    private java.util.function.LongConsumer topPruned;

    /** A segment's dictionary ids mapped ahead: to group ids, and per aggregator (COUNT(DISTINCT) only) to value ids. */
    private record Ahead(int generation, int[] keyMap, int[][] valueMaps) {}

    private SegmentGroupBy(String dimension, SegmentFilter filter, AggDef[] defs, Aggregator[] generic,
            int workerNumber, Join join) {
        this.dimension = dimension;
        this.filter = filter;
        this.join = join;
        this.defs = defs;
        this.generic = generic;
        this.workerNumber = workerNumber;
        this.states = new State[defs.length];
        boolean onlyCounts = true;
        for (int i = 0; i < defs.length; i++) {
            states[i] = defs[i].newState();
            onlyCounts &= defs[i].kind == Kind.COUNT_ALL;
        }
        this.countOnly = onlyCounts && dimension == null && !filter.hasCondition() && join == null;
    }

    /** The columnar processor for this stage, or empty when the spec has a shape it does not handle. */
    public static Optional<SegmentGroupBy> plan(GroupByPreShuffleSpec spec, RowSignature table, int workerNumber) {
        requireNonNull(spec, "spec is null");
        requireNonNull(table, "table is null");
        if (spec.dimensions().size() > 1) {
            return Optional.empty();
        }
        String dimension = null;
        if (spec.dimensions().size() == 1) {
            NamedExpr d = spec.dimensions().get(0);
            if (!(d.expr() instanceof ColumnRef ref) || d.type() != ColumnType.STRING
                    || ref.column().equals("__time") || table.typeOf(ref.column()).orElse(null) != ColumnType.STRING) {
                return Optional.empty();
            }
            dimension = ref.column();
        }
        Optional<SegmentFilter> filter = SegmentFilter.compile(spec.filter(), table);
        if (filter.isEmpty()) {
            return Optional.empty();
        }
        AggDef[] defs = new AggDef[spec.aggregations().size()];
        for (int i = 0; i < defs.length; i++) {
            defs[i] = AggDef.of(spec.aggregations().get(i), table);
            if (defs[i] == null) {
                return Optional.empty();
            }
        }
        Aggregator[] generic = Aggregators.createAll(spec.aggregations(), table);
        for (int i = 0; i < defs.length; i++) {
            defs[i].generic = generic[i];
            defs[i].width = table.size();
            defs[i].position = defs[i].column == null ? -1 : table.indexOf(defs[i].column);
        }
        return Optional.of(new SegmentGroupBy(dimension, filter.get(), defs, generic, workerNumber, null));
    }

    /**
     * The columnar processor for a stage whose rows are first joined with a broadcast side ({@code spec.join()}): one
     * STRING key column on each side, the dimension a STRING column of either side, aggregators and filter over the
     * table's columns only. Each table row counts once per matching broadcast row (once with NULLs for an unmatched
     * row of a LEFT join), in the broadcast side's order, as the row-by-row join produces them.
     */
    public static Optional<SegmentGroupBy> plan(GroupByPreShuffleSpec spec, RowSignature table, RowSignature right,
            List<Object[]> rightRows, int workerNumber) {
        requireNonNull(spec.join(), "spec has no join");
        io.sluice.engine.plan.JoinSpec j = spec.join();
        if (j.leftKeys().size() != 1 || !(j.leftKeys().get(0) instanceof ColumnRef leftKey)
                || leftKey.column().equals("__time")
                || table.typeOf(leftKey.column()).orElse(null) != ColumnType.STRING
                || right.typeOf(j.rightKeys().get(0)).orElse(null) != ColumnType.STRING
                || rightRows.size() > JoinTransformer.MAX_BROADCAST_ROWS || spec.dimensions().size() > 1) {
            return Optional.empty();
        }
        int rightDim = -1;
        GroupByPreShuffleSpec tableSide = spec;
        if (spec.dimensions().size() == 1 && spec.dimensions().get(0).expr() instanceof ColumnRef ref
                && ref.column().startsWith(j.rightPrefix()) && table.indexOf(ref.column()) < 0) {
            String name = ref.column().substring(j.rightPrefix().length());
            rightDim = right.indexOf(name);
            if (rightDim < 0 || right.type(rightDim) != ColumnType.STRING
                    || spec.dimensions().get(0).type() != ColumnType.STRING) {
                return Optional.empty();
            }
            for (Object[] r : rightRows) {
                if (r[rightDim] != null && !(r[rightDim] instanceof String)) {
                    return Optional.empty();
                }
            }
            tableSide = new GroupByPreShuffleSpec(spec.filter(), List.of(), spec.aggregations());
        }
        Optional<SegmentGroupBy> base = plan(tableSide, table, workerNumber);
        if (base.isEmpty()) {
            return base;
        }
        int rightKey = right.indexOf(j.rightKeys().get(0));
        Map<String, List<Object[]>> lookup = new HashMap<>();
        for (Object[] r : rightRows) {
            if (r[rightKey] instanceof String k) {
                lookup.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
            }
        }
        SegmentGroupBy b = base.get();
        Join join = new Join(leftKey.column(), lookup, "LEFT".equals(j.joinType()), rightDim);
        return Optional.of(new SegmentGroupBy(b.dimension, b.filter, b.defs, b.generic, workerNumber, join));
    }

    /** A broadcast join folded into the grouping: the table's key column, the broadcast rows by key. */
    private record Join(String keyColumn, Map<String, List<Object[]>> lookup, boolean left, int rightDimension) {}

    /** How many segments were folded by their key column's dictionary ids rather than row by row. */
    int segmentsFoldedByKey() {
        return foldedByKey;
    }

    /** False when {@link #add} reads no column of a segment that lies in the time range (an unfiltered COUNT(*)). */
    public boolean readsColumns() {
        return !countOnly;
    }

    /** Decodes the columns {@link #add} reads from the segment (so that another thread can do it ahead). */
    public void preload(SegmentReader segment) {
        if (dimension != null) {
            segment.dictionaryColumn(dimension);
        }
        if (join != null) {
            segment.dictionaryColumn(join.keyColumn());
        }
        // the values addByKey folds are read packed; a segment at the edge of the time range still decodes its own
        boolean packed = !filter.hasCondition() && foldsByKey(segment);
        for (AggDef d : defs) {
            if (d.column == null) {
                continue;
            }
            switch (d.columnType) {
                case STRING -> segment.dictionaryColumn(d.column);
                case LONG -> {
                    if (!packed || segment.packedLongs(d.column).isEmpty()) {
                        segment.longValues(d.column);
                    }
                }
                case DOUBLE -> segment.doubleValues(d.column);
                default -> segment.nullRows(d.column);
            }
        }
    }

    /**
     * Interns the group keys and COUNT(DISTINCT) values that {@link #add} will meet in the segment's rows with
     * {@code start <= __time < end}, so that another thread does it while this processor folds an earlier segment;
     * {@code add} then only looks the ids up. Does nothing for the shapes whose rows are not a plain range of the
     * segment (a WHERE with conditions, a join, rows to check against the time range), nor for a segment {@link
     * #addByKey} folds: {@code add} interns those itself. Thread-safe; may run for several segments at once.
     */
    public void internAhead(SegmentReader segment, long start, long end) {
        if (dimension == null || join != null || filter.hasCondition() || foldsByKey(segment)) {
            return; // addByKey finds the keys with rows in its first pass: interning them needs no pass of its own
        }
        int[] range = plainRange(segment, start, end);
        if (range == null) {
            return;
        }
        SegmentReader.DictionaryColumn dim = segment.dictionaryColumn(dimension).orElseThrow();
        boolean[] used = usedIds(dim.ids(), dim.dictionarySize(), range);
        int[] keyMap = new int[used.length];
        Arrays.fill(keyMap, -1);
        int[][] valueMaps = new int[defs.length][];
        boolean[][] valuesUsed = new boolean[defs.length][];
        SegmentReader.DictionaryColumn[] valueColumns = new SegmentReader.DictionaryColumn[defs.length];
        for (int a = 0; a < defs.length; a++) {
            if (defs[a].kind == Kind.DISTINCT) {
                valueColumns[a] = segment.dictionaryColumn(defs[a].column).orElseThrow();
                valuesUsed[a] = usedIds(valueColumns[a].ids(), valueColumns[a].dictionarySize(), range);
                if (valuesUsed[a].length > 0) {
                    valuesUsed[a][0] = false; // NULL is not a value
                }
                valueMaps[a] = new int[valuesUsed[a].length];
                Arrays.fill(valueMaps[a], -1);
            }
        }
        swap.readLock().lock();
        try {
            keys.internAll(dim, used, keyMap);
            for (int a = 0; a < defs.length; a++) {
                if (valueColumns[a] != null) {
                    ((Distinct) states[a]).values.internAll(valueColumns[a], valuesUsed[a], valueMaps[a]);
                }
            }
            ahead.put(segment, new Ahead(generation, keyMap, valueMaps));
        } finally {
            swap.readLock().unlock();
        }
    }

    /**
     * The rows {@link #add} folds as a range of the segment when they need no per-row time check, else null (also
     * when no row is in range).
     */
    private int[] plainRange(SegmentReader segment, long start, long end) {
        long lo = Math.max(start, filter.start());
        long hi = Math.min(end, filter.end());
        if (lo >= hi) {
            return null;
        }
        int[] range = segment.rowRange(lo, hi);
        if (range[0] >= range[1] || (!segment.timeSorted() && !segment.within(lo, hi))) {
            return null;
        }
        return range;
    }

    private static boolean[] usedIds(int[] ids, int dictionarySize, int[] range) {
        boolean[] used = new boolean[dictionarySize];
        for (int r = range[0]; r < range[1]; r++) {
            used[ids[r]] = true;
        }
        return used;
    }

    /** True when every column this processor reads has the needed type and shape in the segment. */
    public boolean canRead(SegmentReader segment) {
        if (dimension != null && !singleValueString(segment, dimension)) {
            return false;
        }
        if (join != null && !singleValueString(segment, join.keyColumn())) {
            return false;
        }
        for (AggDef d : defs) {
            if (!d.canRead(segment)) {
                return false;
            }
        }
        return filter.canRead(segment);
    }

    /**
     * True when enough groups are held that they should be {@link #drain drained} before the next segment: more than
     * {@link #MAX_GROUPS} groups or about the memory limit of state. Groups are arrays and bytes, not objects, so far
     * more of them fit than in the row processor's map, and a worker emits each group once in the usual case.
     */
    public boolean full() {
        if (keys.count() >= MAX_GROUPS || loan.recalled()) {
            return true;
        }
        long bytes = keys.memoryBytes();
        for (State s : states) {
            bytes += s.memoryBytes();
        }
        // past the own limit, borrow (up to MAX_BYTES in all) rather than drain: each drain splits groups into
        // more output rows that the stage's sorter and the next stage must merge again
        while (bytes >= maxBytes + loan.held()) {
            long room = MAX_BYTES - maxBytes - loan.held();
            if (room <= 0 || loan.borrow(Math.min(room, BORROW_STEP)) == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lets the state grow past the {@link #limitMemory memory limit} with memory borrowed from {@code loan}, up to
     * {@link #MAX_BYTES}; a recalled loan makes the processor {@link #full} (drain, and the loan is repaid once the
     * drained rows have been iterated). The caller closes the loan.
     */
    public SegmentGroupBy borrowing(MemoryLoan loan) {
        this.loan = java.util.Objects.requireNonNull(loan, "loan is null");
        return this;
    }

    /**
     * For a GROUP BY this processor computes whole (one worker reads all of the input): when the first drain is the
     * last one, its rows are the whole groups, with finalized aggregator values when {@code finalized}, and in key
     * order only when {@code ordered} (sorting a few million keys is not free). {@link #drainedWhole} tells which
     * happened. Returns this processor.
     */
    public SegmentGroupBy wholeGroups(boolean ordered, boolean finalized) {
        this.whole = true;
        this.wholeOrdered = ordered;
        this.wholeFinalized = finalized;
        return this;
    }

    /**
     * For whole, finalized groups ({@link #wholeGroups}) that feed a sort keeping only its first {@code limit} rows,
     * led by aggregator {@code aggregator}'s value (descending when {@code descending}): a whole drain gives only the
     * groups whose value ties or beats the {@code limit}-th best, a superset of those the sort keeps, without making
     * rows of the others (their dimension values are never decoded). {@code pruned} is told how many it left out.
     * Only for aggregators whose finalized values are never-NULL LONGs (counts, COUNT(DISTINCT)); returns false (and
     * prunes nothing) for others.
     */
    public boolean keepTop(int aggregator, long limit, boolean descending, java.util.function.LongConsumer pruned) {
        if (aggregator < 0 || aggregator >= defs.length || !states[aggregator].longValued() || limit < 0) {
            return false;
        }
        this.topAggregator = aggregator;
        this.topLimit = limit;
        this.topDescending = descending;
        this.topPruned = requireNonNull(pruned, "pruned is null");
        return true;
    }

    /**
     * Of {@code groups[0, count)}, those whose value of aggregator {@link #topAggregator} ties or beats the {@link
     * #topLimit}-th best, in the same order; {@code groups} itself when none can be left out.
     */
    private int[] keptTop(State state, int[] groups, int count) {
        if (topLimit >= count || topLimit > Integer.MAX_VALUE / 4) {
            return groups;
        }
        int limit = (int) topLimit;
        if (limit == 0) {
            topPruned.accept(count);
            return new int[0];
        }
        // a min-heap of the best `limit` ranks seen (rank: larger is better; ~v reverses the order without overflow)
        long[] heap = new long[limit];
        int size = 0;
        for (int i = 0; i < count; i++) {
            long v = state.finalLong(groups == null ? i : groups[i]);
            long rank = topDescending ? v : ~v;
            if (size < limit) {
                int at = size++;
                while (at > 0 && heap[(at - 1) >>> 1] > rank) {
                    heap[at] = heap[(at - 1) >>> 1];
                    at = (at - 1) >>> 1;
                }
                heap[at] = rank;
            } else if (rank > heap[0]) {
                int at = 0;
                while (true) {
                    int child = 2 * at + 1;
                    if (child >= limit) {
                        break;
                    }
                    if (child + 1 < limit && heap[child + 1] < heap[child]) {
                        child++;
                    }
                    if (heap[child] >= rank) {
                        break;
                    }
                    heap[at] = heap[child];
                    at = child;
                }
                heap[at] = rank;
            }
        }
        long threshold = heap[0];
        int[] kept = new int[limit];
        int m = 0;
        for (int i = 0; i < count; i++) {
            int group = groups == null ? i : groups[i];
            long v = state.finalLong(group);
            if ((topDescending ? v : ~v) >= threshold) {
                if (m == kept.length) {
                    kept = Arrays.copyOf(kept, Math.min(count, m * 2));
                }
                kept[m++] = group;
            }
        }
        topPruned.accept(count - m);
        return Arrays.copyOf(kept, m);
    }

    /** True when the groups were drained once, at the end, as {@link #wholeGroups} says. */
    public boolean drainedWhole() {
        return drainedWhole;
    }

    /** Bounds the state held to about {@code bytes} (the worker's memory share); returns this processor. */
    public SegmentGroupBy limitMemory(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("memory limit must be positive: " + bytes);
        }
        this.maxBytes = bytes;
        return this;
    }

    /**
     * Counts a segment from its metadata, unopened, when that is the whole answer: a COUNT(*)-only fold with no
     * condition, over a segment whose time chunk [chunkStart, chunkEnd) lies within the range read and the filter's
     * time bounds (its rows then all count). Returns false, having done nothing, when the segment must be read with
     * {@link #add}; a segment whose metadata has no row count is read too.
     */
    public boolean addCounted(long chunkStart, long chunkEnd, long numRows, long start, long end) {
        if (!countOnly || numRows <= 0) {
            return false;
        }
        long lo = Math.max(start, filter.start());
        long hi = Math.min(end, filter.end());
        if (chunkStart < lo || chunkEnd > hi) {
            return false;
        }
        int g = group(null);
        for (State s : states) {
            ((Counts) s).counts[g] += numRows;
        }
        return true;
    }

    /**
     * Folds the segment's rows with {@code start <= __time < end} that pass the filter; returns how many rows lie in
     * that time range (what a row scan would read).
     */
    public long add(SegmentReader segment, long start, long end) {
        Ahead pre = ahead.remove(segment);
        int[] read = segment.rowRange(start, end);
        long rowsRead = countInRange(segment, read, start, end);
        if (rowsRead == 0) {
            return 0;
        }
        long lo = Math.max(start, filter.start());
        long hi = Math.min(end, filter.end());
        if (lo >= hi) {
            return rowsRead;
        }
        int[] range = segment.rowRange(lo, hi);
        if (range[0] >= range[1]) {
            return rowsRead;
        }
        boolean checkTime = !segment.timeSorted() && !segment.within(lo, hi);
        if (countOnly && !checkTime) {
            int g = group(null);
            for (State s : states) {
                ((Counts) s).counts[g] += range[1] - range[0];
            }
            return rowsRead;
        }
        if (!checkTime && !filter.hasCondition() && foldsByKey(segment)) {
            addByKey(segment, range); // internAhead skipped this segment: nothing was interned ahead for it
            foldedByKey++;
            return rowsRead;
        }
        SegmentReader.DictionaryColumn dim = dimension == null ? null : segment.dictionaryColumn(dimension).orElseThrow();
        int[] dimIds = dim == null ? null : dim.ids();
        int[] localToGlobal = new int[dim == null ? 1 : dim.dictionarySize()];
        Arrays.fill(localToGlobal, -1);
        if (pre != null && pre.generation() != generation) {
            pre = null; // interned before a drain, into dictionaries that are gone
        }
        if (dim != null && join == null && !checkTime && !filter.hasCondition()) {
            // the rows are a range: intern the values they hold all at once (NULL, id 0, when met), unless a
            // prefetch thread did it ahead
            if (pre != null) {
                localToGlobal = pre.keyMap();
            } else {
                keys.internAll(dim, usedIds(dimIds, localToGlobal.length, range), localToGlobal);
            }
            for (int id = 1; id < localToGlobal.length; id++) {
                if (localToGlobal[id] >= 0) {
                    folded.set(localToGlobal[id]);
                }
            }
        }
        ensureHeld();
        Binding[] bound = new Binding[defs.length];
        for (int a = 0; a < defs.length; a++) {
            bound[a] = defs[a].kind == Kind.DISTINCT
                    ? ((Distinct) states[a]).bind(segment.dictionaryColumn(defs[a].column).orElseThrow(),
                            pre == null ? null : pre.valueMaps()[a])
                    : defs[a].bind(segment, states[a]);
        }
        long[] time = checkTime ? segment.timeValues() : null;
        JoinedBatch joined = join == null ? null : new JoinedBatch(segment.dictionaryColumn(join.keyColumn()).orElseThrow());
        int[] rows = new int[BATCH];
        int[] gids = new int[BATCH];
        RowBatches batches = filter.hasCondition()
                ? new BitmapBatches(filter.evaluate(segment), range)
                : new RangeBatches(range);
        int n;
        while ((n = batches.next(rows)) > 0) {
            if (time != null) {
                int m = 0;
                for (int i = 0; i < n; i++) {
                    long t = time[rows[i]];
                    if (t >= lo && t < hi) {
                        rows[m++] = rows[i];
                    }
                }
                n = m;
            }
            if (joined != null) {
                n = joined.expand(rows, n, dimIds, localToGlobal, dim);
                for (Binding b : bound) {
                    b.fold(joined.rows, joined.gids, n);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int local = dimIds == null ? 0 : dimIds[rows[i]];
                int g = localToGlobal[local];
                if (g < 0) {
                    g = group(dim, local);
                    localToGlobal[local] = g;
                }
                gids[i] = g;
            }
            for (Binding b : bound) {
                b.fold(rows, gids, n);
            }
        }
        for (Binding b : bound) {
            b.finish();
        }
        return rowsRead;
    }

    /**
     * True when {@link #addByKey} can fold the segment: every row of a range goes to the groups of one key column's
     * value (the dimension, or a join's key when the dimension is on the broadcast side or there is none), and every
     * aggregator is a count or a LONG SUM/MIN/MAX over a column without NULLs in this segment.
     */
    private boolean foldsByKey(SegmentReader segment) {
        if (join != null && dimension != null) {
            return false; // grouped by a table column, joined on another: the rows' groups need both
        }
        for (AggDef d : defs) {
            switch (d.kind) {
                case COUNT_ALL -> { }
                case COUNT_NOT_NULL -> {
                    if (d.columnType != ColumnType.STRING && !segment.nullRows(d.column).orElseThrow().isEmpty()) {
                        return false;
                    }
                }
                case LONG_SUM, LONG_MIN, LONG_MAX -> {
                    if (!segment.nullRows(d.column).orElseThrow().isEmpty()) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Folds a range of rows by the key column's dictionary ids first — one pass per aggregator into arrays as long as
     * the segment's dictionary, with no group looked up per row — then each key id's partial into the groups it goes
     * to: its own group, or for a join the group of each matching broadcast row. Counts and LONG sums, minima and
     * maxima come out the same in any order, so the result equals the row-by-row fold's.
     */
    private void addByKey(SegmentReader segment, int[] range) {
        String keyColumn = join != null ? join.keyColumn() : dimension;
        SegmentReader.DictionaryColumn key = keyColumn == null ? null : segment.dictionaryColumn(keyColumn).orElseThrow();
        int[] ids = key == null ? null : key.ids();
        int size = key == null ? 1 : key.dictionarySize();
        int from = range[0];
        int to = range[1];
        long[] rowsByKey = new long[size];
        if (ids == null) {
            rowsByKey[0] = to - from;
        } else {
            for (int r = from; r < to; r++) {
                rowsByKey[ids[r]]++;
            }
        }
        long[][] partial = new long[defs.length][];
        for (int a = 0; a < defs.length; a++) {
            AggDef d = defs[a];
            switch (d.kind) {
                case COUNT_ALL -> partial[a] = rowsByKey;
                case COUNT_NOT_NULL -> {
                    if (d.columnType != ColumnType.STRING) {
                        partial[a] = rowsByKey; // no NULL in this segment (foldsByKey)
                        break;
                    }
                    int[] v = segment.dictionaryColumn(d.column).orElseThrow().ids();
                    long[] c = new long[size];
                    for (int r = from; r < to; r++) {
                        if (v[r] != 0) {
                            c[ids == null ? 0 : ids[r]]++;
                        }
                    }
                    partial[a] = c;
                }
                case LONG_SUM, LONG_MIN, LONG_MAX -> {
                    java.util.Optional<io.sluice.engine.segment.PackedLongs> packed = segment.packedLongs(d.column);
                    partial[a] = packed.isPresent()
                            ? foldPacked(d.kind, packed.get(), ids, rowsByKey, from, to)
                            : foldLongs(d.kind, segment.longValues(d.column).orElseThrow(), ids, size, from, to);
                }
                default -> throw new IllegalStateException(d.kind.name());
            }
        }
        int[][] targets = keyGroups(key, rowsByKey);
        for (int k = 0; k < size; k++) {
            if (rowsByKey[k] == 0) {
                continue;
            }
            for (int g : targets[k]) {
                for (int a = 0; a < defs.length; a++) {
                    long x = partial[a][k];
                    if (states[a] instanceof Counts c) {
                        c.counts[g] += x;
                        continue;
                    }
                    Longs st = (Longs) states[a];
                    if (!st.seen[g]) {
                        st.seen[g] = true;
                        st.values[g] = x;
                    } else if (st.kind == Kind.LONG_SUM) {
                        st.values[g] += x;
                    } else if (st.kind == Kind.LONG_MIN ? x < st.values[g] : x > st.values[g]) {
                        st.values[g] = x;
                    }
                }
            }
        }
    }

    /** {@link #foldLongs} straight from the stored bytes. */
    private static long[] foldPacked(Kind kind, io.sluice.engine.segment.PackedLongs v, int[] ids, long[] rowsByKey,
            int from, int to) {
        long[] out = new long[rowsByKey.length];
        if (kind == Kind.LONG_SUM) {
            v.sumByKey(ids, rowsByKey, out, from, to);
            return out;
        }
        boolean min = kind == Kind.LONG_MIN;
        Arrays.fill(out, min ? Long.MAX_VALUE : Long.MIN_VALUE);
        v.extremeByKey(min, ids, out, from, to);
        return out;
    }

    /** A LONG column's rows {@code [from, to)} summed, or their minimum or maximum, by key id. */
    private static long[] foldLongs(Kind kind, long[] v, int[] ids, int size, int from, int to) {
        long[] out = new long[size];
        if (kind == Kind.LONG_SUM) {
            if (ids == null) {
                long sum = 0;
                for (int r = from; r < to; r++) {
                    sum += v[r];
                }
                out[0] = sum;
            } else {
                for (int r = from; r < to; r++) {
                    out[ids[r]] += v[r];
                }
            }
            return out;
        }
        boolean min = kind == Kind.LONG_MIN;
        Arrays.fill(out, min ? Long.MAX_VALUE : Long.MIN_VALUE);
        for (int r = from; r < to; r++) {
            int k = ids == null ? 0 : ids[r];
            out[k] = min ? Math.min(out[k], v[r]) : Math.max(out[k], v[r]);
        }
        return out;
    }

    /**
     * The groups each key id with rows goes to (sized and marked folded): its own group without a join; with one, the
     * group of each matching broadcast row's dimension, or the one group as many times as rows match when there is
     * no dimension; an unmatched key goes to the NULL group of a LEFT join and nowhere for an inner one.
     */
    private int[][] keyGroups(SegmentReader.DictionaryColumn key, long[] rowsByKey) {
        int size = rowsByKey.length;
        int[][] targets = new int[size][];
        if (join == null) {
            int[] map = new int[size];
            Arrays.fill(map, -1);
            if (key != null) {
                boolean[] used = new boolean[size];
                for (int k = 0; k < size; k++) {
                    used[k] = rowsByKey[k] > 0;
                }
                keys.internAll(key, used, map);
            }
            for (int k = 0; k < size; k++) {
                if (rowsByKey[k] > 0) {
                    int g = map[k] >= 0 ? held(map[k]) : group(key, k);
                    targets[k] = new int[] {g};
                }
            }
            return targets;
        }
        for (int k = 0; k < size; k++) {
            if (rowsByKey[k] == 0) {
                continue;
            }
            String value = k == 0 ? null : key.value(k);
            List<Object[]> found = value == null ? List.of() : join.lookup().getOrDefault(value, List.of());
            if (found.isEmpty()) {
                targets[k] = join.left() ? new int[] {join.rightDimension() >= 0 ? group(null) : group(null, 0)}
                        : new int[0];
            } else if (join.rightDimension() >= 0) {
                targets[k] = new int[found.size()];
                for (int x = 0; x < found.size(); x++) {
                    targets[k][x] = group((String) found.get(x)[join.rightDimension()]);
                }
            } else {
                targets[k] = new int[found.size()];
                Arrays.fill(targets[k], group(null, 0));
            }
        }
        return targets;
    }

    /** Rows of a batch repeated once per joined row, with the group of each joined row. */
    private final class JoinedBatch {
        private final SegmentReader.DictionaryColumn key;
        private final int[][] matchGroups; // per key id: the group of each matching broadcast row (right dimension)
        private final int[] matchCounts; // per key id: joined rows per table row (left or no dimension)
        int[] rows = new int[BATCH];
        int[] gids = new int[BATCH];

        JoinedBatch(SegmentReader.DictionaryColumn key) {
            this.key = key;
            this.matchGroups = new int[key.dictionarySize()][];
            this.matchCounts = new int[key.dictionarySize()];
            Arrays.fill(matchCounts, -1);
        }

        private List<Object[]> matches(int keyId) {
            String v = keyId == 0 ? null : key.value(keyId);
            return v == null ? List.of() : join.lookup().getOrDefault(v, List.of());
        }

        /** Joins {@code in[0, n)}: fills {@link #rows} and {@link #gids}, returns how many joined rows. */
        int expand(int[] in, int n, int[] dimIds, int[] localToGlobal, SegmentReader.DictionaryColumn dim) {
            int[] keyIds = key.ids();
            int m = 0;
            for (int i = 0; i < n; i++) {
                int r = in[i];
                int k = keyIds[r];
                if (join.rightDimension() >= 0) {
                    int[] gs = matchGroups[k];
                    if (gs == null) {
                        List<Object[]> found = matches(k);
                        if (found.isEmpty()) {
                            gs = join.left() ? new int[] {group(null)} : new int[0];
                        } else {
                            gs = new int[found.size()];
                            for (int x = 0; x < gs.length; x++) {
                                gs[x] = group((String) found.get(x)[join.rightDimension()]);
                            }
                        }
                        matchGroups[k] = gs;
                    }
                    m = ensure(m + gs.length) - gs.length;
                    for (int g : gs) {
                        rows[m] = r;
                        gids[m++] = g;
                    }
                } else {
                    int count = matchCounts[k];
                    if (count < 0) {
                        int found = matches(k).size();
                        count = found == 0 && join.left() ? 1 : found;
                        matchCounts[k] = count;
                    }
                    if (count == 0) {
                        continue;
                    }
                    int local = dimIds == null ? 0 : dimIds[r];
                    int g = localToGlobal[local];
                    if (g < 0) {
                        g = group(dim, local);
                        localToGlobal[local] = g;
                    }
                    m = ensure(m + count) - count;
                    for (int x = 0; x < count; x++) {
                        rows[m] = r;
                        gids[m++] = g;
                    }
                }
            }
            return m;
        }

        /** Makes room for {@code size} joined rows; returns {@code size}. */
        private int ensure(int size) {
            if (size > rows.length) {
                int cap = Math.max(size, rows.length * 2);
                rows = Arrays.copyOf(rows, cap);
                gids = Arrays.copyOf(gids, cap);
            }
            return size;
        }
    }

    private static long countInRange(SegmentReader segment, int[] range, long start, long end) {
        if (range[0] >= range[1]) {
            return 0;
        }
        if (segment.timeSorted() || segment.within(start, end)) {
            return range[1] - range[0];
        }
        long[] time = segment.timeValues();
        long c = 0;
        for (int r = range[0]; r < range[1]; r++) {
            if (time[r] >= start && time[r] < end) {
                c++;
            }
        }
        return c;
    }

    /**
     * The held groups as output rows, made as they are iterated (so the rows need not all be in memory at once); the
     * processor holds no group afterwards and may take the next segment once the rows have been iterated.
     * {@code last}: no more input follows.
     */
    public Iterator<Object[]> drain(boolean last) {
        int nd = dimension == null && (join == null || join.rightDimension() < 0) ? 0 : 1;
        boolean wholeDrain = whole && last && drains == 0;
        drains++;
        drainedWhole = wholeDrain;
        boolean finalized = wholeDrain && wholeFinalized;
        int keyCount;
        StripedUtf8Dictionary heldKeys;
        State[] held;
        swap.writeLock().lock();
        try {
            keyCount = keys.idBound();
            heldKeys = keys;
            held = states.clone();
            keys = new StripedUtf8Dictionary();
            for (int a = 0; a < defs.length; a++) {
                states[a] = defs[a].newState();
            }
            generation++;
            ahead.clear();
        } finally {
            swap.writeLock().unlock();
        }
        BitSet foldedKeys = folded;
        folded = new BitSet();
        ensured = 0;
        for (State s : held) {
            s.ensure(keyCount); // keys interned ahead of their segment are past the sized groups
            s.prepare(keyCount);
        }
        // in key order, so that the stage's sorter gets its input sorted (it then writes it through unsorted); only
        // groups with rows folded (keys interned ahead for a segment not added yet are not groups yet)
        // (the ids are not dense: sortedIds gives those in use)
        int[] order = nd == 1 && keyCount > 1 && (!wholeDrain || wholeOrdered) ? heldKeys.sortedIds() : null;
        int count = order == null ? keyCount : order.length;
        if (foldedKeys.cardinality() < count) {
            int[] kept = new int[foldedKeys.cardinality()];
            int m = 0;
            for (int i = 0; i < count; i++) {
                int group = order == null ? i : order[i];
                if (foldedKeys.get(group)) {
                    kept[m++] = group;
                }
            }
            order = kept;
            count = m;
        }
        if (finalized && topAggregator >= 0 && nd == 1) {
            int[] kept = keptTop(held[topAggregator], order, count);
            if (kept != order) {
                order = kept;
                count = kept.length;
            }
        }
        emittedAny |= count > 0;
        boolean emptyRow = last && !emittedAny && nd == 0 && workerNumber == 0;
        emittedAny |= emptyRow;
        int emitCount = count;
        int[] emitOrder = order;
        return new Iterator<>() {
            private int g;
            private boolean extra = emptyRow;
            private boolean repaid;

            @Override
            public boolean hasNext() {
                boolean more = g < emitCount || extra;
                if (!more && !repaid) {
                    repaid = true;
                    loan.repay(); // the drained state is garbage now
                }
                return more;
            }

            @Override
            public Object[] next() {
                if (g < emitCount) {
                    int group = emitOrder == null ? g : emitOrder[g];
                    Object[] row = new Object[nd + defs.length];
                    if (nd == 1) {
                        row[0] = heldKeys.value(group);
                    }
                    for (int a = 0; a < defs.length; a++) {
                        row[nd + a] = finalized ? held[a].finalValue(group, generic[a]) : held[a].intermediate(group);
                    }
                    g++;
                    return row;
                }
                if (!extra) {
                    throw new java.util.NoSuchElementException();
                }
                extra = false;
                Object[] row = new Object[defs.length];
                for (int a = 0; a < defs.length; a++) {
                    row[a] = finalized
                            ? generic[a].finalizeValue(generic[a].emptyIntermediate())
                            : generic[a].emptyIntermediate();
                }
                return row;
            }
        };
    }

    private int group(String key) {
        return held(keys.intern(key));
    }

    /** The group of a segment's dictionary id, found by the value's bytes. */
    private int group(SegmentReader.DictionaryColumn dim, int local) {
        return held(dim == null || local == 0
                ? keys.internNull()
                : keys.intern(dim.utf8Bytes(), dim.utf8Offset(local), dim.utf8Length(local)));
    }

    /** Sizes the states for every key interned so far. */
    private void ensureHeld() {
        int n = keys.idBound();
        if (n > ensured) {
            for (State s : states) {
                s.ensure(n);
            }
            ensured = n;
        }
    }

    /** Group {@code g} gets rows: its states are sized and it is marked folded. */
    private int held(int g) {
        if (g >= ensured) {
            for (State s : states) {
                s.ensure(g + 1);
            }
            ensured = g + 1;
        }
        folded.set(g);
        return g;
    }

    private static boolean singleValueString(SegmentReader s, String column) {
        return s.columnType(column).orElse(null) == ColumnType.STRING && !s.isMultiValue(column);
    }

    // ---- row batches ------------------------------------------------------------------------------------------

    private interface RowBatches {
        /** Fills {@code rows} with the next row numbers, ascending; returns how many (0 at the end). */
        int next(int[] rows);
    }

    private static final class RangeBatches implements RowBatches {
        private int next;
        private final int end;

        RangeBatches(int[] range) {
            this.next = range[0];
            this.end = range[1];
        }

        @Override
        public int next(int[] rows) {
            int n = Math.min(rows.length, end - next);
            for (int i = 0; i < n; i++) {
                rows[i] = next + i;
            }
            next += n;
            return n;
        }
    }

    private static final class BitmapBatches implements RowBatches {
        private final BatchIterator it;

        BitmapBatches(RoaringBitmap selected, int[] range) {
            selected.and(RoaringBitmap.bitmapOfRange(range[0], range[1]));
            this.it = selected.getBatchIterator();
        }

        @Override
        public int next(int[] rows) {
            while (it.hasNext()) {
                int n = it.nextBatch(rows);
                if (n > 0) {
                    return n;
                }
            }
            return 0;
        }
    }

    // ---- aggregators ------------------------------------------------------------------------------------------

    private enum Kind { COUNT_ALL, COUNT_NOT_NULL, LONG_SUM, DOUBLE_SUM, LONG_MIN, LONG_MAX, DOUBLE_MIN, DOUBLE_MAX,
        DISTINCT, SKETCH }

    /** One aggregator's definition: its kind and input column. */
    private static final class AggDef {
        final Kind kind;
        final String column; // null for COUNT(*)
        final ColumnType columnType;
        final ColumnType outputType;
        /** For SKETCH: the row-by-row aggregator, over rows of {@code width} columns with the input at {@code position}. */
        Aggregator generic;
        int width;
        int position;

        private AggDef(Kind kind, String column, ColumnType columnType, ColumnType outputType) {
            this.kind = kind;
            this.column = column;
            this.columnType = columnType;
            this.outputType = outputType;
        }

        /** The definition for a spec, or null when this path does not handle it. */
        static AggDef of(AggregatorSpec spec, RowSignature table) {
            if (spec.filter() != null) {
                return null;
            }
            if (spec.input() == null) {
                return spec.kind() == AggKind.COUNT && !spec.distinct()
                        ? new AggDef(Kind.COUNT_ALL, null, null, spec.outputType())
                        : null;
            }
            if (!(spec.input() instanceof ColumnRef ref) || ref.column().equals("__time")) {
                return null;
            }
            ColumnType t = table.typeOf(ref.column()).orElse(null);
            if (t == null) {
                return null;
            }
            String c = ref.column();
            ColumnType out = spec.outputType();
            if (spec.distinct()) {
                return spec.kind() == AggKind.COUNT && t == ColumnType.STRING
                        ? new AggDef(Kind.DISTINCT, c, t, out)
                        : null;
            }
            if ((spec.kind() == AggKind.APPROX_COUNT_DISTINCT_HLL || spec.kind() == AggKind.APPROX_COUNT_DISTINCT_THETA)
                    && t == ColumnType.STRING) {
                // a sketch depends only on the set of values it saw: fed once per distinct (group, value)
                return new AggDef(Kind.SKETCH, c, t, out);
            }
            boolean numeric = t == ColumnType.LONG || t == ColumnType.DOUBLE;
            return switch (spec.kind()) {
                case COUNT -> t == ColumnType.STRING || numeric ? new AggDef(Kind.COUNT_NOT_NULL, c, t, out) : null;
                case SUM -> t == ColumnType.LONG && out == ColumnType.LONG
                        ? new AggDef(Kind.LONG_SUM, c, t, out)
                        : t == ColumnType.DOUBLE && out == ColumnType.DOUBLE ? new AggDef(Kind.DOUBLE_SUM, c, t, out)
                        : null;
                case MIN, MAX -> {
                    boolean min = spec.kind() == AggKind.MIN;
                    if (t == ColumnType.LONG && out == ColumnType.LONG) {
                        yield new AggDef(min ? Kind.LONG_MIN : Kind.LONG_MAX, c, t, out);
                    }
                    if (t == ColumnType.DOUBLE && out == ColumnType.DOUBLE) {
                        yield new AggDef(min ? Kind.DOUBLE_MIN : Kind.DOUBLE_MAX, c, t, out);
                    }
                    yield null;
                }
                default -> null;
            };
        }

        boolean canRead(SegmentReader s) {
            if (column == null) {
                return true;
            }
            if (s.columnType(column).orElse(null) != columnType) {
                return false;
            }
            return columnType != ColumnType.STRING || !s.isMultiValue(column);
        }

        State newState() {
            return switch (kind) {
                case COUNT_ALL, COUNT_NOT_NULL -> new Counts();
                case LONG_SUM, LONG_MIN, LONG_MAX -> new Longs(kind);
                case DOUBLE_SUM, DOUBLE_MIN, DOUBLE_MAX -> new Doubles(kind);
                case DISTINCT -> new Distinct();
                case SKETCH -> new Sketch(generic, width, position);
            };
        }

        Binding bind(SegmentReader s, State state) {
            switch (kind) {
                case COUNT_ALL: {
                    return (rows, gids, n) -> {
                        long[] counts = ((Counts) state).counts;
                        for (int i = 0; i < n; i++) {
                            counts[gids[i]]++;
                        }
                    };
                }
                case COUNT_NOT_NULL: {
                    if (columnType == ColumnType.STRING) {
                        int[] ids = s.dictionaryColumn(column).orElseThrow().ids();
                        return (rows, gids, n) -> {
                            long[] counts = ((Counts) state).counts;
                            for (int i = 0; i < n; i++) {
                                if (ids[rows[i]] != 0) {
                                    counts[gids[i]]++;
                                }
                            }
                        };
                    }
                    RoaringBitmap nulls = s.nullRows(column).orElseThrow();
                    return (rows, gids, n) -> {
                        long[] counts = ((Counts) state).counts;
                        boolean anyNull = !nulls.isEmpty();
                        for (int i = 0; i < n; i++) {
                            if (!anyNull || !nulls.contains(rows[i])) {
                                counts[gids[i]]++;
                            }
                        }
                    };
                }
                case LONG_SUM:
                case LONG_MIN:
                case LONG_MAX: {
                    long[] v = s.longValues(column).orElseThrow();
                    RoaringBitmap nulls = s.nullRows(column).orElseThrow();
                    Longs st = (Longs) state;
                    return (rows, gids, n) -> st.fold(v, nulls.isEmpty() ? null : nulls, rows, gids, n);
                }
                case DOUBLE_SUM:
                case DOUBLE_MIN:
                case DOUBLE_MAX: {
                    double[] v = s.doubleValues(column).orElseThrow();
                    RoaringBitmap nulls = s.nullRows(column).orElseThrow();
                    Doubles st = (Doubles) state;
                    return (rows, gids, n) -> st.fold(v, nulls.isEmpty() ? null : nulls, rows, gids, n);
                }
                case DISTINCT: // bound by the processor, with the values it interned ahead
                    throw new IllegalStateException("COUNT(DISTINCT) is bound with the values interned ahead");
                case SKETCH: {
                    SegmentReader.DictionaryColumn c = s.dictionaryColumn(column).orElseThrow();
                    return ((Sketch) state).bind(c);
                }
                default:
                    throw new IllegalStateException(kind.name());
            }
        }
    }

    /** Folds batches of (row, group) into a state for one segment. */
    private interface Binding {
        void fold(int[] rows, int[] gids, int n);

        default void finish() {}
    }

    /** Per-group state of one aggregator. */
    private interface State {
        void ensure(int groups);

        /** Approximate heap bytes held. */
        long memoryBytes();

        /** Called once before {@link #intermediate} is asked for groups {@code [0, groups)}. */
        default void prepare(int groups) {}

        /** The intermediate value of a group, as the row-by-row aggregator gives it. */
        Object intermediate(int group);

        /** The finalized value of a group ({@code generic} is the row-by-row aggregator). */
        default Object finalValue(int group, Aggregator generic) {
            return generic.finalizeValue(intermediate(group));
        }

        /** True when every finalized value is a LONG, never NULL, that {@link #finalLong} gives. */
        default boolean longValued() {
            return false;
        }

        /** The finalized value of a group, when {@link #longValued}. */
        default long finalLong(int group) {
            throw new UnsupportedOperationException("not a LONG-valued state");
        }
    }

    private static int grow(int have, int need) {
        return Math.max(need, Math.max(16, have * 2));
    }

    private static final class Counts implements State {
        long[] counts = new long[0];

        @Override
        public long memoryBytes() {
            return 8L * counts.length;
        }

        @Override
        public void ensure(int groups) {
            if (counts.length < groups) {
                counts = Arrays.copyOf(counts, grow(counts.length, groups));
            }
        }

        @Override
        public Object intermediate(int group) {
            return counts[group];
        }

        @Override
        public boolean longValued() {
            return true;
        }

        @Override
        public long finalLong(int group) {
            return counts[group];
        }
    }

    private static final class Longs implements State {
        final Kind kind;
        long[] values = new long[0];
        boolean[] seen = new boolean[0];

        Longs(Kind kind) {
            this.kind = kind;
        }

        @Override
        public long memoryBytes() {
            return 9L * values.length;
        }

        @Override
        public void ensure(int groups) {
            if (values.length < groups) {
                int size = grow(values.length, groups);
                values = Arrays.copyOf(values, size);
                seen = Arrays.copyOf(seen, size);
            }
        }

        void fold(long[] v, RoaringBitmap nulls, int[] rows, int[] gids, int n) {
            long[] vals = values;
            boolean[] s = seen;
            for (int i = 0; i < n; i++) {
                int r = rows[i];
                if (nulls != null && nulls.contains(r)) {
                    continue;
                }
                int g = gids[i];
                long x = v[r];
                if (!s[g]) {
                    s[g] = true;
                    vals[g] = x;
                } else if (kind == Kind.LONG_SUM) {
                    vals[g] += x;
                } else if (kind == Kind.LONG_MIN ? x < vals[g] : x > vals[g]) {
                    vals[g] = x;
                }
            }
        }

        @Override
        public Object intermediate(int group) {
            return seen[group] ? values[group] : null;
        }
    }

    private static final class Doubles implements State {
        final Kind kind;
        double[] values = new double[0];
        boolean[] seen = new boolean[0];

        Doubles(Kind kind) {
            this.kind = kind;
        }

        @Override
        public long memoryBytes() {
            return 9L * values.length;
        }

        @Override
        public void ensure(int groups) {
            if (values.length < groups) {
                int size = grow(values.length, groups);
                values = Arrays.copyOf(values, size);
                seen = Arrays.copyOf(seen, size);
            }
        }

        void fold(double[] v, RoaringBitmap nulls, int[] rows, int[] gids, int n) {
            double[] vals = values;
            boolean[] s = seen;
            for (int i = 0; i < n; i++) {
                int r = rows[i];
                if (nulls != null && nulls.contains(r)) {
                    continue;
                }
                int g = gids[i];
                double x = v[r];
                if (!s[g]) {
                    s[g] = true;
                    vals[g] = kind == Kind.DOUBLE_SUM ? 0d + x : x;
                } else if (kind == Kind.DOUBLE_SUM) {
                    vals[g] += x;
                } else {
                    int c = Double.compare(x, vals[g]);
                    if (kind == Kind.DOUBLE_MIN ? c < 0 : c > 0) {
                        vals[g] = x;
                    }
                }
            }
        }

        @Override
        public Object intermediate(int group) {
            return seen[group] ? values[group] : null;
        }
    }

    /**
     * Exact distinct values per group: the distinct (group, value) pairs as longs, the value an id in a worker-wide
     * dictionary of the values' bytes; each segment's dictionary ids map to those ids once per distinct value. Pairs
     * are sorted and deduplicated when the buffer fills and before the groups are emitted; a group's intermediate is
     * the encoding of its value strings, made straight from their bytes.
     */
    private static final class Distinct implements State {
        /** The type tag {@link RowCodec} writes before a STRING value (a value list is: count, then tagged values). */
        private static final byte STRING_TAG = stringTag();

        final StripedUtf8Dictionary values = new StripedUtf8Dictionary();
        /** The (group, value) pairs; null once prepared. */
        private DistinctPairs pairs = new DistinctPairs();
        /**
         * The buffer a segment's binding collects its pairs in, handed back when it finishes: segments are folded one
         * after another, and a new buffer grown for each (to ~40,000 pairs a day of wiki) allocated ~600 MB per q3.
         */
        private long[] segmentPairs;
        /** The array the binding's radix sort writes into, kept likewise. */
        private long[] segmentScratch;
        int[] starts; // after prepare: group g's value ids are grouped[starts[g], starts[g + 1])
        int[] grouped;

        private static byte stringTag() {
            byte[] probe = RowCodec.encodeValues("");
            if (probe.length != 3 || probe[0] != 1 || probe[2] != 0) {
                throw new IllegalStateException("unexpected value list encoding " + Arrays.toString(probe));
            }
            return probe[1];
        }

        @Override
        public void ensure(int groups) {}

        @Override
        public long memoryBytes() {
            return (pairs == null ? 0 : pairs.memoryBytes()) + 4L * (grouped == null ? 0 : grouped.length)
                    + values.memoryBytes();
        }

        /** @param ahead the column's ids mapped to value ids ahead (-1: not mapped), or null */
        Binding bind(SegmentReader.DictionaryColumn column, int[] ahead) {
            byte[] utf8 = column.utf8Bytes();
            int[] toGlobal;
            if (ahead != null) {
                toGlobal = ahead;
            } else {
                toGlobal = new int[column.dictionarySize()];
                Arrays.fill(toGlobal, -1);
            }
            long[] buffer = segmentPairs;
            long[] spare = segmentScratch;
            segmentPairs = null; // the binding holds them until it finishes
            segmentScratch = null;
            return new PairBinding(column.ids(), buffer, spare) {
                @Override
                void release(long[] pairs, long[] scratch) {
                    segmentPairs = pairs;
                    segmentScratch = scratch;
                }

                @Override
                void valuesUsed(boolean[] used) {
                    boolean[] missing = null;
                    for (int id = 1; id < used.length; id++) {
                        if (used[id] && toGlobal[id] < 0) {
                            if (missing == null) {
                                missing = new boolean[used.length];
                            }
                            missing[id] = true;
                        }
                    }
                    if (missing == null) {
                        return; // all interned ahead
                    }
                    int[] found = new int[used.length];
                    values.internAll(column, missing, found);
                    for (int id = 1; id < used.length; id++) {
                        if (missing[id]) {
                            toGlobal[id] = found[id];
                        }
                    }
                }

                @Override
                void accept(int group, int local) {
                    int global = toGlobal[local];
                    if (global < 0) {
                        global = values.intern(utf8, column.utf8Offset(local), column.utf8Length(local));
                        toGlobal[local] = global;
                    }
                    pairs.add(((long) group << 32) | global);
                }
            };
        }

        /** Each group's distinct values, merged from the sorted runs of pairs. */
        @Override
        public void prepare(int groups) {
            DistinctPairs.Grouped g = pairs.group(groups);
            pairs = null;
            starts = g.starts();
            grouped = g.values();
        }

        @Override
        public Object finalValue(int group, Aggregator generic) {
            return finalLong(group);
        }

        @Override
        public boolean longValued() {
            return true;
        }

        @Override
        public long finalLong(int group) {
            return starts[group + 1] - starts[group]; // the values of a group, each once
        }

        @Override
        public Object intermediate(int group) {
            int from = starts[group];
            int to = starts[group + 1];
            ByteSink sink = new ByteSink(8 + 24 * (to - from));
            sink.writeVarLong(to - from);
            for (int i = from; i < to; i++) {
                int v = grouped[i];
                int length = values.length(v);
                sink.write(STRING_TAG);
                sink.writeVarLong(length);
                sink.write(values.arena(v), values.start(v), length);
            }
            return sink.toByteArray();
        }
    }

    /**
     * An aggregator whose result depends only on the values it saw and the order of their first occurrences (HLL,
     * Theta): the row-by-row aggregator's state per group.
     */
    private static final class Sketch implements State {
        final Aggregator generic;
        final Object[] row;
        final int position;
        Object[] states = new Object[0];
        /** Approximate heap bytes of the sketches: {@link #SKETCH_BYTES} each, plus {@link #VALUE_BYTES} a value fed. */
        long sketchBytes;

        /** A sketch with a value or two: the sketch object, its small coupon list or hash table, their headers. */
        static final int SKETCH_BYTES = 384;
        /** What a value fed to a sketch may add (a Theta hash table slot at half load; an HLL's coupons cost less). */
        static final int VALUE_BYTES = 16;

        Sketch(Aggregator generic, int width, int position) {
            this.generic = generic;
            this.row = new Object[width];
            this.position = position;
        }

        @Override
        public void ensure(int groups) {
            if (states.length < groups) {
                states = Arrays.copyOf(states, grow(states.length, groups));
            }
        }

        @Override
        public long memoryBytes() {
            // Most groups see a few values, and their sketches stay small: counting a few KB per group (a full HLL)
            // drained a query with millions of groups every 30k groups, into many partial sketches to merge.
            return 8L * states.length + sketchBytes;
        }

        /**
         * Feeds each group's sketch the values in row order, each (group, value) once per segment: the row-by-row
         * aggregator sees the same first occurrences in the same order (repeats do not change a sketch), so the
         * estimate is identical (an HLL's HIP estimate depends on that order).
         */
        Binding bind(SegmentReader.DictionaryColumn column) {
            int[] ids = column.ids();
            LongSet seen = new LongSet();
            return (rows, gids, n) -> {
                for (int i = 0; i < n; i++) {
                    int id = ids[rows[i]];
                    if (id == 0 || !seen.add(((long) gids[i] << 32) | id)) {
                        continue;
                    }
                    int g = gids[i];
                    Object st = states[g];
                    if (st == null) {
                        st = generic.newState();
                        sketchBytes += SKETCH_BYTES;
                    }
                    sketchBytes += VALUE_BYTES;
                    row[position] = column.value(id);
                    states[g] = generic.fold(st, row);
                }
            };
        }

        @Override
        public Object intermediate(int group) {
            Object st = states[group];
            return generic.intermediate(st == null ? generic.newState() : st);
        }
    }

    /** Pairs at most this many are sorted by comparison; more by radix. */
    private static final int RADIX_PAIRS = 512;
    private static final int RADIX_BITS = 12;

    /**
     * Sorts {@code pairs[0, n)} — (group &lt;&lt; 32 | value id), both non-negative — ascending, and returns the array that
     * holds them (it may be a new one, as long). Many pairs are packed into the bits their largest group and value use
     * and sorted by an LSD radix sort, 12 bits a pass (a segment's ~40,000 pairs of a 2.4M-group GROUP BY took ~6 ms
     * by comparison, a fifth of that by radix).
     */
    static long[] sortPairs(long[] pairs, int n) {
        return sortPairs(pairs, n, null);
    }

    /**
     * As above, the radix passes going back and forth between {@code pairs} and {@code scratch} when that holds at
     * least {@code pairs.length} longs (else a new array): the one returned holds the sorted pairs, the other may be
     * reused.
     */
    static long[] sortPairs(long[] pairs, int n, long[] scratch) {
        if (n <= RADIX_PAIRS) {
            Arrays.sort(pairs, 0, n);
            return pairs;
        }
        long maxGroup = 0;
        long maxValue = 0;
        for (int i = 0; i < n; i++) {
            maxGroup = Math.max(maxGroup, pairs[i] >>> 32);
            maxValue = Math.max(maxValue, pairs[i] & 0xFFFF_FFFFL);
        }
        int valueBits = 64 - Long.numberOfLeadingZeros(maxValue);
        int bits = valueBits + 64 - Long.numberOfLeadingZeros(maxGroup);
        if (bits > 62) {
            Arrays.sort(pairs, 0, n);
            return pairs;
        }
        for (int i = 0; i < n; i++) {
            pairs[i] = ((pairs[i] >>> 32) << valueBits) | (pairs[i] & 0xFFFF_FFFFL);
        }
        long[] a = pairs;
        boolean reuse = scratch != null && scratch != pairs && scratch.length >= pairs.length;
        long[] b = reuse ? scratch : new long[pairs.length]; // as roomy as the buffer it may replace
        a = LongKeySort.radixSortBits(a, b, n, 0, bits, new int[1 << RADIX_BITS]);
        long valueMask = (1L << valueBits) - 1;
        for (int i = 0; i < n; i++) {
            a[i] = ((a[i] >>> valueBits) << 32) | (a[i] & valueMask);
        }
        return a;
    }

    /** Collects the (group, non-NULL value id) pairs of a segment and hands each distinct pair over once. */
    private abstract static class PairBinding implements Binding {
        private final int[] segmentIds;
        private long[] pairs;
        private long[] scratch;
        private int size;

        /**
         * @param buffer an array to collect the pairs in (it grows as needed), or null for a new one
         * @param scratch an array for sorting them, or null
         */
        PairBinding(int[] segmentIds, long[] buffer, long[] scratch) {
            this.segmentIds = segmentIds;
            this.pairs = buffer != null ? buffer : new long[BATCH];
            this.scratch = scratch;
        }

        abstract void accept(int group, int valueId);

        /** Called once the pairs are handed over, with the two arrays used, for the next segment. */
        void release(long[] buffer, long[] spare) {}

        @Override
        public void fold(int[] rows, int[] gids, int n) {
            if (size + n > pairs.length) {
                pairs = Arrays.copyOf(pairs, Math.max(size + n, pairs.length * 2));
            }
            for (int i = 0; i < n; i++) {
                int id = segmentIds[rows[i]];
                if (id != 0) {
                    pairs[size++] = ((long) gids[i] << 32) | id;
                }
            }
        }

        /** Called before the pairs are handed over with the value ids they hold. */
        void valuesUsed(boolean[] used) {}

        @Override
        public void finish() {
            long[] sorted = sortPairs(pairs, size, scratch);
            if (sorted != pairs) {
                scratch = pairs;
                pairs = sorted;
            }
            int m = 0;
            int maxId = 0;
            for (int i = 0; i < size; i++) {
                if (m == 0 || pairs[i] != pairs[m - 1]) {
                    pairs[m++] = pairs[i];
                    maxId = Math.max(maxId, (int) pairs[i]);
                }
            }
            boolean[] used = new boolean[maxId + 1];
            for (int i = 0; i < m; i++) {
                used[(int) pairs[i]] = true;
            }
            valuesUsed(used);
            for (int i = 0; i < m; i++) {
                long p = pairs[i];
                accept((int) (p >>> 32), (int) p);
            }
            size = 0;
            release(pairs, scratch);
        }
    }

    /** A set of longs (open addressing, no removal), for the (group, value id) pairs of one segment. */
    private static final class LongSet {
        private static final long EMPTY = -1L; // pairs are never negative
        private long[] table = new long[1024];
        private int size;

        LongSet() {
            Arrays.fill(table, EMPTY);
        }

        /** Adds the value; false when it was there already. */
        boolean add(long v) {
            if (size * 2 >= table.length) {
                rehash();
            }
            int mask = table.length - 1;
            int i = (int) mix(v) & mask;
            while (true) {
                long t = table[i];
                if (t == EMPTY) {
                    table[i] = v;
                    size++;
                    return true;
                }
                if (t == v) {
                    return false;
                }
                i = (i + 1) & mask;
            }
        }

        private void rehash() {
            long[] old = table;
            table = new long[old.length * 2];
            Arrays.fill(table, EMPTY);
            size = 0;
            for (long v : old) {
                if (v != EMPTY) {
                    add(v);
                }
            }
        }

        private static long mix(long v) {
            long h = v * 0x9E3779B97F4A7C15L;
            return h ^ (h >>> 29);
        }
    }
}
