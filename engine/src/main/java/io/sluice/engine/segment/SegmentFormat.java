package io.sluice.engine.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.github.luben.zstd.Zstd;
import io.sluice.engine.types.ColumnType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

/**
 * The on-disk layout of a segment file ({@code index.sluice}).
 *
 * <pre>
 * magic "SLUICESG" (8 bytes) | int version | int headerLength | header (UTF-8 JSON) | sections…
 * </pre>
 *
 * The header holds the row count, min/max {@code __time}, whether rows are time-sorted, and the column table: for
 * each column its name, native type, whether it is multi-value, and its sections as {@code name → [offset, length]}
 * (offsets are relative to the first byte after the header). Each section is a sequence of independently compressed
 * blocks: {@code int blockCount}, then per block {@code int rawLength, int compressedLength, bytes}. All integers are
 * little-endian.
 *
 * <p>Section contents (before compression): {@code __time} — the first value then successive deltas, as longs;
 * STRING — {@code dict} (int count, then int length + UTF-8 bytes per value, sorted; id 0 is null, value i has id
 * i+1), {@code ids} (one int per row, or for multi-value columns the flattened ids with {@code offsets} holding
 * numRows+1 ints), {@code bitmaps} (per id: int length + serialized RoaringBitmap of the rows holding it); LONG /
 * DOUBLE / FLOAT — {@code values} (8/8/4 bytes per row, 0 for null) and {@code nulls} (a RoaringBitmap); arrays
 * and COMPLEX — {@code values}: per row an int length (-1 for null) and the bytes (Jackson JSON for arrays and
 * COMPLEX&lt;json&gt;, raw bytes for COMPLEX&lt;state&gt;).
 *
 * <p>Version 3 (written now): blocks of {@link #BLOCK_SIZE} bytes compressed with LZ4 (several times faster to
 * decompress than zstd, which is what a scan spends its time on), and the int and long sections {@linkplain
 * #packingOf packed} to the fewest bytes their values need: {@code ids} and {@code offsets} as {@code byte width}
 * then each value in {@code width} bytes (a 51-value dictionary takes one byte per row, not four); {@code time} and
 * LONG {@code values} as {@code byte width, long base} then each {@code value - base} in {@code width} bytes (0, 1,
 * 2, 4 or 8). A block that LZ4 would not shrink to {@link #MAX_KEPT_RATIO} of its size is stored as it is, its
 * compressed length written as {@code -rawLength}: reading it is a copy. Packed values often compress little (wiki's
 * {@code added} to 68%, its {@code page} ids to 100%), and LZ4 decompresses them at ~1 GB/s on this machine where a
 * copy runs at ~10 GB/s. Version 2 (still read): every block LZ4. Version 1 (still read): 1 MiB zstd blocks, ints
 * and longs unpacked.
 */
final class SegmentFormat {
    static final byte[] MAGIC = "SLUICESG".getBytes(StandardCharsets.US_ASCII);
    /** The version written. */
    static final int VERSION = 3;
    /** LZ4 blocks and packed ints and longs, every block compressed. Still read. */
    static final int VERSION_LZ4 = 2;
    /** The first version: zstd blocks, unpacked ints and longs. Still read. */
    static final int VERSION_ZSTD = 1;
    /** Raw bytes per block (versions 2 and 3): LZ4 looks back 64 KiB at most, and a row read decompresses one block. */
    static final int BLOCK_SIZE = 1 << 16;
    /**
     * A block is kept LZ4-compressed only when that takes at most this share of its raw size; else it is stored raw.
     * Decompressing costs ~10 times a copy here, so a third less to map is the least that pays for it.
     */
    static final double MAX_KEPT_RATIO = 2.0 / 3.0;
    static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    private SegmentFormat() {}

    /** One column in the header. {@code sections}: name → [offset, length]. */
    record ColumnEntry(String name, String type, boolean multiValue, Map<String, long[]> sections) {}

    record Header(long numRows, long minTime, long maxTime, boolean timeSorted, List<ColumnEntry> columns) {}

    /** How a section's values are stored in versions 2 and 3. */
    enum Packing {
        /** As written. */
        NONE,
        /** Non-negative little-endian ints, each stored in the fewest bytes the largest needs (1–4). */
        INTS,
        /** Little-endian longs, stored as their difference from the smallest in 0, 1, 2, 4 or 8 bytes. */
        LONGS
    }

