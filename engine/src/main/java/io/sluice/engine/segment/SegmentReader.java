package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Reads a segment file written by {@link SegmentWriter}. Only the header is read on open (and kept per file); the
 * file is memory-mapped the first time a column is read (and the mapping kept with the header, for later readers);
 * a column's sections are decompressed and cached in the reader the first time a scan or a bitmap lookup needs them.
 * Thread-safe for concurrent scans; each returned {@link RowSource} is single-threaded.
 */
public final class SegmentReader implements AutoCloseable {
    private final Path file;
    private FileChannel channel; // opened on first use
    private boolean closed;
    private final long dataStart;
    private final long size;
    private final int version; // SegmentFormat.VERSION, VERSION_LZ4 or VERSION_ZSTD
    private final Mapping mapping; // the whole file, mapped on first use (files under 2 GB), kept with the header
    private final SegmentFormat.Header header;
    private final RowSignature signature;
    private final Map<String, SegmentFormat.ColumnEntry> entries; // shared with the cached header: read-only
    private final Map<String, Column> decoded = new HashMap<>();
    private final Map<String, RoaringBitmap> numericNulls = new HashMap<>(); // decoded with the values or not
    private final Map<String, PackedLongs> packed = new HashMap<>();

    private SegmentReader(Path file, CachedHeader h) {
        this.file = file;
        this.size = h.size();
        this.version = h.version();
        this.dataStart = h.dataStart();
        this.header = h.header();
        this.entries = h.entries();
        this.signature = h.signature();
        this.mapping = h.mapping();
    }

    /**
     * The whole file mapped once, kept with its cached header for every later reader of the file (as a Druid historical
     * keeps the segments it serves mapped): each query used to map every segment it read, fault its pages in again and
     * leave the mapping for the garbage collector to unmap. It goes with the header — when the file changes, when
     * {@link #forget} is told the file is gone, or when the cache is cleared — and is unmapped once unreachable.
     */
    private static final class Mapping {
        private ByteBuffer whole;

