package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalSorterTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("k", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("seq", ColumnType.LONG)
            .build();

    @TempDir
    Path tmp;

    private static long fileCount(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void spillsAndMergesMultiLevelInOrderThenCleansUp() throws Exception {
        KeyCodec codec = new KeyCodec(SIG, List.of(KeyColumn.desc("k"), KeyColumn.asc("s")));
        // ~1 MB budget: 200k rows need dozens of runs; fan-in 8 forces intermediate merge levels
        ExternalSorter sorter = new ExternalSorter(SIG, codec, tmp, 1_000_000, 64 * 1024, 8, null);
        Random r = new Random(7);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            sorter.add(new Object[] {(long) r.nextInt(5000) - 2500, r.nextInt(20) == 0 ? null : "s" + r.nextInt(50), (long) i});
        }
        assertThat(sorter.spilledRuns()).isGreaterThan(8);
        assertThat(fileCount(tmp)).isGreaterThan(8);
        assertThat(sorter.progress().totalMergingLevels()).isEqualTo(-1);

        Object[] prev = null;
        int count = 0;
        try (RowSource out = sorter.sorted()) {
            assertThat(sorter.progress().totalMergingLevels()).isGreaterThanOrEqualTo(3);
            Object[] row;
            while ((row = out.next()) != null) {
                if (prev != null) {
                    long pk = (Long) prev[0];
                    long k = (Long) row[0];
                    assertThat(k).isLessThanOrEqualTo(pk);
                    if (k == pk) {
                        String ps = (String) prev[1];
                        String s = (String) row[1];
                        if (ps != null && s != null) {
                            assertThat(s.compareTo(ps)).isGreaterThanOrEqualTo(0);
                            if (s.equals(ps)) {
                                // stable: equal keys keep arrival order
                                assertThat((Long) row[2]).isGreaterThan((Long) prev[2]);
                            }
                        } else {
                            assertThat(ps == null || s != null).isTrue();
                        }
                    }
                }
                prev = row;
                count++;
            }
        }
        assertThat(count).isEqualTo(n);
        SortProgress p = sorter.progress();
        assertThat(p.progressDigest()).isEqualTo(1.0);
        assertThat(p.levelToMergedBatches()).isEqualTo(p.levelToTotalBatches());
        assertThat(p.toJson()).containsEntry("type", "sortProgress").containsKey("levelToTotalBatches");
        sorter.close();
        assertThat(fileCount(tmp)).isZero();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.count()).isZero();
        }
    }

    /** A sorter of (k STRING, c LONG) rows by k that sums c over equal keys, with a budget that makes it spill. */
    private ExternalSorter summingByKey() {
        RowSignature sig = RowSignature.builder().add("k", ColumnType.STRING).add("c", ColumnType.LONG).build();
        KeyCodec codec = new KeyCodec(sig, List.of(KeyColumn.asc("k")));
        RowCombiner sum = (a, b) -> {
            a[1] = (Long) a[1] + (Long) b[1];
            return a;
        };
        return new ExternalSorter(sig, codec, tmp, 50_000, 16 * 1024, 4, sum);
    }

    @Test
    void combinerFoldsEqualKeysAcrossSpills() {
        try (ExternalSorter sorter = summingByKey()) {
            for (int i = 0; i < 30_000; i++) {
                sorter.add(new Object[] {"key" + (i % 100), 1L});
            }
            assertThat(sorter.spilledRuns()).isGreaterThan(0);
            RowSource out = sorter.sorted();
            Object[] row;
            int groups = 0;
            while ((row = out.next()) != null) {
                assertThat(row[1]).isEqualTo(300L);
                groups++;
            }
            assertThat(groups).isEqualTo(100);
        }
    }

    @Test
    void inMemorySortAndEmptyInput() {
        KeyCodec codec = new KeyCodec(SIG, List.of(KeyColumn.asc("k")));
        try (ExternalSorter empty = new ExternalSorter(SIG, codec, tmp, 1 << 20, null)) {
            assertThat(empty.sorted().next()).isNull();
            assertThat(empty.progress().triviallyComplete()).isTrue();
        }
        try (ExternalSorter sorter = new ExternalSorter(SIG, codec, tmp, 1 << 30, null)) {
            sorter.add(new Object[] {3L, "c", 0L});
            sorter.add(new Object[] {null, "n", 1L});
            sorter.add(new Object[] {-5L, "a", 2L});
            RowSource out = sorter.sorted();
            assertThat(out.next()[1]).isEqualTo("n");
            assertThat(out.next()[1]).isEqualTo("a");
            assertThat(out.next()[1]).isEqualTo("c");
            assertThat(out.next()).isNull();
            assertThat(sorter.spilledRuns()).isZero();
            assertThat(sorter.progress().totalMergingLevels()).isEqualTo(2);
        }
    }

    /** Rows with keys k (as given) and a sequence number; the sorted sequence numbers. */
    private List<Long> sortedSequence(long[] keys, long budget, RowCombiner combiner, int[] runsOut) {
        List<Long> seq = sortedSequence(keys, budget, combiner, runsOut, false);
        // rows handed over with their encoding (buffered as they are, or streamed to a run): the same result
        int[] runs = new int[1];
        assertThat(sortedSequence(keys, budget, combiner, runs, true)).isEqualTo(seq);
        assertThat(runs[0]).isEqualTo(runsOut[0]);
        return seq;
    }

    private List<Long> sortedSequence(long[] keys, long budget, RowCombiner combiner, int[] runsOut, boolean encoded) {
        KeyCodec codec = new KeyCodec(SIG, List.of(KeyColumn.asc("k")));
        try (ExternalSorter sorter = new ExternalSorter(SIG, codec, tmp, budget, 16 * 1024, 4, combiner)) {
            io.sluice.engine.frame.ByteSink rowBytes = new io.sluice.engine.frame.ByteSink(64);
            for (int i = 0; i < keys.length; i++) {
                Object[] row = {keys[i], "v" + (i % 13), (long) i};
                if (encoded) {
                    rowBytes.reset();
                    io.sluice.engine.frame.RowCodec.writeRow(rowBytes, row, SIG.size());
                    sorter.add(codec.encode(row), row, rowBytes);
                } else {
                    sorter.add(row);
                }
            }
            runsOut[0] = sorter.spilledRuns();
            List<Long> seq = new java.util.ArrayList<>();
            try (KeyedRowSource out = sorter.sortedWithKeys()) {
                while (out.advance()) {
                    Object[] row = out.row();
                    if (out.encodedRow() != null) {
                        // the encoded bytes decode to the same row
                        Object[] decoded = io.sluice.engine.frame.RowCodec.readRow(new io.sluice.engine.frame.ByteSource(
                                out.encodedRow(), out.encodedRowOffset(),
                                out.encodedRowOffset() + out.encodedRowLength()), SIG.size());
                        assertThat(decoded).containsExactly(row);
                    }
                    seq.add((Long) row[2]);
                }
            }
            return seq;
        }
    }

    @Test
    void inputAlreadyInKeyOrderStreamsIntoOneRun() {
        long[] keys = new long[50_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i / 1000;
        }
        int[] runs = new int[1];
        List<Long> seq = sortedSequence(keys, 100_000, null, runs);
        assertThat(runs[0]).isEqualTo(1);
        assertThat(seq).hasSize(keys.length).isSorted();
    }

    @Test
    void inputLeavingKeyOrderAfterTheFirstSpillIsStillSortedAndStable() {
        long[] keys = new long[60_000];
        Random r = new Random(3);
        for (int i = 0; i < keys.length; i++) {
            // in order for the first 30,000 rows (past several budgets), then random
            keys[i] = i < 30_000 ? i / 100 : r.nextInt(400);
        }
        int[] runs = new int[1];
        List<Long> seq = sortedSequence(keys, 100_000, null, runs);
        assertThat(runs[0]).isGreaterThan(1);
        assertThat(seq).hasSize(keys.length);
        for (int i = 1; i < seq.size(); i++) {
            long a = keys[seq.get(i - 1).intValue()];
            long b = keys[seq.get(i).intValue()];
            assertThat(a).isLessThanOrEqualTo(b);
            if (a == b) {
                assertThat(seq.get(i)).isGreaterThan(seq.get(i - 1));
            }
        }
    }

    @Test
    void combinerStillFoldsRowsStreamedInOrder() {
        long[] keys = new long[40_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i / 10;
        }
        RowCombiner keepFirst = (a, b) -> a;
        int[] runs = new int[1];
        List<Long> seq = sortedSequence(keys, 100_000, keepFirst, runs);
        assertThat(runs[0]).isEqualTo(1);
        assertThat(seq).hasSize(4_000);
        for (int i = 0; i < seq.size(); i++) {
            assertThat(seq.get(i)).isEqualTo(i * 10L);
        }
    }

    @Test
    void rowsKeepTheirEncodingThroughSpillsAndMergesUnlessCombined() {
        try (ExternalSorter sorter = summingByKey()) {
            // keys 0..9999 once each, and every 100th key twice more (folded within a run or across runs)
            Random r = new Random(9);
            List<Integer> order = new java.util.ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                order.add(i);
                if (i % 100 == 0) {
                    order.add(i);
                    order.add(i);
                }
            }
            java.util.Collections.shuffle(order, r);
            for (int i : order) {
                sorter.add(new Object[] {String.format("key%05d", i), (long) i});
            }
            assertThat(sorter.spilledRuns()).isGreaterThan(1);
            assertThat(sorter.bufferChunks()).as("chunks kept from one spill to the next").isPositive();
            int rows = 0;
            int encoded = 0;
            try (KeyedRowSource out = sorter.sortedWithKeys()) {
                while (out.advance()) {
                    int i = rows++;
                    long expected = i % 100 == 0 ? 3L * i : i;
                    if (out.encodedRow() != null) {
                        encoded++;
                        Object[] fromBytes = io.sluice.engine.frame.RowCodec.readRow(new io.sluice.engine.frame.ByteSource(
                                out.encodedRow(), out.encodedRowOffset(), out.encodedRowOffset() + out.encodedRowLength()), 2);
                        assertThat(fromBytes).containsExactly(String.format("key%05d", i), expected);
                    }
                    assertThat(out.row()).containsExactly(String.format("key%05d", i), expected);
                }
            }
            assertThat(rows).isEqualTo(10_000);
            assertThat(sorter.bufferChunks()).as("buffer memory given back once the output is read").isZero();
            assertThat(encoded).as("rows without an equal key are handed on undecoded").isGreaterThanOrEqualTo(9_900);
        }
    }

    @Test
    void rowsGoOnIntoASecondBufferWhileTheFullOneIsSortedAndWritten() throws Exception {
        RowSignature sig = RowSignature.builder().add("k", ColumnType.STRING).add("c", ColumnType.LONG).build();
        KeyCodec codec = new KeyCodec(sig, List.of(KeyColumn.asc("k")));
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> combinedOn = new AtomicReference<>();
        RowCombiner waitingSum = (a, b) -> {
            combinedOn.compareAndSet(null, Thread.currentThread().getName());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            a[1] = (Long) a[1] + (Long) b[1];
            return a;
        };
        long total = 0;
        try (ExternalSorter sorter = new ExternalSorter(sig, codec, tmp, 50_000, 16 * 1024, 4, waitingSum)) {
            int i = 0;
            // out of key order, with equal keys: the first spill combines, and its combiner waits for the latch
            while (sorter.spilledRuns() == 0) {
                sorter.add(new Object[] {"k" + (i * 7919 % 300), 1L});
                i++;
            }
            // the spill is under way and blocked; rows still go in, short of filling the second buffer
            for (int j = 0; j < 200; j++, i++) {
                sorter.add(new Object[] {"k" + (i * 7919 % 300), 1L});
            }
            assertThat(sorter.spilledRuns()).isEqualTo(1);
            assertThat(release.getCount()).isEqualTo(1);
            release.countDown();
            try (RowSource out = sorter.sorted()) {
                String prev = null;
                for (Object[] row; (row = out.next()) != null; ) {
                    assertThat(prev == null || prev.compareTo((String) row[0]) < 0).isTrue();
                    prev = (String) row[0];
                    total += (Long) row[1];
                }
            }
            assertThat(total).isEqualTo(i);
        }
        assertThat(combinedOn.get()).startsWith("sluice-spill-");
        assertThat(fileCount(tmp)).isZero();
    }

    @Test
    void aBackgroundSpillsFailureReachesTheCallerAndClosingStillCleansUp() throws Exception {
        RowSignature sig = RowSignature.builder().add("k", ColumnType.STRING).add("c", ColumnType.LONG).build();
        KeyCodec codec = new KeyCodec(sig, List.of(KeyColumn.asc("k")));
        RowCombiner failing = (a, b) -> {
            throw new IllegalStateException("combiner failed");
        };
        ExternalSorter sorter = new ExternalSorter(sig, codec, tmp, 50_000, 16 * 1024, 4, failing);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 20_000; i++) {
                sorter.add(new Object[] {"k" + (i * 7919 % 300), 1L});
            }
            sorter.sorted().close();
        }).isInstanceOf(IllegalStateException.class).hasMessage("combiner failed");
        sorter.close();
        assertThat(fileCount(tmp)).isZero();
    }

    @Test
    void oneRunSpilledInTheBackgroundIsHandedOverWhole() {
        KeyCodec codec = new KeyCodec(SIG, List.of(KeyColumn.asc("k")));
        try (ExternalSorter sorter = new ExternalSorter(SIG, codec, tmp, 200_000, 16 * 1024, 4, null)) {
            int n = 0;
            // out of key order: the first spill goes to the spill thread; nothing is added after it
            while (sorter.spilledRuns() == 0) {
                sorter.add(new Object[] {(long) (n * 7919 % 5003), "s", (long) n});
                n++;
            }
            ExternalSorter.SingleRun run = sorter.finishAsSingleRun();
            assertThat(run).isNotNull();
            long rows = 0;
            byte[] previousLast = null;
            for (ExternalSorter.RunFrame f : run.frames()) {
                rows += f.rows();
                assertThat(java.util.Arrays.compareUnsigned(f.firstKey(), f.lastKey())).isLessThanOrEqualTo(0);
                if (previousLast != null) {
                    assertThat(java.util.Arrays.compareUnsigned(previousLast, f.firstKey())).isLessThanOrEqualTo(0);
                }
                previousLast = f.lastKey();
            }
            assertThat(rows).isEqualTo(n);
            assertThat(run.frames()).hasSizeGreaterThan(1);
            assertThat(sorter.progress().progressDigest()).isEqualTo(1.0);
        }
    }
}
