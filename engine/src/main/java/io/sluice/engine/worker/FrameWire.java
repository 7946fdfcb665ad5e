package io.sluice.engine.worker;

import akka.util.ByteString;
import io.sluice.engine.frame.Frame;
import java.nio.ByteBuffer;

/** A frame on the wire between workers: a 4-byte row count, then the frame's bytes. */
public final class FrameWire {
    private FrameWire() {}

    public static ByteString encode(Frame frame) {
        ByteBuffer head = ByteBuffer.allocate(4).putInt(0, frame.numRows());
        return ByteString.fromByteBuffer(head).concat(ByteString.fromArrayUnsafe(frame.bytes()));
    }

    public static Frame decode(ByteString bytes) {
        ByteBuffer b = bytes.asByteBuffer();
        int rows = b.getInt(0);
        byte[] body = new byte[bytes.size() - 4];
        bytes.drop(4).copyToArray(body);
        return new Frame(body, rows);
    }
}