    /** The packing of a section of a column of {@code type} (the same rule for writer and reader). */
    static Packing packingOf(ColumnType type, String section) {
        return switch (section) {
            case "time" -> Packing.LONGS;
            case "ids", "offsets" -> type == ColumnType.STRING ? Packing.INTS : Packing.NONE;
            case "values" -> type == ColumnType.LONG ? Packing.LONGS : Packing.NONE;
            default -> Packing.NONE;
        };
    }

    /** A section's raw bytes {@code raw[0, length)} as stored in a version 3 file: packed, then compressed. */
    static byte[] writeSection(ColumnType type, String section, byte[] raw, int length) {
        return writeSection(type, section, raw, length, true);
    }

    /** As above; with {@code rawBlocks} false as in a version 2 file (every block LZ4). */
    static byte[] writeSection(ColumnType type, String section, byte[] raw, int length, boolean rawBlocks) {
        return switch (packingOf(type, section)) {
            case NONE -> compressBlocks(raw, length, rawBlocks);
            case INTS -> {
                byte[] packed = packInts(raw, length);
                yield compressBlocks(packed, packed.length, rawBlocks);
            }
            case LONGS -> {
                byte[] packed = packLongs(raw, length);
                yield compressBlocks(packed, packed.length, rawBlocks);
            }
        };
    }

    /** {@code raw} holds {@code length / 4} non-negative little-endian ints. */
    static byte[] packInts(byte[] raw, int length) {
        int n = length >>> 2;
        int max = 0;
        for (int i = 0; i < n; i++) {
            max |= (int) INTS.get(raw, i << 2);
        }
        int width = intWidth(max);
        byte[] out = new byte[1 + n * width];
        out[0] = (byte) width;
        for (int i = 0, at = 1; i < n; i++, at += width) {
            int v = (int) INTS.get(raw, i << 2);
            for (int k = 0; k < width; k++) {
                out[at + k] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    /** As {@link #packInts(byte[], int)} of {@code values[0, n)} written as little-endian ints: the same bytes. */
    static byte[] packInts(int[] values, int n) {
        int max = 0;
        for (int i = 0; i < n; i++) {
            max |= values[i];
        }
        int width = intWidth(max);
        byte[] out = new byte[1 + n * width];
        out[0] = (byte) width;
        switch (width) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    out[1 + i] = (byte) values[i];
                }
            }
            case 2 -> {
                for (int i = 0, at = 1; i < n; i++, at += 2) {
                    out[at] = (byte) values[i];
                    out[at + 1] = (byte) (values[i] >>> 8);
                }
            }
            default -> {
                for (int i = 0, at = 1; i < n; i++, at += width) {
                    int v = values[i];
                    for (int k = 0; k < width; k++) {
                        out[at + k] = (byte) (v >>> (8 * k));
                    }
                }
            }
        }
        return out;
    }

