package io.sluice.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;

/**
 * The parsing floor: how fast this machine can inflate the gzipped JSON lines and parse every row with Jackson into
 * typed values (strings, longs, {@code time} as epoch millis). Any ingestion has to do at least this much work.
 *
 * <ul>
 *   <li>{@link #oneThread}: one thread inflates and parses;
 *   <li>{@link #twoThreads}: one thread inflates, another parses (a pipeline of 1 MiB blocks cut at newlines);
 *   <li>{@link #filesInParallel}: several files, each inflated and parsed by its own thread.
 * </ul>
 */
public final class Floor {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int BLOCK = 1 << 20;

    /** Rows parsed, nanoseconds taken, and a checksum of the values (keeps the JIT honest). */
    public record Result(long rows, long nanos, long checksum) {
        public double rowsPerSecond() {
            return rows * 1e9 / nanos;
        }
    }

    private Floor() {}

    public static Result oneThread(Path gz) throws IOException {
        long start = System.nanoTime();
        Sink sink = new Sink();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
                JsonParser p = JSON.createParser(in)) {
            parseAll(p, sink);
        }
        return new Result(sink.rows, System.nanoTime() - start, sink.checksum);
    }

    public static Result twoThreads(Path gz) throws Exception {
        long start = System.nanoTime();
        BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(8);
        byte[] end = new byte[0];
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "floor-inflate");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> inflater = pool.submit(() -> {
                inflateBlocks(gz, queue);
                queue.put(end);
                return null;
            });
            Sink sink = new Sink();
            while (true) {
                byte[] block = queue.take();
                if (block == end) {
                    break;
                }
                try (JsonParser p = JSON.createParser(block)) {
                    parseAll(p, sink);
                }
            }
            inflater.get();
            return new Result(sink.rows, System.nanoTime() - start, sink.checksum);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each file on its own thread ({@code threads} at a time), inflating and parsing. */
    public static Result filesInParallel(List<Path> files, int threads) throws Exception {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Result>> results = new ArrayList<>();
            for (Path f : files) {
                results.add(pool.submit(() -> oneThread(f)));
            }
            long rows = 0;
            long checksum = 0;
            for (Future<Result> r : results) {
                rows += r.get().rows();
                checksum += r.get().checksum();
            }
            return new Result(rows, System.nanoTime() - start, checksum);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Inflates into blocks that end at a newline. */
    private static void inflateBlocks(Path gz, BlockingQueue<byte[]> queue) throws IOException, InterruptedException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
            byte[] buf = new byte[BLOCK];
            int filled = 0;
            while (true) {
                int r = in.read(buf, filled, buf.length - filled);
                if (r < 0) {
                    break;
                }
                filled += r;
                if (filled == buf.length) {
                    int cut = lastNewline(buf, filled);
                    if (cut < 0) {
                        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                        continue;
                    }
                    queue.put(java.util.Arrays.copyOf(buf, cut + 1));
                    byte[] next = new byte[Math.max(BLOCK, filled - cut - 1)];
                    System.arraycopy(buf, cut + 1, next, 0, filled - cut - 1);
                    filled = filled - cut - 1;
                    buf = next;
                }
            }
            if (filled > 0) {
                queue.put(java.util.Arrays.copyOf(buf, filled));
            }
        }
    }

    private static int lastNewline(byte[] buf, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static final class Sink {
        long rows;
        long checksum;
    }

    /** Parses a run of JSON objects into typed values; what a row reader has to do at least. */
    private static void parseAll(JsonParser p, Sink sink) throws IOException {
        Object[] row = new Object[32];
        while (p.nextToken() == JsonToken.START_OBJECT) {
            int f = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken t = p.nextToken();
                Object v;
                switch (t) {
                    case VALUE_STRING -> {
                        String s = p.getText();
                        v = name.equals("time") ? (Object) epochMillis(s) : s;
                    }
                    case VALUE_NUMBER_INT -> v = p.getLongValue();
                    case VALUE_NUMBER_FLOAT -> v = p.getDoubleValue();
                    case VALUE_TRUE -> v = "true";
                    case VALUE_FALSE -> v = "false";
                    case VALUE_NULL -> v = null;
                    default -> {
                        p.skipChildren();
                        v = null;
                    }
                }
                if (f < row.length) {
                    row[f++] = v;
                }
            }
            sink.rows++;
            Object first = row[0];
            sink.checksum += first instanceof Long l ? l : (first == null ? 0 : first.hashCode());
        }
    }

    /**
     * ISO-8601 "yyyy-MM-ddTHH:mm:ss.SSSZ" to epoch millis without allocation; any other shape goes through
     * {@link Instant#parse}.
     */
    static long epochMillis(String s) {
        if (s.length() == 24 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T' && s.charAt(13) == ':'
                && s.charAt(16) == ':' && s.charAt(19) == '.' && s.charAt(23) == 'Z') {
            int y = num(s, 0, 4);
            int mo = num(s, 5, 2);
            int d = num(s, 8, 2);
            long days = daysFromCivil(y, mo, d);
            return ((days * 24 + num(s, 11, 2)) * 60 + num(s, 14, 2)) * 60_000L + num(s, 17, 2) * 1000L
                    + num(s, 20, 3);
        }
        return Instant.parse(s).toEpochMilli();
    }

    private static int num(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            int c = s.charAt(i) - '0';
            if (c < 0 || c > 9) {
                throw new IllegalArgumentException("not a timestamp: " + s);
            }
            v = v * 10 + c;
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    private static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
