package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageOutputTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("k", ColumnType.STRING)
            .add("v", ColumnType.LONG)
            .build();

    @TempDir
    Path tmp;

    private static StageDefinition stage(ShuffleSpec shuffle) {
        return new StageDefinition(0, "q_0", List.of(), null,
                new ScanProcessorSpec(null, List.of(new NamedExpr("k", new ColumnRef("k"), ColumnType.STRING),
                        new NamedExpr("v", new ColumnRef("v"), ColumnType.LONG)), null),
                SIG, shuffle, 2);
    }

    private static List<Object[]> read(StageOutput out, int p, RowSignature sig) {
        List<Object[]> rows = new ArrayList<>();
        Iterator<Frame> it = out.readPartition(p);
        while (it.hasNext()) {
            RowSource rs = FrameReader.rows(sig, it.next());
            Object[] r;
            while ((r = rs.next()) != null) {
                rows.add(r);
            }
        }
        return rows;
    }

    private static long files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void rangeShuffleEndToEndWithThreePartitions() throws Exception {
        ShuffleSpec spec = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("k"), KeyColumn.desc("v")), 0), 3, false);
        StageDefinition st = stage(spec);
        List<StageOutput> workers = List.of(
                new StageOutput(st, tmp.resolve("w0"), 300_000, 32 * 1024),
                new StageOutput(st, tmp.resolve("w1"), 300_000, 32 * 1024));
        Random r = new Random(5);
        int n = 60_000;
        for (int i = 0; i < n; i++) {
            workers.get(i % 2).add(new Object[] {"key" + r.nextInt(1000), (long) r.nextInt(100)});
        }
        assertThat(workers.get(0).spilledRuns()).isGreaterThan(0);
        KeyStatistics merged = new KeyStatistics();
        for (StageOutput w : workers) {
            assertThat(w.needsBoundaries()).isTrue();
            merged.merge(w.finishAndCollectStatistics());
        }
        PartitionBoundaries b = BoundaryCalculator.compute(spec, merged, BoundaryCalculator.DEFAULT_MAX_PARTITIONS);
        assertThat(b.partitionCount()).isEqualTo(3);
        for (StageOutput w : workers) {
            w.partition(b);
        }
        long total = 0;
        String prevMax = null;
        for (int p = 0; p < 3; p++) {
            List<Object[]> part = new ArrayList<>();
            for (StageOutput w : workers) {
                assertThat(w.partitionCount()).isEqualTo(3);
                List<Object[]> rows = read(w, p, SIG);
                // each worker's partition is sorted by (k asc, v desc)
                for (int i = 1; i < rows.size(); i++) {
                    int c = ((String) rows.get(i - 1)[0]).compareTo((String) rows.get(i)[0]);
                    assertThat(c <= 0).isTrue();
                    if (c == 0) {
                        assertThat((Long) rows.get(i - 1)[1]).isGreaterThanOrEqualTo((Long) rows.get(i)[1]);
                    }
                }
                part.addAll(rows);
                // a fresh iterator each call
                assertThat(read(w, p, SIG)).hasSameSizeAs(rows);
            }
            assertThat(part.size()).isBetween(n / 6, n / 2);
            String min = part.stream().map(x -> (String) x[0]).min(String::compareTo).orElseThrow();
            String max = part.stream().map(x -> (String) x[0]).max(String::compareTo).orElseThrow();
            if (prevMax != null) {
                assertThat(min.compareTo(prevMax)).isGreaterThanOrEqualTo(0);
            }
            prevMax = max;
            total += part.size();
        }
        assertThat(total).isEqualTo(n);
        StageOutput w0 = workers.get(0);
        assertThat(w0.output().rows()).containsExactly(n / 2);
        assertThat(w0.shuffle().rows()).hasSize(3);
        assertThat(w0.shuffle().totalRows()).isEqualTo(n / 2);
        assertThat(w0.shuffle().frames()[0]).isPositive();
        assertThat(w0.sortProgress().progressDigest()).isEqualTo(1.0);
        assertThat(files(tmp)).isPositive();
        for (StageOutput w : workers) {
            w.close();
        }
        assertThat(files(tmp)).isZero();
    }

    @Test
    void rowsAddedEncodedArePartitionedAndCountedAsDecodedOnes() {
        ShuffleSpec range = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("k")), 0), 2, false);
        ShuffleSpec hash = new ShuffleSpec.Hash(new ClusterBy(List.of(KeyColumn.asc("k")), 0), 3);
        ShuffleSpec twoKeys = new ShuffleSpec.MaxCount(
                new ClusterBy(List.of(KeyColumn.desc("v"), KeyColumn.asc("k")), 0), 3, false);
        for (ShuffleSpec spec : List.of(range, hash, twoKeys)) {
            String name = spec.getClass().getSimpleName() + spec.clusterBy().columns().size();
            StageOutput decoded = new StageOutput(stage(spec), tmp.resolve("d" + name), 100_000, 8 * 1024);
            StageOutput encoded = new StageOutput(stage(spec), tmp.resolve("e" + name), 100_000, 8 * 1024);
            // rows whose key is made from their bytes
            StageOutput fromBytes = new StageOutput(stage(spec), tmp.resolve("b" + name), 100_000, 8 * 1024);
            assertThat(encoded.acceptsEncoded()).isTrue();
            int[] keys = encoded.keyPositions();
            Random r = new Random(3);
            io.sluice.engine.frame.ByteSink sink = new io.sluice.engine.frame.ByteSink(64);
            for (int i = 0; i < 20_000; i++) {
                Object[] row = {r.nextInt(30) == 0 ? null : "key\u00e9" + r.nextInt(3000),
                    r.nextInt(40) == 0 ? null : (long) r.nextInt(1000) - 500};
                decoded.add(row.clone());
                sink.reset();
                int size = io.sluice.engine.frame.RowCodec.writeRowSized(sink, row, 2);
                Object[] keyValues = new Object[2];
                for (int k : keys) {
                    keyValues[k] = row[k]; // the key's values only
                }
                encoded.addEncoded(keyValues, sink, size);
                fromBytes.addEncodedRow(sink, size);
            }
            KeyStatistics dStats = decoded.finishAndCollectStatistics();
            KeyStatistics eStats = encoded.finishAndCollectStatistics();
            KeyStatistics bStats = fromBytes.finishAndCollectStatistics();
            PartitionBoundaries b = spec instanceof ShuffleSpec.MaxCount
                    ? BoundaryCalculator.compute(spec, dStats, BoundaryCalculator.DEFAULT_MAX_PARTITIONS)
                    : null;
            for (StageOutput o : List.of(decoded, encoded, fromBytes)) {
                if (b != null) {
                    o.partition(b);
                } else {
                    o.partition();
                }
            }
            for (KeyStatistics stats : List.of(eStats, bStats)) {
                if (b != null) {
                    KeyStatistics merged = new KeyStatistics();
                    merged.merge(stats);
                    assertThat(BoundaryCalculator.compute(spec, merged, BoundaryCalculator.DEFAULT_MAX_PARTITIONS))
                            .usingRecursiveComparison().isEqualTo(b);
                }
            }
            for (StageOutput o : List.of(encoded, fromBytes)) {
                assertThat(o.partitionCount()).isEqualTo(decoded.partitionCount());
                for (int p = 0; p < decoded.partitionCount(); p++) {
                    List<Object[]> want = read(decoded, p, SIG);
                    List<Object[]> got = read(o, p, SIG);
                    assertThat(got).hasSameSizeAs(want);
                    for (int i = 0; i < want.size(); i++) {
                        assertThat(got.get(i)).isEqualTo(want.get(i));
                    }
                }
                assertThat(o.output().toJson()).usingRecursiveComparison().isEqualTo(decoded.output().toJson());
                assertThat(o.shuffle().toJson()).usingRecursiveComparison().isEqualTo(decoded.shuffle().toJson());
            }
            decoded.close();
            encoded.close();
            fromBytes.close();
        }
    }

    @Test
    void aLimitHintedSortKeepsWhatAFullSortPutsFirst() {
        Random rnd = new Random(17);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // many ties on the leading LONG key (and some NULLs), broken by the string
            rows.add(new Object[] {"k" + rnd.nextInt(5_000), rnd.nextInt(50) == 0 ? null : (long) rnd.nextInt(300)});
        }
        for (KeyColumn lead : List.of(KeyColumn.desc("v"), KeyColumn.asc("v"))) {
            ClusterBy by = new ClusterBy(List.of(lead, KeyColumn.asc("k")), 0);
            List<Object[]> full;
            try (StageOutput out = new StageOutput(stage(new ShuffleSpec.MaxCount(by, 1, false)), tmp.resolve("f"),
                    1 << 24, 4096)) {
                rows.forEach(r -> out.add(r.clone()));
                out.finishAndCollectStatistics();
                out.partition(PartitionBoundaries.single());
                full = read(out, 0, SIG);
            }
            try (StageOutput out = new StageOutput(stage(new ShuffleSpec.MaxCount(by, 1, false).withLimitHint(10)),
                    tmp.resolve("t"), 1 << 24, 4096)) {
                rows.forEach(r -> out.add(r.clone()));
                out.finishAndCollectStatistics();
                out.partition(PartitionBoundaries.single());
                List<Object[]> top = read(out, 0, SIG);
                assertThat(top).hasSize(10);
                for (int i = 0; i < 10; i++) {
                    assertThat(top.get(i)).as("%s row %d", lead, i).containsExactly(full.get(i));
                }
                assertThat(out.output().totalRows()).isEqualTo(rows.size()); // dropped rows still count as output
            }
        }
    }

    @Test
    void noShuffleKeepsArrivalOrderInOnePartition() {
        StageDefinition st = stage(null);
        try (StageOutput out = new StageOutput(st, tmp, 1 << 20, 1024)) {
            for (long i = 0; i < 1000; i++) {
                out.add(new Object[] {"x" + (999 - i), i});
            }
            assertThat(out.finishAndCollectStatistics().isEmpty()).isTrue();
            out.partition();
            assertThat(out.partitionCount()).isEqualTo(1);
            List<Object[]> rows = read(out, 0, SIG);
            assertThat(rows).hasSize(1000);
            for (int i = 0; i < 1000; i++) {
                assertThat(rows.get(i)[1]).isEqualTo((long) i);
            }
            assertThat(out.output().frames()[0]).isGreaterThan(1);
            assertThat(out.shuffle().isEmpty()).isTrue();
            assertThat(out.sortProgress().triviallyComplete()).isTrue();
        }
    }

    @Test
    void hashShuffleCombinesPreAggregatedGroups() {
        List<AggregatorSpec> aggs = List.of(new AggregatorSpec("cnt", AggKind.COUNT, null, null, ColumnType.LONG, false));
        RowSignature sig = RowSignature.builder().add("d0", ColumnType.STRING).add("cnt", ColumnType.LONG).build();
        StageDefinition st = new StageDefinition(0, "q_0", List.of(), null,
                new GroupByPreShuffleSpec(null, List.of(new NamedExpr("d0", new ColumnRef("k"), ColumnType.STRING)), aggs),
                sig, new ShuffleSpec.Hash(new ClusterBy(List.of(KeyColumn.asc("d0")), 0), 3), 1);
        try (StageOutput out = new StageOutput(st, tmp, 10_000, 4096)) {
            for (int i = 0; i < 3000; i++) {
                out.add(new Object[] {"g" + (i % 30), 1L});
            }
            out.finishAndCollectStatistics();
            out.partition();
            assertThat(out.partitionCount()).isEqualTo(3);
            int groups = 0;
            HashPartitioner hp = new HashPartitioner(3);
            for (int p = 0; p < 3; p++) {
                List<Object[]> rows = read(out, p, sig);
                for (int i = 0; i < rows.size(); i++) {
                    assertThat(rows.get(i)[1]).isEqualTo(100L);
                    if (i > 0) {
                        assertThat(((String) rows.get(i - 1)[0]).compareTo((String) rows.get(i)[0])).isNegative();
                    }
                }
                groups += rows.size();
            }
            assertThat(groups).isEqualTo(30);
            assertThat(hp.partitions()).isEqualTo(3);
        }
    }

    @Test
    void anInOrderSpillIsCutIntoPartitionsReadInPlaceWithTheRowsOfASortInMemory() throws Exception {
        ClusterBy by = new ClusterBy(List.of(KeyColumn.asc("k")), 0);
        ShuffleSpec spec = new ShuffleSpec.MaxCount(by, 3, false);
        StageDefinition st = stage(spec);
        StageOutput spilled = new StageOutput(st, tmp.resolve("a"), 200_000, 16 * 1024);
        StageOutput inMemory = new StageOutput(st, tmp.resolve("b"), 1L << 30, 16 * 1024);
        for (int i = 0; i < 40_000; i++) {
            Object[] row = {String.format("key%06d", i / 7), i % 5 == 0 ? null : (long) i};
            spilled.add(row);
            inMemory.add(row.clone());
        }
        assertThat(spilled.spilledRuns()).isEqualTo(1);
        assertThat(inMemory.spilledRuns()).isZero();
        spilled.finishAndCollectStatistics();
        inMemory.finishAndCollectStatistics();
        KeyCodec codec = new KeyCodec(SIG, by.columns());
        // cuts inside frames and at equal keys spread over frames; empty partitions before the first key, between two
        // cuts and after the last key
        List<byte[]> splits = new ArrayList<>();
        for (String k : List.of("key", "key000100", "key000100a", "key000100b", "key001000", "key002000", "key004567",
                "key005713", "zzz")) {
            splits.add(codec.encode(new Object[] {k, null}));
        }
        PartitionBoundaries boundaries = PartitionBoundaries.fromSplits(splits);
        spilled.partition(boundaries);
        inMemory.partition(boundaries);
        assertThat(spilled.readsInPlace()).isTrue();
        assertThat(inMemory.readsInPlace()).isFalse();
        try (Stream<Path> s = Files.walk(tmp.resolve("a"))) {
            assertThat(s.filter(f -> f.getFileName().toString().equals("partitions.frames"))).isEmpty();
        }
        assertThat(spilled.partitionCount()).isEqualTo(inMemory.partitionCount()).isEqualTo(10);
        for (int p = 0; p < spilled.partitionCount(); p++) {
            List<Object[]> expected = read(inMemory, p, SIG);
            assertThat(read(spilled, p, SIG)).usingRecursiveFieldByFieldElementComparator().isEqualTo(expected);
            // the counters are the frames served: rows, bytes and frames
            long bytes = 0;
            long frames = 0;
            List<Object[]> reused = new ArrayList<>();
            for (Iterator<Frame> it = spilled.readPartitionReusingBuffer(p); it.hasNext(); ) {
                Frame f = it.next();
                bytes += f.sizeBytes();
                frames++;
                RowSource rs = FrameReader.rows(SIG, f);
                for (Object[] r; (r = rs.next()) != null; ) {
                    reused.add(r);
                }
            }
            assertThat(reused).usingRecursiveFieldByFieldElementComparator().isEqualTo(expected);
            assertThat(spilled.shuffle().rows()[p]).isEqualTo(inMemory.shuffle().rows()[p]).isEqualTo(expected.size());
            assertThat(spilled.shuffle().bytes()[p]).isEqualTo(bytes);
            assertThat(spilled.shuffle().frames()[p]).isEqualTo(frames);
        }
        assertThat(spilled.shuffle().rows()[0]).isZero();
        assertThat(spilled.shuffle().rows()[2]).isEqualTo(7);
        assertThat(spilled.shuffle().rows()[3]).isZero();
        assertThat(spilled.shuffle().rows()[9]).isZero();
        assertThat(spilled.shuffle().frames()[4]).isGreaterThan(1);
        assertThat(spilled.sortProgress().progressDigest()).isEqualTo(1.0);
        spilled.close();
        inMemory.close();
        assertThat(files(tmp)).isZero();
    }

    @Test
    void spillsOutOfKeyOrderAreMergedIntoAPartitionFile() {
        ShuffleSpec spec = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("k")), 0), 3, false);
        try (StageOutput out = new StageOutput(stage(spec), tmp.resolve("a"), 200_000, 16 * 1024)) {
            for (int i = 0; i < 40_000; i++) {
                out.add(new Object[] {String.format("key%06d", (i * 7919) % 40_000), (long) i});
            }
            assertThat(out.spilledRuns()).isGreaterThan(1);
            out.finishAndCollectStatistics();
            out.partition(PartitionBoundaries.single());
            assertThat(out.readsInPlace()).isFalse();
            List<Object[]> rows = read(out, 0, SIG);
            assertThat(rows).hasSize(40_000);
            for (int i = 0; i < rows.size(); i++) {
                assertThat(rows.get(i)[0]).isEqualTo(String.format("key%06d", i));
            }
        }
    }
}
