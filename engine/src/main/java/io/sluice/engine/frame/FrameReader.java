package io.sluice.engine.frame;

import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;

/** Decodes the rows of a {@link Frame} written by {@link FrameWriter}. */
public final class FrameReader {
    private FrameReader() {}

    public static EncodedRowSource rows(RowSignature sig, Frame frame) {
        return rows(sig.size(), frame);
    }

    /** Rows of a frame whose rows have {@code columns} values. */
    public static EncodedRowSource rows(int columns, Frame frame) {
        return rows(columns, frame, null);
    }

    /**
     * As {@link #rows(int, Frame)}, strings decoded through {@code cache} when it is not null (the same values; a
     * cache may serve many frames of the same signature, on one thread).
     */
    public static EncodedRowSource rows(int columns, Frame frame, StringCache cache) {
        byte[] b = frame.bytes();
        int length = frame.sizeBytes();
        ByteSource src = new ByteSource(b, 0, length);
        if (length < FrameWriter.HEADER_BYTES || src.readInt() != FrameWriter.MAGIC) {
            throw new IllegalStateException("Not a Sluice frame");
        }
        int n = src.readInt();
        return new EncodedRowSource() {
            private int read;

            @Override
            public Object[] next() {
                if (read >= n) {
                    return null;
                }
                read++;
                return cache == null ? RowCodec.readRow(src, columns) : RowCodec.readRow(src, columns, cache);
            }

            @Override
            public boolean advance(int[] offsets) {
                if (read >= n) {
                    return false;
                }
                read++;
                int start = src.position();
                src.skip(RowCodec.valueOffsets(b, start, length, columns, offsets) - start);
                return true;
            }

            @Override
            public byte[] buffer() {
                return b;
            }
        };
    }

    /** Row count stored in a frame's header. */
    public static int rowCount(byte[] frameBytes) {
        ByteSource src = new ByteSource(frameBytes, 4, frameBytes.length);
        return src.readInt();
    }
}
