package io.sluice.engine.frame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with varint and UTF-8 helpers; reusable through {@link #reset()}. Not thread-safe. */
public final class ByteSink {
    private byte[] buf;
    private int size;

    public ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public int size() {
        return size;
    }

    public void reset() {
        size = 0;
    }

    /** Drops everything after {@code newSize}. */
    public void truncate(int newSize) {
        size = newSize;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int extra) {
        int need = size + extra;
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    public void writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    public void writeLong(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[size++] = (byte) (v >>> s);
        }
    }

    /** Writes an int at an absolute position (for headers). */
    public void putInt(int pos, int v) {
        buf[pos] = (byte) (v >>> 24);
        buf[pos + 1] = (byte) (v >>> 16);
        buf[pos + 2] = (byte) (v >>> 8);
        buf[pos + 3] = (byte) v;
    }

    public void writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** A tag, the varint {@code len}, then {@code b[off, off + len)}; answers the bytes written. */
    public int writeTaggedBytes(byte tag, byte[] b, int off, int len) {
        ensure(len + 11);
        int start = size;
        buf[size++] = tag;
        int n = len;
        while ((n & ~0x7F) != 0) {
            buf[size++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        buf[size++] = (byte) n;
        System.arraycopy(b, off, buf, size, len);
        size += len;
        return size - start;
    }

    /** A tag then the varint {@code v}; answers the bytes written. */
    public int writeTaggedVarLong(byte tag, long v) {
        ensure(11);
        int start = size;
        buf[size++] = tag;
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
        return size - start;
    }

    /** Varint byte length then UTF-8 bytes; ASCII strings are copied without an intermediate array. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char, ASCII here
    public void writeUtf8WithLength(String s) {
        int n = s.length();
        if (RowCodec.isAscii(s)) {
            writeVarLong(n);
            ensure(n);
            s.getBytes(0, n, buf, size); // an array copy for a Latin-1 string
            size += n;
        } else {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeVarLong(b.length);
            write(b, 0, b.length);
        }
    }
}
