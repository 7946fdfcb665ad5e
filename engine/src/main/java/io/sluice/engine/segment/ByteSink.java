package io.sluice.engine.segment;

import java.util.Arrays;

/** A growable little-endian byte buffer used to build segment sections in memory. */
final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink(int initial) {
        buf = new byte[Math.max(16, initial)];
    }

    int size() {
        return size;
    }

    byte[] array() {
        return buf;
    }

    private void ensure(int extra) {
        long need = (long) size + extra;
        if (need > buf.length) {
            if (need > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("Segment column too large to buffer: " + need + " bytes");
            }
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, buf.length * 2L)));
        }
    }

    void putInt(int v) {
        ensure(4);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 24);
    }

    void putLong(long v) {
        putInt((int) v);
        putInt((int) (v >>> 32));
    }

    /** Reserves the next {@code n} bytes and returns a little-endian buffer over exactly them. */
    java.nio.ByteBuffer reserve(int n) {
        ensure(n);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, size, n).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        size += n;
        return b;
    }

    void putShort(int v) {
        ensure(2);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
    }

    void putBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    void putBytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }
}
