package io.sluice.engine.segment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A growable little-endian byte buffer used to build segment sections in memory. */
final class ByteSink {
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] buf;
    private int size;
    /** Whether the bytes are a section already packed as stored ({@link #packed}). */
    private boolean packed;

    ByteSink(int initial) {
        buf = new byte[Math.max(16, initial)];
    }

    /** A section's bytes already packed as {@link SegmentFormat#packingOf} packs them: they are only compressed. */
    static ByteSink packed(byte[] bytes) {
        ByteSink s = new ByteSink(0);
        s.buf = bytes;
        s.size = bytes.length;
        s.packed = true;
        return s;
    }

    boolean isPacked() {
        return packed;
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
        INTS.set(buf, size, v); // one store, not four
        size += 4;
    }

    void putLong(long v) {
        ensure(8);
        LONGS.set(buf, size, v);
        size += 8;
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
