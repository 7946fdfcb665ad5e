package io.sluice.engine.frame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A cursor over a byte array, the reading side of {@link ByteSink}. Not thread-safe. */
public final class ByteSource {
    private final byte[] buf;
    private int pos;
    private final int end;

    public ByteSource(byte[] buf, int offset, int end) {
        this.buf = buf;
        this.pos = offset;
        this.end = end;
    }

    public int position() {
        return pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    public byte read() {
        if (pos >= end) {
            throw new IllegalStateException("Corrupt frame: read past end");
        }
        return buf[pos++];
    }

    public int readInt() {
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long readLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFFL);
        }
        return v;
    }

    public long readVarLong() {
        long v = 0;
        int shift = 0;
        while (true) {
            byte b = read();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
            shift += 7;
        }
    }

    public String readUtf8(int len) {
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** As {@link #readUtf8(int)}, through a cache of column {@code column}'s values. */
    public String readUtf8(int len, StringCache cache, int column) {
        String s = cache.decode(column, buf, pos, len);
        pos += len;
        return s;
    }

    /** Moves past {@code n} bytes. */
    public void skip(int n) {
        if (n < 0 || pos + n > end) {
            throw new IllegalStateException("Corrupt frame: skip past end");
        }
        pos += n;
    }

    public byte[] readBytes(int len) {
        byte[] b = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return b;
    }
}
