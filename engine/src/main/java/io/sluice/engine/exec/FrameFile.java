package io.sluice.engine.exec;

import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Frames on disk: each as a 4-byte length then the frame bytes. */
final class FrameFile {
    private FrameFile() {}

    /** Writes a frame; returns the bytes written. */
    static int write(DataOutputStream out, Frame f) {
        try {
            out.writeInt(f.sizeBytes());
            out.write(f.bytes(), 0, f.sizeBytes());
            return 4 + f.sizeBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the next frame, or null at end of file. */
    static Frame read(DataInputStream in) {
        try {
            int len;
            try {
                len = in.readInt();
            } catch (EOFException e) {
                return null;
            }
            byte[] b = new byte[len];
            in.readFully(b);
            return new Frame(b, FrameReader.rowCount(b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
