package io.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.exec.ExternalSorter;
import io.sluice.engine.exec.KeyedRowSource;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.input.CountingRowSource;
import io.sluice.engine.input.InputFormats;
import io.sluice.engine.input.InputSources;
import io.sluice.engine.input.ParseErrorPolicy;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.segment.SegmentWriter;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ingest path's pieces on their own, in one JVM, on one generated data file: parse it (JSON reader), sort its
 * rows by day through the shuffle's external sorter and read them back, write one segment per day. Reports, for each
 * piece, the CPU seconds of the live Java threads (GC and JIT threads excluded; a thread that has ended, such as the
 * gzip read-ahead thread, is not counted), the whole process's CPU seconds, and the wall time, so that a change's
 * cost can be compared on a machine other processes load. Each round repeats everything; the first rounds include
 * JIT warm-up.
 *
 * <pre>java -Xmx3g -cp cluster-config/target/sluice-node.jar:cluster-config/target/lib/* \
 *     io.sluice.bench.IngestComponents bench-out/data/wiki-1000000.json.gz [rounds]</pre>
 */
public final class IngestComponents {
    private static final long DAY = 86_400_000L;
    private static final List<String> LONGS = List.of("metroCode", "delta", "added", "deleted");

    private IngestComponents() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("Usage: IngestComponents <wiki-N.json.gz> [rounds]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        RowSignature.Builder in = RowSignature.builder().add("time", ColumnType.STRING);
        RowSignature.Builder stored = RowSignature.builder().add("__time", ColumnType.LONG);
        for (String c : BenchRunner.COLUMNS.replace("\"", "").split(",\\s*")) {
            ColumnType t = LONGS.contains(c) ? ColumnType.LONG : ColumnType.STRING;
            in.add(c, t);
            stored.add(c, t);
        }
        RowSignature inSig = in.build();
        RowSignature storedSig = stored.build();
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode source = mapper.createObjectNode().put("type", "local");
        source.putArray("files").add(file.toString());
        ObjectNode format = mapper.createObjectNode().put("type", "json");
        Path tmp = Files.createTempDirectory("sluice-ingest-components");
        try {
            for (int round = 0; round < rounds; round++) {
                double c0 = cpu();
                double p0 = processCpu();
                long w0 = System.nanoTime();
                List<Object[]> rows = new ArrayList<>();
                try (CountingRowSource s = InputFormats.open(
                        InputSources.split(source).get(0), format, inSig, new ParseErrorPolicy(0))) {
                    Object[] r;
                    while ((r = s.next()) != null) {
                        r[0] = Instant.parse((String) r[0]).toEpochMilli();
                        rows.add(r);
                    }
                }
                double c1 = cpu();
                double p1 = processCpu();
                long w1 = System.nanoTime();
                long sorted = sortByDay(rows, storedSig, tmp);
                double c2 = cpu();
                double p2 = processCpu();
                long w2 = System.nanoTime();
                Map<Long, List<Object[]>> days = new TreeMap<>();
                for (Object[] r : rows) {
                    days.computeIfAbsent(Math.floorDiv((Long) r[0], DAY), d -> new ArrayList<>()).add(r);
                }
                double c3 = cpu();
                double p3 = processCpu();
                long w3 = System.nanoTime();
                long bytes = 0;
                for (List<Object[]> day : days.values()) {
                    bytes += SegmentWriter.write(tmp.resolve("segment.sluice"), storedSig, day).sizeBytes();
                }
                double c4 = cpu();
                double p4 = processCpu();
                long w4 = System.nanoTime();
                System.out.printf("round %d (java-threads / process CPU-s, wall s): parse %,d rows %.2f / %.2f, %.2f |"
                                + " sort by day + read %,d rows %.2f / %.2f, %.2f | %d segments, %,d bytes %.2f / %.2f,"
                                + " %.2f%n",
                        round, rows.size(), c1 - c0, p1 - p0, (w1 - w0) / 1e9, sorted, c2 - c1, p2 - p1,
                        (w2 - w1) / 1e9, days.size(), bytes, c4 - c3, p4 - p3, (w4 - w3) / 1e9);
            }
        } finally {
            io.sluice.engine.worker.WorkerStageRunner.deleteQuietly(tmp);
        }
    }

    private static long sortByDay(List<Object[]> rows, RowSignature sig, Path tmp) {
        KeyCodec day = new KeyCodec(RowSignature.builder().add("d", ColumnType.LONG).build(), List.of(KeyColumn.asc("d")));
        long n = 0;
        try (ExternalSorter sorter = new ExternalSorter(sig, null, tmp, 64L << 20, 1_000_000, 64, null)) {
            Object[] key = new Object[1];
            for (Object[] r : rows) {
                key[0] = Math.floorDiv((Long) r[0], DAY);
                sorter.add(day.encode(key), r);
            }
            try (KeyedRowSource out = sorter.sortedWithKeys()) {
                while (out.advance()) {
                    n++;
                }
            }
        }
        return n;
    }

    private static double processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** CPU seconds of the JVM's live Java threads. */
    private static double cpu() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : t.getAllThreadIds()) {
            long c = t.getThreadCpuTime(id);
            if (c > 0) {
                sum += c;
            }
        }
        return sum / 1e9;
    }
}