        synchronized ByteBuffer get(Path file, long size) throws IOException {
            if (whole == null) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                }
            }
            return whole;
        }

        synchronized boolean isMapped() {
            return whole != null;
        }
    }

    /**
     * A parsed header, valid while the file keeps its size and modification time, with what a reader derives from it
     * (the signature and the columns by name): a query opens every segment it reads, often twice.
     */
    private record CachedHeader(long size, long modified, int version, long dataStart, SegmentFormat.Header header,
                                RowSignature signature, Map<String, SegmentFormat.ColumnEntry> entries,
                                Mapping mapping) {
        CachedHeader(long size, long modified, int version, long dataStart, SegmentFormat.Header header) {
            this(size, modified, version, dataStart, header, signatureOf(header), entriesOf(header), new Mapping());
        }

        private static RowSignature signatureOf(SegmentFormat.Header header) {
            List<ColumnSignature> cols = new ArrayList<>();
            for (SegmentFormat.ColumnEntry e : header.columns()) {
                cols.add(new ColumnSignature(e.name(), ColumnType.fromString(e.type())));
            }
            return new RowSignature(cols);
        }

        private static Map<String, SegmentFormat.ColumnEntry> entriesOf(SegmentFormat.Header header) {
            Map<String, SegmentFormat.ColumnEntry> m = new HashMap<>();
            for (SegmentFormat.ColumnEntry e : header.columns()) {
                m.put(e.name(), e);
            }
            return java.util.Collections.unmodifiableMap(m);
        }
    }

    /** Most parsed headers kept (a few KB each). */
    public static final int MAX_CACHED_HEADERS = 10_000;
    private static final Map<Path, CachedHeader> HEADERS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Opens a segment file. Only the header is read (and kept, per file, while the file is unchanged: every query
     * opens every segment it reads, and parsing headers would otherwise cost more than answering from them); the file
     * itself is opened when a column is first read.
     */
    public static SegmentReader open(Path file) {
        requireNonNull(file, "file is null");
        Path key = file.toAbsolutePath().normalize();
        try {
            java.nio.file.attribute.BasicFileAttributes attrs =
                    java.nio.file.Files.readAttributes(key, java.nio.file.attribute.BasicFileAttributes.class);
            long size = attrs.size();
            long modified = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
            CachedHeader cached = HEADERS.get(key);
            if (cached == null || cached.size() != size || cached.modified() != modified) {
                cached = readHeader(key, size, modified);
                if (HEADERS.size() >= MAX_CACHED_HEADERS) {
                    HEADERS.clear();
                }
                HEADERS.put(key, cached);
            }
            return new SegmentReader(file, cached);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open segment " + file, e);
        }
    }

    /**
     * Reads and keeps the header of a segment file just written, so that the first query over it does not parse it
     * (as a Druid historical loads a segment before it serves it). A file that cannot be read is left for the query
     * to report.
     */
    public static void preload(Path file) {
        try {
            open(file).close();
        } catch (RuntimeException e) {
            // the query that reads it reports the problem
        }
    }

    /**
     * {@link #preload}s the files, at most {@link #MAX_CACHED_HEADERS} of them; returns how many were tried (one that
     * cannot be read is skipped). For a node that starts with segments already published: the first query over them
     * then parses no header.
     */
    public static int preloadAll(Iterable<Path> files) {
        int n = 0;
        for (Path f : files) {
            if (n >= MAX_CACHED_HEADERS) {
                break;
            }
            preload(f);
            n++;
        }
        return n;
    }

    /**
     * Drops what is kept of {@code file} (its header and mapping): for a segment file about to be deleted, so that a
     * mapping kept for it does not hold its disk space until the cache is cleared.
     */
    public static void forget(Path file) {
        HEADERS.remove(file.toAbsolutePath().normalize());
    }

    /** True when the file is kept mapped with its header (for tests). */
    static boolean mappingKept(Path file) {
        CachedHeader h = HEADERS.get(file.toAbsolutePath().normalize());
        return h != null && h.mapping().isMapped();
    }

    /** True when the header of {@code file} is kept (for tests). */
    static boolean headerKept(Path file) {
        return HEADERS.containsKey(file.toAbsolutePath().normalize());
    }

    private static CachedHeader readHeader(Path file, long size, long modified) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer pre = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0);
            pre.flip();
            byte[] magic = new byte[8];
            pre.get(magic);
            if (!Arrays.equals(magic, SegmentFormat.MAGIC)) {
                throw new IllegalArgumentException("Not a Sluice segment file: " + file);
            }
            int version = pre.getInt();
            if (version != SegmentFormat.VERSION && version != SegmentFormat.VERSION_LZ4
                    && version != SegmentFormat.VERSION_ZSTD) {
                throw new IllegalArgumentException("Unsupported segment version " + version + " in " + file);
            }
            int headerLength = pre.getInt();
            ByteBuffer hb = ByteBuffer.allocate(headerLength);
            readFully(ch, hb, 16);
            return new CachedHeader(size, modified, version, 16L + headerLength, parseHeader(hb.array()));
        }
    }

    /**
     * The header JSON, read with the streaming parser: what {@code readValue(bytes, Header.class)} gives for what
     * {@link SegmentWriter} writes (fields it does not know are skipped), without data binding, whose setup and cold
     * code paths cost most of the first query over a few hundred segments after a start.
     */
    static SegmentFormat.Header parseHeader(byte[] json) throws IOException {
        try (JsonParser p = SegmentFormat.JSON.getFactory().createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            long numRows = 0;
            long minTime = 0;
            long maxTime = 0;
            boolean timeSorted = false;
            List<SegmentFormat.ColumnEntry> columns = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "numRows" -> numRows = p.getValueAsLong();
                    case "minTime" -> minTime = p.getValueAsLong();
                    case "maxTime" -> maxTime = p.getValueAsLong();
                    case "timeSorted" -> timeSorted = p.getValueAsBoolean();
                    case "columns" -> {
                        if (t == JsonToken.VALUE_NULL) {
                            break;
                        }
                        expect(p, t, JsonToken.START_ARRAY);
                        columns = new ArrayList<>();
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            expect(p, t, JsonToken.START_OBJECT);
                            columns.add(parseColumn(p));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            expect(p, p.currentToken(), JsonToken.END_OBJECT);
            return new SegmentFormat.Header(numRows, minTime, maxTime, timeSorted, columns);
        }
    }

    private static SegmentFormat.ColumnEntry parseColumn(JsonParser p) throws IOException {
        String name = null;
        String type = null;
        boolean multiValue = false;
        Map<String, long[]> sections = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> name = p.getValueAsString();
                case "type" -> type = p.getValueAsString();
                case "multiValue" -> multiValue = p.getValueAsBoolean();
                case "sections" -> {
                    if (t == JsonToken.VALUE_NULL) {
                        break;
                    }
                    expect(p, t, JsonToken.START_OBJECT);
                    sections = new java.util.LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String section = p.currentName();
                        expect(p, p.nextToken(), JsonToken.START_ARRAY);
                        long[] at = new long[2];
                        int n = 0;
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            if (n == at.length) {
                                at = Arrays.copyOf(at, n * 2);
                            }
                            at[n++] = p.getValueAsLong();
                        }
                        sections.put(section, n == at.length ? at : Arrays.copyOf(at, n));
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new SegmentFormat.ColumnEntry(name, type, multiValue, sections);
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) {
            throw new JsonParseException(p, "Corrupt segment header: expected " + wanted + ", got " + got);
        }
    }

    /** The file, opened on first use. */
    private synchronized FileChannel channel() throws IOException {
        if (closed) {
            throw new IllegalStateException("Segment " + file + " is closed");
        }
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        }
        return channel;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("Unexpected end of segment file");
            }
            pos += n;
        }
    }


    public RowSignature signature() {
        return signature;
    }

    /** The file's size in bytes, as of when it was opened. */
    public long fileSize() {
        return size;
    }

    public long numRows() {
        return header.numRows();
    }

    public long minTime() {
        return header.minTime();
    }

    public long maxTime() {
        return header.maxTime();
    }

    /** True when rows are stored in non-decreasing {@code __time} order (time-range scans then binary-search). */
    public boolean timeSorted() {
        return header.timeSorted();
    }

    /**
     * Rows with {@code startInclusive <= __time < endExclusive}, each an {@code Object[]} in the order of {@code
     * columns}; a column the segment lacks yields nulls.
     */
    public RowSource scan(List<String> columns, long startInclusive, long endExclusive) {
        return scan(columns, startInclusive, endExclusive, null);
    }

    /**
     * Like {@link #scan(List, long, long)}, restricted to the row numbers in {@code rowsOrNull} (e.g. the result of
     * combining {@link #bitmapFor} bitmaps for a filter); null means every row.
     */
    public RowSource scan(List<String> columns, long startInclusive, long endExclusive, RoaringBitmap rowsOrNull) {
        List<String> cols = List.copyOf(columns);
        long[] time = ((LongColumn) column("__time")).values;
        Column[] readers = new Column[cols.size()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = entries.containsKey(cols.get(i)) ? column(cols.get(i)) : null;
        }
        int from = 0;
        int to = time.length;
        if (header.timeSorted()) {
            from = lowerBound(time, startInclusive);
            to = lowerBound(time, endExclusive);
        }
        boolean check = !header.timeSorted();
        int first = from;
        int last = Math.max(from, to);
        PeekableIntIterator selected = rowsOrNull == null ? null : rowsOrNull.getIntIterator();
        if (selected != null) {
            selected.advanceIfNeeded(first);
        }
        return new RowSource() {
            private int row = first;

            private int nextCandidate() {
                if (selected == null) {
                    return row < last ? row++ : -1;
                }
                if (!selected.hasNext()) {
                    return -1;
                }
                int r = selected.next();
                return r >= 0 && r < last ? r : -1;
            }

            @Override
            public Object[] next() {
                int r;
                while ((r = nextCandidate()) >= 0) {
                    if (check && (time[r] < startInclusive || time[r] >= endExclusive)) {
                        continue;
                    }
                    Object[] out = new Object[readers.length];
                    for (int i = 0; i < readers.length; i++) {
                        out[i] = readers[i] == null ? null : readers[i].get(r);
                    }
                    return out;
                }
                return null;
            }
        };
    }

    /**
     * The given rows ({@code rows} ascending) of {@code columns}, each an {@code Object[]} in the order of {@code
     * columns}, read without decoding whole columns: a section is decompressed only as far as the last value asked
     * for, straight from the mapped file, and nothing is cached. For reading a few rows of a segment (a top-N's kept
     * rows), where decoding every column of every segment holding one would cost more than the query. Time bounds
     * are not checked; a column the segment lacks yields nulls; a column this reader has decoded already is used.
     */
    public List<Object[]> readRows(List<String> columns, int[] rows) {
        int n = Math.toIntExact(header.numRows());
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= n || (i > 0 && rows[i] <= rows[i - 1])) {
                throw new IllegalArgumentException("rows must be ascending row numbers below " + n);
            }
        }
        Object[][] out = new Object[rows.length][columns.size()];
        if (rows.length == 0) {
            return List.of();
        }
        Streams streams = new Streams();
        try {
            readColumns(columns, rows, out, streams);
        } finally {
            streams.close();
        }
        return Arrays.asList(out);
    }

    /**
     * What {@link SectionStream}s of one {@link #readRows} call share: the output buffer, a block's compressed bytes,
     * and for version 1 files a zstd context and its direct buffer.
     */
    private static final class Streams {
        final byte[] buf = new byte[STREAM_CHUNK + SegmentFormat.BLOCK_SIZE];
        byte[] compressed = new byte[0];
        private ByteBuffer direct;
        private ZstdDecompressCtx ctx;

        ZstdDecompressCtx ctx() {
            if (ctx == null) {
                ctx = new ZstdDecompressCtx();
                direct = ByteBuffer.allocateDirect(STREAM_CHUNK);
            }
            return ctx;
        }

        void close() {
            if (ctx != null) {
                ctx.close();
            }
        }
    }

    private void readColumns(List<String> columns, int[] rows, Object[][] out, Streams buffer) {
        for (int c = 0; c < columns.size(); c++) {
            SegmentFormat.ColumnEntry e = entries.get(columns.get(c));
            if (e == null) {
                continue;
            }
            Column cached;
            synchronized (this) {
                cached = decoded.get(e.name());
            }
            ColumnType type = ColumnType.fromString(e.type());
            if (cached != null || !(e.sections().containsKey("time") || type == ColumnType.LONG
                    || type == ColumnType.DOUBLE || type == ColumnType.FLOAT
                    || (type == ColumnType.STRING && !e.multiValue()))) {
                Column col = cached != null ? cached : column(e.name());
                for (int i = 0; i < rows.length; i++) {
                    out[i][c] = col.get(rows[i]);
                }
            } else if (e.name().equals("__time") && e.sections().containsKey("time")) {
                try (SectionStream s = new SectionStream(section(e, "time"), buffer, version)) {
                    int width = 8;
                    long base = 0;
                    if (version != SegmentFormat.VERSION_ZSTD) {
                        width = (int) s.readUnsigned(1);
                        base = s.readUnsigned(8);
                    }
                    long t = 0;
                    int at = 0;
                    for (int i = 0; i < rows.length; i++) {
                        int count = rows[i] + 1 - at;
                        t += s.sumUnsigned(count, width) + base * count; // the first value, then deltas
                        at = rows[i] + 1;
                        out[i][c] = t;
                    }
                }
            } else if (type == ColumnType.STRING) {
                readStrings(e, rows, out, c, buffer);
            } else {
                RoaringBitmap nulls = bitmap(raw(e, "nulls"));
                try (SectionStream s = new SectionStream(section(e, "values"), buffer, version)) {
                    int width = type == ColumnType.FLOAT ? 4 : 8;
                    long base = 0;
                    if (type == ColumnType.LONG && version != SegmentFormat.VERSION_ZSTD) {
                        width = (int) s.readUnsigned(1);
                        base = s.readUnsigned(8);
                    }
                    long at = 0;
                    for (int i = 0; i < rows.length; i++) {
                        s.skip(rows[i] * (long) width - at);
                        at = rows[i] * (long) width + width;
                        long bits = s.readUnsigned(width);
                        Object v = switch (type) {
                            case LONG -> base + bits;
                            case DOUBLE -> Double.longBitsToDouble(bits);
                            default -> Float.intBitsToFloat((int) bits);
                        };
                        out[i][c] = nulls.contains(rows[i]) ? null : v;
                    }
                }
            }
        }
    }

    private void readStrings(SegmentFormat.ColumnEntry e, int[] rows, Object[][] out, int c, Streams buffer) {
        int[] ids = new int[rows.length];
        try (SectionStream s = new SectionStream(section(e, "ids"), buffer, version)) {
            int width = version == SegmentFormat.VERSION_ZSTD ? 4 : (int) s.readUnsigned(1);
            long at = 0;
            for (int i = 0; i < rows.length; i++) {
                s.skip(rows[i] * (long) width - at);
                at = rows[i] * (long) width + width;
                ids[i] = (int) s.readUnsigned(width);
            }
        }
        int[] wanted = ids.clone();
        Arrays.sort(wanted);
        Map<Integer, String> values = new HashMap<>();
        if (wanted[wanted.length - 1] > 0) {
            try (SectionStream d = new SectionStream(section(e, "dict"), buffer, version)) {
                int count = d.readInt();
                int next = 0;
                while (next < wanted.length && wanted[next] == 0) {
                    next++;
                }
                for (int id = 1; id <= count && next < wanted.length; id++) {
                    int len = d.readInt();
                    if (id == wanted[next]) {
                        byte[] b = new byte[len];
                        d.read(b);
                        values.put(id, new String(b, StandardCharsets.UTF_8));
                        while (next < wanted.length && wanted[next] == id) {
                            next++;
                        }
                    } else {
                        d.skip(len);
                    }
                }
            }
        }
        for (int i = 0; i < rows.length; i++) {
            out[i][c] = ids[i] == 0 ? null : values.get(ids[i]);
        }
    }

    private static final int STREAM_CHUNK = 128 * 1024;
    private static final java.lang.invoke.VarHandle INTS = SegmentFormat.INTS;
    private static final java.lang.invoke.VarHandle LONGS = SegmentFormat.LONGS;

    /**
     * A section's bytes read front to back from the mapped file, its blocks decompressed only as far as read: an LZ4
     * or raw block (versions 2 and 3) whole when first read, a zstd block (version 1) a chunk at a time. Blocks
     * skipped over whole are not decompressed.
     */
    private static final class SectionStream implements AutoCloseable {
        private final ByteBuffer section;
        private final Streams streams;
        private final byte[] buf;
        private final int version;
        private int pos;
        private int lim;
        private final int blocks;
        private int block;
        private int next; // position of the next block's header in the section
        private ByteBuffer src; // version 1: the current block's compressed bytes not yet decompressed; null between blocks

        SectionStream(ByteBuffer section, Streams streams, int version) {
            this.section = section.order(ByteOrder.LITTLE_ENDIAN);
            this.streams = streams;
            this.buf = streams.buf;
            this.version = version;
            this.blocks = this.section.getInt(0);
            this.next = 4;
        }

        /** Makes {@code n <= STREAM_CHUNK} bytes readable at {@code buf[pos]}. */
        private void ensure(int n) {
            if (lim - pos >= n) {
                return;
            }
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
            while (lim < n) {
                if (src == null && block == blocks) {
                    throw new IllegalStateException("Unexpected end of segment section");
                }
                if (version == SegmentFormat.VERSION_ZSTD) {
                    streamZstd();
                } else {
                    int raw = section.getInt(next);
                    int compressed = section.getInt(next + 4);
                    if (compressed < 0) {
                        SegmentFormat.checkStored(version, compressed, raw);
                        section.get(next + 8, buf, lim, raw); // stored raw: straight into the buffer
                    } else {
                        if (streams.compressed.length < compressed) {
                            streams.compressed = new byte[Math.max(compressed, 2 * streams.compressed.length)];
                        }
                        section.get(next + 8, streams.compressed, 0, compressed);
                        SegmentFormat.decompressBlock(version, streams.compressed, compressed, buf, lim, raw);
                    }
                    lim += raw;
                    next += 8 + SegmentFormat.storedBytes(compressed);
                    block++;
                }
            }
        }

        private void streamZstd() {
            ZstdDecompressCtx ctx = streams.ctx();
            if (src == null) {
                int compressed = section.getInt(next + 4);
                src = section.slice(next + 8, compressed);
                next += 8 + compressed;
                block++;
                ctx.reset();
            }
            ByteBuffer direct = streams.direct;
            direct.clear().limit(STREAM_CHUNK - lim);
            int consumed = src.position();
            boolean done = ctx.decompressDirectByteBufferStream(direct, src);
            int got = direct.position();
            direct.get(0, buf, lim, got);
            lim += got;
            if (done) {
                src = null;
            } else if (got == 0 && src.position() == consumed) {
                throw new IllegalStateException("Truncated segment block");
            }
        }

        int readInt() {
            ensure(4);
            int v = (int) INTS.get(buf, pos);
            pos += 4;
            return v;
        }

        /** The unsigned little-endian value of the next {@code width} (0–8) bytes. */
        long readUnsigned(int width) {
            if (width == 0) {
                return 0;
            }
            ensure(width);
            long v;
            if (width == 8) {
                v = (long) LONGS.get(buf, pos);
            } else if (width == 4) {
                v = (int) INTS.get(buf, pos) & 0xFFFFFFFFL;
            } else {
                v = SegmentFormat.readUnsigned(buf, pos, width);
            }
            pos += width;
            return v;
        }

        /** The sum of the next {@code count} unsigned values of {@code width} bytes (8: longs). */
        long sumUnsigned(long count, int width) {
            if (width == 0) {
                return 0;
            }
            long sum = 0;
            while (count > 0) {
                ensure(width);
                int m = (int) Math.min(count, (lim - pos) / width);
                for (int j = 0; j < m; j++) {
                    sum += width == 8 ? (long) LONGS.get(buf, pos) : SegmentFormat.readUnsigned(buf, pos, width);
                    pos += width;
                }
                count -= m;
            }
            return sum;
        }

        void read(byte[] dst) {
            int at = 0;
            while (at < dst.length) {
                int n = Math.min(dst.length - at, STREAM_CHUNK);
                ensure(n);
                System.arraycopy(buf, pos, dst, at, n);
                pos += n;
                at += n;
            }
        }

        void skip(long n) {
            long held = lim - pos;
            if (n <= held) {
                pos += (int) n;
                return;
            }
            n -= held;
            pos = 0;
            lim = 0;
            // blocks not started yet and skipped over whole are not decompressed
            while (src == null && block < blocks && n >= section.getInt(next)) {
                n -= section.getInt(next);
                next += 8 + SegmentFormat.storedBytes(section.getInt(next + 4));
                block++;
            }
            while (n > 0) {
                if (pos == lim) {
                    ensure(1);
                }
                int step = (int) Math.min(n, lim - pos);
                pos += step;
                n -= step;
            }
        }

        @Override
        public void close() {
            src = null;
        }
    }

    // ---- columnar read side (for operators that work on dictionary ids and primitive arrays) ----------------

    /** The stored type of {@code column}, empty when the segment lacks it. */
    public Optional<ColumnType> columnType(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        return e == null ? Optional.empty() : Optional.of(ColumnType.fromString(e.type()));
    }

    /** True when {@code column} is a STRING column holding more than one value in some row. */
    public boolean isMultiValue(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        return e != null && e.multiValue();
    }

    /**
     * Row numbers {@code [from, to)} that can hold {@code startInclusive <= __time < endExclusive}: exact when the
     * segment is time-sorted (a binary search), else every row (then the caller checks {@link #timeValues()}). Reads
     * no column when the segment's time bounds lie inside the range or outside it.
     */
    public int[] rowRange(long startInclusive, long endExclusive) {
        int n = Math.toIntExact(header.numRows());
        if (n == 0 || header.maxTime() < startInclusive || header.minTime() >= endExclusive) {
            return new int[] {0, 0};
        }
        if (header.minTime() >= startInclusive && header.maxTime() < endExclusive) {
            return new int[] {0, n};
        }
        if (!header.timeSorted()) {
            return new int[] {0, n};
        }
        long[] time = timeValues();
        return new int[] {lowerBound(time, startInclusive), lowerBound(time, endExclusive)};
    }

    /** True when every row of the segment has {@code startInclusive <= __time < endExclusive}. */
    public boolean within(long startInclusive, long endExclusive) {
        return header.numRows() == 0 || (header.minTime() >= startInclusive && header.maxTime() < endExclusive);
    }

    /** The {@code __time} of every row (shared, do not modify). */
    public long[] timeValues() {
        return ((LongColumn) column("__time")).values;
    }

    /** A single- or multi-value STRING column by dictionary id; empty if the segment has no such STRING column. */
    public Optional<DictionaryColumn> dictionaryColumn(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || ColumnType.fromString(e.type()) != ColumnType.STRING) {
            return Optional.empty();
        }
        return Optional.of((StringColumn) column(column));
    }

    /** The values of a LONG column (shared, do not modify; a NULL row holds 0); empty if not a LONG column. */
    public Optional<long[]> longValues(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || ColumnType.fromString(e.type()) != ColumnType.LONG || column.equals("__time")) {
            return Optional.empty();
        }
        return Optional.of(((LongColumn) column(column)).values);
    }

    /** The values of a DOUBLE column (shared, do not modify; a NULL row holds 0); empty if not a DOUBLE column. */
    public Optional<double[]> doubleValues(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || ColumnType.fromString(e.type()) != ColumnType.DOUBLE) {
            return Optional.empty();
        }
        return Optional.of(((DoubleColumn) column(column)).values);
    }

    /** The NULL rows of a LONG, DOUBLE or FLOAT column (shared, do not modify); empty for other columns. */
    public Optional<RoaringBitmap> nullRows(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || column.equals("__time")) {
            return Optional.empty();
        }
        ColumnType type = ColumnType.fromString(e.type());
        if (type == ColumnType.LONG || type == ColumnType.DOUBLE || type == ColumnType.FLOAT) {
            return Optional.of(nullsOf(e)); // without decoding the values
        }
        Column c = column(column);
        if (c instanceof LongColumn l) {
            return Optional.of(l.nulls);
        }
        if (c instanceof DoubleColumn d) {
            return Optional.of(d.nulls);
        }
        if (c instanceof FloatColumn f) {
            return Optional.of(f.nulls);
        }
        return Optional.empty();
    }

    /**
     * A dictionary-encoded STRING column: id 0 is NULL, ids 1..cardinality are the values in sorted order. Arrays
     * returned are shared (do not modify).
     */
    public interface DictionaryColumn {
        /** Number of ids including NULL's id 0. */
        int dictionarySize();

        /** The value of an id (null for 0). */
        String value(int id);

        /** The id of a value (0 for null), or -1 when the segment does not hold it. */
        int idOf(String value);

        /** True when some row holds several values (then {@link #ids()} is indexed through {@link #offsets()}). */
        boolean multiValue();

        /** Single-value: the id of each row. Multi-value: the ids of every row, concatenated. */
        int[] ids();

        /** Multi-value: row r's ids are {@code ids[offsets[r] .. offsets[r + 1])}; null for single-value. */
        int[] offsets();

        /** The rows holding the value with this id (shared, do not modify). */
        RoaringBitmap bitmap(int id);

        /** Length in bytes of the value's UTF-8 encoding (0 for NULL), without decoding it. */
        int utf8Length(int id);

        /**
         * The UTF-8 bytes of the dictionary (shared, do not modify): a value's encoding starts at {@link
         * #utf8Offset(int)} and is {@link #utf8Length(int)} bytes long.
         */
        byte[] utf8Bytes();

        /** Where the value's UTF-8 encoding starts in {@link #utf8Bytes()}. */
        int utf8Offset(int id);

        /** Order of two ids' values in UTF-8 byte order (= code point order), NULL first, without decoding them. */
        int compareIds(int a, int b);
    }

    /** The rows holding {@code value} (null for SQL NULL) in a STRING column; empty if not a STRING column. */
    public Optional<RoaringBitmap> bitmapFor(String column, String value) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || ColumnType.fromString(e.type()) != ColumnType.STRING) {
            return Optional.empty();
        }
        StringColumn sc = (StringColumn) column(column);
        int id = sc.idOf(value);
        if (id < 0) {
            return Optional.of(new RoaringBitmap());
        }
        return Optional.of(sc.bitmap(id).clone());
    }

    private static int lowerBound(long[] a, long key) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private synchronized Column column(String name) {
        Column c = decoded.get(name);
        if (c == null) {
            c = decode(entries.get(name));
            decoded.put(name, c);
        }
        return c;
    }

    private ByteBuffer section(SegmentFormat.ColumnEntry e, String name) {
        long[] at = e.sections().get(name);
        if (at == null) {
            throw new IllegalStateException("Segment " + file + " column [" + e.name() + "] lacks section " + name);
        }
        try {
            if (size > Integer.MAX_VALUE) {
                return channel().map(FileChannel.MapMode.READ_ONLY, dataStart + at[0], at[1]);
            }
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("Segment " + file + " is closed");
                }
            }
            ByteBuffer whole = mapping.get(file, size);
            return whole.slice(Math.toIntExact(dataStart + at[0]), Math.toIntExact(at[1]));
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot read segment " + file, ex);
        }
    }

    private ByteBuffer raw(SegmentFormat.ColumnEntry e, String name) {
        return SegmentFormat.le(SegmentFormat.decompressBlocks(section(e, name), version));
    }

    /** An int section ({@code ids}, {@code offsets}) of a STRING column, unpacked. */
    private int[] ints(SegmentFormat.ColumnEntry e, String name) {
        ByteBuffer section = section(e, name);
        int length = Math.toIntExact(SegmentFormat.rawLength(section));
        byte[] b = SegmentFormat.decompressBlocks(section, version, scratch(length));
        if (version == SegmentFormat.VERSION_ZSTD) {
            int[] out = new int[length / 4];
            ByteBuffer.wrap(b, 0, length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            return out;
        }
        return SegmentFormat.unpackInts(b, 0, length);
    }

    /** A long section ({@code time}, LONG {@code values}) of {@code count} values, unpacked. */
    private long[] longs(SegmentFormat.ColumnEntry e, String name, int count) {
        ByteBuffer section = section(e, name);
        int length = Math.toIntExact(SegmentFormat.rawLength(section));
        byte[] b = SegmentFormat.decompressBlocks(section, version, scratch(length));
        if (version == SegmentFormat.VERSION_ZSTD) {
            long[] out = new long[count];
            ByteBuffer.wrap(b, 0, length).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            return out;
        }
        return SegmentFormat.unpackLongs(b, 0, count);
    }

    /** Largest packed section a thread keeps a buffer for between reads (bigger ones get an array of their own). */
    private static final int MAX_SCRATCH = 4 << 20;
    /**
     * Per thread, the buffer packed sections are decompressed into before they are unpacked: a scan decodes a few
     * columns of hundreds of segments, and a new array each time (zeroed, then garbage) cost a fifth of decoding.
     */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    private static byte[] scratch(int length) {
        if (length > MAX_SCRATCH) {
            return null;
        }
        byte[] b = SCRATCH.get();
        if (b.length < length) {
            b = new byte[Math.max(length, Math.min(MAX_SCRATCH, 2 * b.length))];
            SCRATCH.set(b);
        }
        return b;
    }

    private Column decode(SegmentFormat.ColumnEntry e) {
        int n = Math.toIntExact(header.numRows());
        ColumnType type = ColumnType.fromString(e.type());
        if (e.name().equals("__time") && e.sections().containsKey("time")) {
            long[] v = longs(e, "time", n); // the first value, then deltas
            for (int i = 1; i < n; i++) {
                v[i] += v[i - 1];
            }
            return new LongColumn(v, new RoaringBitmap());
        }
        return switch (type) {
            case STRING -> decodeString(e, n);
            case LONG, DOUBLE, FLOAT -> decodeNumeric(e, type, n);
            case STRING_ARRAY, LONG_ARRAY, DOUBLE_ARRAY, COMPLEX_JSON, COMPLEX_STATE, COMPLEX_HLL, COMPLEX_THETA -> decodeBlob(e, type, n);
        };
    }

    private Column decodeString(SegmentFormat.ColumnEntry e, int n) {
        // The dictionary's values stay UTF-8 bytes until a value is asked for: sizes and order need no String.
        byte[] d = SegmentFormat.decompressBlocks(section(e, "dict"), version);
        ByteBuffer b = SegmentFormat.le(d);
        int count = b.getInt();
        int[] starts = new int[count + 1];
        int[] lengths = new int[count + 1];
        for (int i = 1; i <= count; i++) {
            lengths[i] = b.getInt();
            starts[i] = b.position();
            b.position(b.position() + lengths[i]);
        }
        int[] ids = ints(e, "ids");
        int[] offsets = e.multiValue() ? ints(e, "offsets") : null;
        return new StringColumn(e, d, starts, lengths, ids, offsets);
    }

    /** The NULL rows of a numeric column, decoded once (shared, do not modify). */
    private RoaringBitmap nullsOf(SegmentFormat.ColumnEntry e) {
        synchronized (numericNulls) {
            RoaringBitmap b = numericNulls.get(e.name());
            if (b == null) {
                b = bitmap(raw(e, "nulls"));
                numericNulls.put(e.name(), b);
            }
            return b;
        }
    }

    /**
     * The values of a LONG column decompressed but not unpacked (shared; see {@link PackedLongs}); empty if not a LONG
     * column, or in a segment of the first format (which stores values unpacked).
     */
    public Optional<PackedLongs> packedLongs(String column) {
        SegmentFormat.ColumnEntry e = entries.get(column);
        if (e == null || ColumnType.fromString(e.type()) != ColumnType.LONG || column.equals("__time")
                || version == SegmentFormat.VERSION_ZSTD) {
            return Optional.empty();
        }
        synchronized (packed) {
            PackedLongs p = packed.get(column);
            if (p == null) {
                p = new PackedLongs(SegmentFormat.decompressBlocks(section(e, "values"), version),
                        Math.toIntExact(header.numRows()));
                packed.put(column, p);
            }
            return Optional.of(p);
        }
    }

    private Column decodeNumeric(SegmentFormat.ColumnEntry e, ColumnType type, int n) {
        RoaringBitmap nulls = nullsOf(e);
        if (type == ColumnType.LONG) {
            return new LongColumn(longs(e, "values", n), nulls);
        }
        ByteBuffer v = raw(e, "values");
        return switch (type) {
            case DOUBLE -> {
                double[] a = new double[n];
                v.asDoubleBuffer().get(a);
                yield new DoubleColumn(a, nulls);
            }
            case FLOAT -> {
                float[] a = new float[n];
                v.asFloatBuffer().get(a);
                yield new FloatColumn(a, nulls);
            }
            default -> throw new IllegalStateException("Not numeric: " + type);
        };
    }

    private Column decodeBlob(SegmentFormat.ColumnEntry e, ColumnType type, int n) {
        byte[] bytes = SegmentFormat.decompressBlocks(section(e, "values"), version);
        ByteBuffer b = SegmentFormat.le(bytes);
        int[] starts = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            int len = b.getInt();
            starts[i] = b.position();
            lengths[i] = len;
            if (len > 0) {
                b.position(b.position() + len);
            }
        }
        return new BlobColumn(e.name(), type, bytes, starts, lengths);
    }

    private static RoaringBitmap bitmap(ByteBuffer buf) {
        RoaringBitmap b = new RoaringBitmap();
        try {
            b.deserialize(buf);
        } catch (IOException ex) {
            throw new UncheckedIOException("Corrupt bitmap", ex);
        }
        return b;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot close segment " + file, e);
        }
    }

    private interface Column {
        Object get(int row);
    }

    private record LongColumn(long[] values, RoaringBitmap nulls) implements Column {
        @Override
        public Object get(int row) {
            return nulls.contains(row) ? null : values[row];
        }
    }

    private record DoubleColumn(double[] values, RoaringBitmap nulls) implements Column {
        @Override
        public Object get(int row) {
            return nulls.contains(row) ? null : values[row];
        }
    }

    private record FloatColumn(float[] values, RoaringBitmap nulls) implements Column {
        @Override
        public Object get(int row) {
            return nulls.contains(row) ? null : values[row];
        }
    }

    private final class StringColumn implements Column, DictionaryColumn {
        private final SegmentFormat.ColumnEntry entry;
        private final byte[] dictBytes;
        private final int[] starts;
        private final int[] lengths;
        private final String[] dict; // decoded on first use; dict[0] = null
        private final int[] ids;
        private final int[] offsets; // null for single-value columns
        private RoaringBitmap[] bitmaps;

        StringColumn(SegmentFormat.ColumnEntry entry, byte[] dictBytes, int[] starts, int[] lengths, int[] ids,
                int[] offsets) {
            this.entry = entry;
            this.dictBytes = dictBytes;
            this.starts = starts;
            this.lengths = lengths;
            this.dict = new String[starts.length];
            this.ids = ids;
            this.offsets = offsets;
        }

        /** The value of an id, decoded once (a benign race: Strings are immutable and safely published). */
        private String string(int id) {
            String v = dict[id];
            if (v == null && id != 0) {
                v = new String(dictBytes, starts[id], lengths[id], StandardCharsets.UTF_8);
                dict[id] = v;
            }
            return v;
        }

        @Override
        public int utf8Length(int id) {
            return lengths[id];
        }

        @Override
        public byte[] utf8Bytes() {
            return dictBytes;
        }

        @Override
        public int utf8Offset(int id) {
            return starts[id];
        }

        @Override
        public int compareIds(int a, int b) {
            if (a == 0 || b == 0) {
                return a == b ? 0 : a == 0 ? -1 : 1;
            }
            return Arrays.compareUnsigned(dictBytes, starts[a], starts[a] + lengths[a],
                    dictBytes, starts[b], starts[b] + lengths[b]);
        }

        @Override
        public Object get(int row) {
            if (offsets == null) {
                return string(ids[row]);
            }
            int s = offsets[row];
            int e = offsets[row + 1];
            if (e - s == 1) {
                return string(ids[s]);
            }
            List<String> out = new ArrayList<>(e - s);
            for (int k = s; k < e; k++) {
                out.add(string(ids[k]));
            }
            return java.util.Collections.unmodifiableList(out);
        }

        @Override
        public int dictionarySize() {
            return dict.length;
        }

        @Override
        public String value(int id) {
            return string(id);
        }

        @Override
        public boolean multiValue() {
            return offsets != null;
        }

        @Override
        public int[] ids() {
            return ids;
        }

        @Override
        public int[] offsets() {
            return offsets;
        }

        @Override
        public int idOf(String value) {
            if (value == null) {
                return 0;
            }
            int lo = 1;
            int hi = dict.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int c = string(mid).compareTo(value);
                if (c < 0) {
                    lo = mid + 1;
                } else if (c > 0) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        @Override
        public RoaringBitmap bitmap(int id) {
            synchronized (SegmentReader.this) {
                if (bitmaps == null) {
                    ByteBuffer b = raw(entry, "bitmaps");
                    RoaringBitmap[] all = new RoaringBitmap[dict.length];
                    for (int i = 0; i < all.length; i++) {
                        int len = b.getInt();
                        ByteBuffer slice = b.slice(b.position(), len);
                        all[i] = SegmentReader.bitmap(slice);
                        b.position(b.position() + len);
                    }
                    bitmaps = all;
                }
                return bitmaps[id];
            }
        }
    }

    private record BlobColumn(String name, ColumnType type, byte[] bytes, int[] starts, int[] lengths)
            implements Column {
        @Override
        public Object get(int row) {
            int len = lengths[row];
            if (len < 0) {
                return null;
            }
            if (type.isBinaryComplex()) {
                return Arrays.copyOfRange(bytes, starts[row], starts[row] + len);
            }
            try {
                Object v = SegmentFormat.JSON.readValue(bytes, starts[row], len, Object.class);
                return switch (type) {
                    case STRING_ARRAY -> convertList(v, x -> x == null ? null : String.valueOf(x));
                    case LONG_ARRAY -> convertList(v, x -> x == null ? null : ((Number) x).longValue());
                    case DOUBLE_ARRAY -> convertList(v, x -> x == null ? null : ((Number) x).doubleValue());
                    default -> v;
                };
            } catch (IOException e) {
                throw new UncheckedIOException("Corrupt value in column [" + name + "] row " + row, e);
            }
        }

        private static List<Object> convertList(Object v, java.util.function.Function<Object, Object> f) {
            List<?> in = (List<?>) v;
            List<Object> out = new ArrayList<>(in.size());
            for (Object o : in) {
                out.add(f.apply(o));
            }
            return java.util.Collections.unmodifiableList(out);
        }
    }
}