    /** The bytes a packed int section gives each value when the values' bits OR to {@code max}. */
    private static int intWidth(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("negative value in an int section");
        }
        return max < (1 << 8) ? 1 : max < (1 << 16) ? 2 : max < (1 << 24) ? 3 : 4;
    }

    /** The ints of a packed int section ({@link #packInts}'s output from {@code at}). */
    static int[] unpackInts(byte[] packed, int at, int length) {
        if (length == 0) {
            return new int[0];
        }
        int width = packed[at];
        int n = (length - 1) / Math.max(1, width);
        int[] out = new int[n];
        int p = at + 1;
        switch (width) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = packed[p + i] & 0xFF;
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (char) (short) SHORTS.get(packed, p + 2 * i);
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (int) INTS.get(packed, p + 4 * i);
                }
            }
            default -> {
                for (int i = 0; i < n; i++, p += width) {
                    out[i] = (int) readUnsigned(packed, p, width);
                }
            }
        }
        return out;
    }

    /** {@code raw} holds {@code length / 8} little-endian longs. */
    static byte[] packLongs(byte[] raw, int length) {
        int n = length >>> 3;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long v = (long) LONGS.get(raw, i << 3);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        long base = n == 0 ? 0 : min;
        long span = n == 0 ? 0 : max - min; // negative when it overflows: then 8 bytes, base 0
        int width = span == 0 ? 0 : span < 0 ? 8 : span < (1L << 8) ? 1 : span < (1L << 16) ? 2
                : span < (1L << 32) ? 4 : 8;
        if (width == 8) {
            base = 0;
        }
        byte[] out = new byte[9 + n * width];
        out[0] = (byte) width;
        LONGS.set(out, 1, base);
        for (int i = 0, at = 9; i < n; i++, at += width) {
            long v = (long) LONGS.get(raw, i << 3) - base;
            for (int k = 0; k < width; k++) {
                out[at + k] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    /**
     * The longs of a packed long section ({@link #packLongs}'s output from {@code at}); {@code count} is the number of
     * values (a section of width 0 does not say).
     */
    static long[] unpackLongs(byte[] packed, int at, int count) {
        long[] out = new long[count];
        if (count == 0) {
            return out;
        }
        int width = packed[at];
        long base = (long) LONGS.get(packed, at + 1);
        int p = at + 9;
        switch (width) {
            case 0 -> Arrays.fill(out, base);
            case 1 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = base + (packed[p + i] & 0xFF);
                }
            }
            case 2 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = base + (char) (short) SHORTS.get(packed, p + 2 * i);
                }
            }
            case 4 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = base + ((int) INTS.get(packed, p + 4 * i) & 0xFFFFFFFFL);
                }
            }
            case 8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = base + (long) LONGS.get(packed, p + 8 * i);
                }
            }
            default -> throw new IllegalStateException("Corrupt segment section: long width " + width);
        }
        return out;
    }

    /** The unsigned little-endian value of {@code width} bytes at {@code b[at]}. */
    static long readUnsigned(byte[] b, int at, int width) {
        long v = 0;
        for (int k = width - 1; k >= 0; k--) {
            v = (v << 8) | (b[at + k] & 0xFFL);
        }
        return v;
    }

    /** Per thread, the array sections are compressed into (kept up to {@link #MAX_SCRATCH} bytes). */
    private static final ThreadLocal<byte[]> COMPRESS_SCRATCH = ThreadLocal.withInitial(() -> new byte[1 << 16]);
    private static final int MAX_SCRATCH = 8 << 20;

    /**
     * {@code raw[0, length)} as a sequence of blocks (version 3): each LZ4-compressed, or stored raw when LZ4 would
     * keep more than {@link #MAX_KEPT_RATIO} of it.
     */
    static byte[] compressBlocks(byte[] raw, int length) {
        return compressBlocks(raw, length, true);
    }

    /** As above; with {@code rawBlocks} false every block is LZ4 (version 2, as tests write it). */
    static byte[] compressBlocks(byte[] raw, int length, boolean rawBlocks) {
        int blocks = Math.max(1, (length + BLOCK_SIZE - 1) / BLOCK_SIZE);
        LZ4Compressor lz4 = LZ4.fastCompressor();
        int bound = 4 + blocks * (8 + lz4.maxCompressedLength(Math.min(BLOCK_SIZE, Math.max(0, length))));
        // compressed into this thread's scratch array, then copied out at its size: one array per section, not two
        byte[] out = COMPRESS_SCRATCH.get();
        if (out.length < bound) {
            out = new byte[bound];
            if (bound <= MAX_SCRATCH) {
                COMPRESS_SCRATCH.set(out);
            }
        }
        INTS.set(out, 0, blocks);
        int at = 4;
        for (int b = 0; b < blocks; b++) {
            int from = b * BLOCK_SIZE;
            int len = Math.max(0, Math.min(BLOCK_SIZE, length - from));
            int comp = lz4.compress(raw, from, len, out, at + 8, out.length - at - 8);
            INTS.set(out, at, len);
            if (rawBlocks && len > 0 && comp > len * MAX_KEPT_RATIO) {
                System.arraycopy(raw, from, out, at + 8, len); // the bound leaves room: LZ4's output is never shorter
                INTS.set(out, at + 4, -len);
                at += 8 + len;
            } else {
                INTS.set(out, at + 4, comp);
                at += 8 + comp;
            }
        }
        return Arrays.copyOf(out, at);
    }

    /** A section's blocks decompressed into one array; {@code version} says how they are compressed. */
    static byte[] decompressBlocks(ByteBuffer section, int version) {
        return decompressBlocks(section, version, null);
    }

    /** The decompressed length of a section. */
    static long rawLength(ByteBuffer section) {
        ByteBuffer in = section.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int blocks = in.getInt();
        long total = 0;
        for (int b = 0; b < blocks; b++) {
            int raw = in.getInt();
            int comp = in.getInt();
            in.position(in.position() + storedBytes(comp));
            total += raw;
        }
        return total;
    }

    /**
     * A section's blocks decompressed into {@code into} from index 0 when it has room for {@link #rawLength} bytes
     * (the rest of it is left as it was), else into a new array of that length; returns the array written.
     * LZ4 blocks are decompressed, and raw ones copied, straight from {@code section} (a mapped file: no copy of the
     * compressed bytes).
     */
    static byte[] decompressBlocks(ByteBuffer section, int version, byte[] into) {
        ByteBuffer in = section.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int blocks = in.getInt();
        int[] raw = new int[blocks];
        int[] comp = new int[blocks];
        int[] pos = new int[blocks];
        long total = 0;
        int maxComp = 0;
        for (int b = 0; b < blocks; b++) {
            raw[b] = in.getInt();
            comp[b] = in.getInt();
            if (comp[b] < 0) {
                checkStored(version, comp[b], raw[b]);
            }
            pos[b] = in.position();
            in.position(in.position() + storedBytes(comp[b]));
            total += raw[b];
            maxComp = Math.max(maxComp, comp[b]);
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("Segment section too large: " + total + " bytes");
        }
        byte[] out = into != null && into.length >= total ? into : new byte[(int) total];
        int at = 0;
        if (version != VERSION_ZSTD) {
            ByteBuffer dest = ByteBuffer.wrap(out);
            for (int b = 0; b < blocks; b++) {
                if (comp[b] < 0) { // stored raw (checked above)
                    in.get(pos[b], out, at, raw[b]);
                    at += raw[b];
                    continue;
                }
                int n;
                try {
                    n = LZ4.safeDecompressor().decompress(in, pos[b], comp[b], dest, at, raw[b]);
                } catch (LZ4Exception e) {
                    throw new IllegalStateException("Corrupt segment block: " + e.getMessage(), e);
                }
                if (n != raw[b]) {
                    throw new IllegalStateException("Corrupt segment block: expected " + raw[b] + " bytes, got " + n);
                }
                at += raw[b];
            }
            return out;
        }
        byte[] c = new byte[maxComp];
        for (int b = 0; b < blocks; b++) {
            in.get(pos[b], c, 0, comp[b]);
            decompressBlock(version, c, comp[b], out, at, raw[b]);
            at += raw[b];
        }
        return out;
    }

    /** The bytes a block takes after its header: a raw block's length is stored negated. */
    static int storedBytes(int compressedLength) {
        return compressedLength < 0 ? -compressedLength : compressedLength;
    }

    /** A block stored raw (its compressed length negative) must be of version 3 and hold exactly its raw length. */
    static void checkStored(int version, int compressedLength, int raw) {
        if (version < VERSION || -compressedLength != raw) {
            throw new IllegalStateException("Corrupt segment block: stored length " + compressedLength + " for "
                    + raw + " bytes in a version " + version + " file");
        }
    }

    /**
     * Decompresses one block of {@code compressed} bytes into {@code out[at, at + raw)}; a raw block
     * ({@code compressed} negative) is copied.
     */
    static void decompressBlock(int version, byte[] c, int compressed, byte[] out, int at, int raw) {
        if (compressed < 0) {
            checkStored(version, compressed, raw);
            System.arraycopy(c, 0, out, at, raw);
            return;
        }
        long n;
        if (version == VERSION_ZSTD) {
            n = Zstd.decompressByteArray(out, at, raw, c, 0, compressed);
            if (Zstd.isError(n)) {
                throw new IllegalStateException("Corrupt segment block: " + Zstd.getErrorName(n));
            }
        } else {
            try {
                n = LZ4.safeDecompressor().decompress(c, 0, compressed, out, at, raw);
            } catch (LZ4Exception e) {
                throw new IllegalStateException("Corrupt segment block: " + e.getMessage(), e);
            }
        }
        if (n != raw) {
            throw new IllegalStateException("Corrupt segment block: expected " + raw + " bytes, got " + n);
        }
    }

    static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
