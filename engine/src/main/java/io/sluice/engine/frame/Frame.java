package io.sluice.engine.frame;

import static java.util.Objects.requireNonNull;

/**
 * A batch of rows in Sluice's compact binary row layout (see {@code FrameWriter} / {@code FrameReader}), a few
 * hundred KB at most. The bytes are self-describing enough to count rows; the signature travels with the stage
 * definition, not in the frame. Frames cross node boundaries as Akka {@code ByteString}s, never through Jackson.
 */
public final class Frame {
    private final byte[] bytes;
    private final int numRows;

    public Frame(byte[] bytes, int numRows) {
        this.bytes = requireNonNull(bytes, "bytes is null");
        this.numRows = numRows;
    }

    /** The encoded bytes (header included). Do not modify. */
    public byte[] bytes() {
        return bytes;
    }

    public int numRows() {
        return numRows;
    }

    public int sizeBytes() {
        return bytes.length;
    }
}
