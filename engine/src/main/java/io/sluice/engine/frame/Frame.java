package io.sluice.engine.frame;

import static java.util.Objects.requireNonNull;

/**
 * A batch of rows in Sluice's compact binary row layout (see {@code FrameWriter} / {@code FrameReader}), a few
 * hundred KB at most. The bytes are self-describing enough to count rows; the signature travels with the stage
 * definition, not in the frame. Frames cross node boundaries as Akka {@code ByteString}s, never through Jackson.
 */
public final class Frame {
    private final byte[] bytes;
    private final int length;
    private final int numRows;

    public Frame(byte[] bytes, int numRows) {
        this(bytes, requireNonNull(bytes, "bytes is null").length, numRows);
    }

    /** A frame held in the first {@code length} bytes of {@code buffer} (a buffer a reader reuses). */
    public Frame(byte[] buffer, int length, int numRows) {
        this.bytes = requireNonNull(buffer, "buffer is null");
        if (length < 0 || length > buffer.length) {
            throw new IllegalArgumentException("length " + length + " outside a buffer of " + buffer.length);
        }
        this.length = length;
        this.numRows = numRows;
    }

    /** The array holding the encoded bytes (header included) in its first {@link #sizeBytes()}. Do not modify. */
    public byte[] bytes() {
        return bytes;
    }

    public int numRows() {
        return numRows;
    }

    /** The frame's length in bytes. */
    public int sizeBytes() {
        return length;
    }
}
