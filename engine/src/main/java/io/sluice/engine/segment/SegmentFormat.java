package io.sluice.engine.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The on-disk layout of a segment file ({@code index.sluice}).
 *
 * <pre>
 * magic "SLUICESG" (8 bytes) | int version | int headerLength | header (UTF-8 JSON) | sections…
 * </pre>
 *
 * The header holds the row count, min/max {@code __time}, whether rows are time-sorted, and the column table: for
 * each column its name, native type, whether it is multi-value, and its sections as {@code name → [offset, length]}
 * (offsets are relative to the first byte after the header). Each section is a sequence of zstd blocks: {@code int blockCount}, then per
 * block {@code int rawLength, int compressedLength, bytes}. All integers are little-endian.
 *
 * <p>Section contents (before compression): {@code __time} — the first value then successive deltas, as longs;
 * STRING — {@code dict} (int count, then int length + UTF-8 bytes per value, sorted; id 0 is null, value i has id
 * i+1), {@code ids} (one int per row, or for multi-value columns the flattened ids with {@code offsets} holding
 * numRows+1 ints), {@code bitmaps} (per id: int length + serialized RoaringBitmap of the rows holding it); LONG /
 * DOUBLE / FLOAT — {@code values} (8/8/4 bytes per row, 0 for null) and {@code nulls} (a RoaringBitmap); arrays
 * and COMPLEX — {@code values}: per row an int length (-1 for null) and the bytes (Jackson JSON for arrays and
 * COMPLEX&lt;json&gt;, raw bytes for COMPLEX&lt;state&gt;).
 */
final class SegmentFormat {
    static final byte[] MAGIC = "SLUICESG".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int BLOCK_SIZE = 1 << 20;
    static final int ZSTD_LEVEL = 3;
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private SegmentFormat() {}

    /** One column in the header. {@code sections}: name → [offset, length]. */
    record ColumnEntry(String name, String type, boolean multiValue, Map<String, long[]> sections) {}

    record Header(long numRows, long minTime, long maxTime, boolean timeSorted, List<ColumnEntry> columns) {}

    /** Compresses {@code raw[0, length)} as a sequence of zstd blocks. */
    static byte[] compressBlocks(byte[] raw, int length) {
        int blocks = Math.max(1, (length + BLOCK_SIZE - 1) / BLOCK_SIZE);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, length / 4));
        writeInt(out, blocks);
        for (int b = 0; b < blocks; b++) {
            int from = b * BLOCK_SIZE;
            int len = Math.min(BLOCK_SIZE, length - from);
            byte[] chunk = new byte[Math.max(0, len)];
            System.arraycopy(raw, from, chunk, 0, chunk.length);
            byte[] comp = Zstd.compress(chunk, ZSTD_LEVEL);
            writeInt(out, chunk.length);
            writeInt(out, comp.length);
            out.write(comp, 0, comp.length);
        }
        return out.toByteArray();
    }

    static byte[] decompressBlocks(ByteBuffer section) {
        ByteBuffer in = section.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int blocks = in.getInt();
        int[] raw = new int[blocks];
        int[] comp = new int[blocks];
        int[] pos = new int[blocks];
        long total = 0;
        for (int b = 0; b < blocks; b++) {
            raw[b] = in.getInt();
            comp[b] = in.getInt();
            pos[b] = in.position();
            in.position(in.position() + comp[b]);
            total += raw[b];
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("Segment section too large: " + total + " bytes");
        }
        byte[] out = new byte[(int) total];
        int at = 0;
        byte[] c = new byte[0];
        for (int b = 0; b < blocks; b++) {
            if (c.length < comp[b]) {
                c = new byte[comp[b]];
            }
            in.get(pos[b], c, 0, comp[b]);
            // straight into the output: no block-sized temporary to copy from
            long d = Zstd.decompressByteArray(out, at, raw[b], c, 0, comp[b]);
            if (Zstd.isError(d) || d != raw[b]) {
                throw new IllegalStateException("Corrupt segment block: expected " + raw[b] + " bytes, got "
                        + (Zstd.isError(d) ? Zstd.getErrorName(d) : Long.toString(d)));
            }
            at += raw[b];
        }
        return out;
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
