package io.sluice.engine.frame;

import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;

/** Rows written into frames for tests. */
public final class FrameTestData {
    private FrameTestData() {}

    /** {@code rows} in order, in frames of at most {@code maxFrameBytes} (a new frame when a row does not fit). */
    public static List<Frame> frames(RowSignature signature, List<Object[]> rows, int maxFrameBytes) {
        List<Frame> frames = new ArrayList<>();
        FrameWriter w = new FrameWriter(signature, maxFrameBytes);
        for (Object[] row : rows) {
            if (!w.add(row)) {
                frames.add(w.build());
                if (!w.add(row)) {
                    throw new IllegalArgumentException("a row does not fit an empty frame of " + maxFrameBytes);
                }
            }
        }
        if (!w.isEmpty()) {
            frames.add(w.build());
        }
        return frames;
    }
}
