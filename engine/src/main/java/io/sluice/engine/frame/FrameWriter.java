package io.sluice.engine.frame;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.types.RowSignature;

/**
 * Builds one {@link Frame}: a 4-byte magic/version word, a 4-byte row count, then each row's values in
 * {@link RowCodec} layout. Reusable: after {@link #build()} it starts an empty frame.
 */
public final class FrameWriter {
    /** Druid's default maxFrameSize. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1_000_000;

    static final int MAGIC = 0x534C4631; // "SLF1"
    public static final int HEADER_BYTES = 8;

    private final int columns;
    private final int maxFrameBytes;
    private final ByteSink sink;
    private int numRows;

    public FrameWriter(RowSignature sig, int maxFrameBytes) {
        requireNonNull(sig, "sig is null");
        if (maxFrameBytes <= HEADER_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes too small: " + maxFrameBytes);
        }
        this.columns = sig.size();
        this.maxFrameBytes = maxFrameBytes;
        this.sink = new ByteSink(Math.min(maxFrameBytes, 64 * 1024));
        startFrame();
    }

    public FrameWriter(RowSignature sig) {
        this(sig, DEFAULT_MAX_FRAME_BYTES);
    }

    private void startFrame() {
        sink.reset();
        sink.writeInt(MAGIC);
        sink.writeInt(0);
        numRows = 0;
    }

    /**
     * Appends the row; returns false (and leaves the frame unchanged) when it does not fit. Throws
     * {@code RowTooLarge} when the row could not fit even in an empty frame.
     */
    public boolean add(Object[] row) {
        int before = sink.size();
        RowCodec.writeRow(sink, row, columns);
        if (sink.size() > maxFrameBytes) {
            int rowBytes = sink.size() - before;
            sink.truncate(before);
            if (rowBytes + HEADER_BYTES > maxFrameBytes) {
                throw new FaultException(Faults.rowTooLarge(maxFrameBytes));
            }
            return false;
        }
        numRows++;
        return true;
    }

    /**
     * Appends a row already in {@link RowCodec} layout ({@code src[off, off + len)}, as {@link #add} would have
     * written it); same contract as {@link #add}.
     */
    public boolean addEncoded(byte[] src, int off, int len) {
        if (sink.size() + len > maxFrameBytes) {
            if (len + HEADER_BYTES > maxFrameBytes) {
                throw new FaultException(Faults.rowTooLarge(maxFrameBytes));
            }
            return false;
        }
        sink.write(src, off, len);
        numRows++;
        return true;
    }

    public int numRows() {
        return numRows;
    }

    /** Bytes the frame would have if built now. */
    public int sizeBytes() {
        return sink.size();
    }

    public boolean isEmpty() {
        return numRows == 0;
    }

    /**
     * Writes the frame as a frame file entry (4-byte length, then the frame's bytes) straight from the writer's buffer,
     * no copy, and resets the writer; returns the bytes written. The same bytes as writing {@link #build()}'s frame.
     */
    public int writeTo(java.io.DataOutput out) throws java.io.IOException {
        sink.putInt(4, numRows);
        int size = sink.size();
        out.writeInt(size);
        out.write(sink.array(), 0, size);
        startFrame();
        return 4 + size;
    }

    /**
     * Writes a frame's header (magic word, then {@code rows}) into {@code buf[0, HEADER_BYTES)}: for a frame whose rows
     * are copied into {@code buf} after it, already in {@link RowCodec} layout.
     */
    public static void putHeader(byte[] buf, int rows) {
        putInt(buf, 0, MAGIC);
        putInt(buf, 4, rows);
    }

    private static void putInt(byte[] buf, int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    /** Returns the frame and resets the writer. */
    public Frame build() {
        sink.putInt(4, numRows);
        Frame f = new Frame(sink.toByteArray(), numRows);
        startFrame();
        return f;
    }
}
