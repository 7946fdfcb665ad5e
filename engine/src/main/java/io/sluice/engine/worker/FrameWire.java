package io.sluice.engine.worker;

import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import io.sluice.engine.frame.Frame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A frame on the wire between workers: an 8-byte head (row count, body length), then the frame's bytes, cut into
 * chunks of at most {@link #CHUNK_BYTES}. Frames reach ~1 MB and Artery drops any message above its frame size
 * (256 KiB by default), so a frame crosses nodes as several stream elements and is put together again by a
 * {@link Decoder}.
 */
public final class FrameWire {
    /** Largest stream element: well under Artery's default {@code maximum-frame-size} of 256 KiB. */
    public static final int CHUNK_BYTES = 128 * 1024;

    private static final int HEAD = 8;

    private FrameWire() {}

    /** The frame as wire chunks, in order. */
    public static List<ByteString> encode(Frame frame) {
        byte[] body = frame.bytes();
        int length = frame.sizeBytes();
        ByteBuffer head = ByteBuffer.allocate(HEAD).putInt(0, frame.numRows()).putInt(4, length);
        ByteString all = ByteString.fromByteBuffer(head).concat(ByteString.fromArrayUnsafe(body, 0, length));
        List<ByteString> chunks = new ArrayList<>(all.size() / CHUNK_BYTES + 1);
        while (all.size() > CHUNK_BYTES) {
            chunks.add(all.take(CHUNK_BYTES).compact());
            all = all.drop(CHUNK_BYTES);
        }
        chunks.add(all.compact());
        return chunks;
    }

    /** Puts frames together from their chunks; one per stream. Not thread-safe. */
    public static final class Decoder {
        private ByteStringBuilder pending;
        private int rows;
        private int remaining;

        /** The frame this chunk completes, or an empty list. */
        public List<Frame> accept(ByteString chunk) {
            if (pending == null) {
                if (chunk.size() < HEAD) {
                    throw new IllegalStateException("truncated frame head: " + chunk.size() + " bytes");
                }
                ByteBuffer b = chunk.take(HEAD).toByteBuffer();
                rows = b.getInt(0);
                remaining = b.getInt(4);
                pending = new ByteStringBuilder();
                chunk = chunk.drop(HEAD);
            }
            if (chunk.size() > remaining) {
                throw new IllegalStateException("frame chunk overruns its frame by " + (chunk.size() - remaining));
            }
            pending.append(chunk);
            remaining -= chunk.size();
            if (remaining > 0) {
                return List.of();
            }
            byte[] body = pending.result().toArray();
            pending = null;
            return List.of(new Frame(body, rows));
        }
    }
}
