package io.sluice.engine.input;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ({@code \n} or {@code \r\n}) without decoding them: after {@link #next()}, the
 * line is {@code buffer()[start() .. start() + length())}, valid until the next call. One buffer, reused; it grows
 * only for a line longer than it. Skips a leading UTF-8 byte-order mark.
 */
final class LineReader {
    private final InputStream in;
    private byte[] buf = new byte[Streams.BUFFER_SIZE];
    private int pos;
    private int limit;
    private boolean eof;
    private int start;
    private int length;
    private long lineNumber;
    /** Whether the lines of the block from {@link #nextBlock()} are not yet in {@link #lineNumber}. */
    private boolean blockUncounted;
    private long bytes;
    private boolean first;

    LineReader(InputStream in) {
        this(in, 0, true);
    }

    /**
     * @param firstLineNumber number of the line before the first one (line numbers continue from it)
     * @param skipBom whether a leading UTF-8 byte-order mark is skipped
     */
    LineReader(InputStream in, long firstLineNumber, boolean skipBom) {
        this.in = in;
        this.lineNumber = firstLineNumber;
        this.first = skipBom;
    }

    /**
     * Advances over every complete line already buffered (reading more first when less than half a buffer is
     * left): afterwards {@code buffer()[start() .. start() + length())} holds one or more whole lines, the last one
     * ending with its {@code \n} (or at the end of the stream), and {@link #lineNumber()} is the number of that last
     * line. False at the end of the stream. Blocks and single lines may be mixed.
     */
    boolean nextBlock() throws IOException {
        countBlock(); // the previous block's lines, if nobody counted them (before its bytes move)
        while (true) {
            if (!eof && limit - pos < buf.length / 2) {
                fill();
                continue;
            }
            int last = -1;
            for (int i = limit - 1; i >= pos; i--) {
                if (buf[i] == '\n') {
                    last = i;
                    break;
                }
            }
            int end;
            if (last >= 0) {
                end = last + 1;
            } else if (eof) {
                if (pos == limit) {
                    return false;
                }
                end = limit;
            } else {
                fill(); // one line longer than what is buffered
                continue;
            }
            start = pos;
            length = end - pos;
            blockUncounted = true;
            pos = end;
            return true;
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** The {@code \n} bytes in {@code b[from, to)}, counted eight bytes at a time. */
    static int countNewlines(byte[] b, int from, int to) {
        int n = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES; // a newline byte is now 0x00
            // the high bit of each byte that is 0x00, and of no other (no carries between bytes)
            long zeros = ~(((x & LOW7) + LOW7) | x | LOW7);
            n += Long.bitCount(zeros);
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                n++;
            }
        }
        return n;
    }

    /** Moves unread bytes to the front, grows the buffer if it is full, and reads until it is full or at EOF. */
    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        while (limit < buf.length && !eof) {
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
                bytes += n;
            }
        }
        skipBom();
    }

    private void skipBom() {
        if (first && (limit >= 3 || eof)) {
            first = false;
            if (limit >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF) {
                pos = 3;
            }
        }
    }

    /** Advances to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        countBlock();
        int scan = pos;
        while (true) {
            for (int i = scan; i < limit; i++) {
                if (buf[i] == '\n') {
                    setLine(pos, i);
                    pos = i + 1;
                    return true;
                }
            }
            scan = limit;
            if (eof) {
                if (pos < limit) {
                    setLine(pos, limit);
                    pos = limit;
                    return true;
                }
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                scan -= pos;
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
                bytes += n;
            }
            if (first && limit >= 3) {
                first = false;
                if ((buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF) {
                    pos = 3;
                    scan = Math.max(scan, 3);
                }
            }
        }
    }

    private void setLine(int from, int end) {
        if (end > from && buf[end - 1] == '\r') {
            end--;
        }
        start = from;
        length = end - from;
        lineNumber++;
    }

    byte[] buffer() {
        return buf;
    }

    int start() {
        return start;
    }

    int length() {
        return length;
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        countBlock();
        return lineNumber;
    }

    /**
     * Tells the number of {@code \n} bytes in the current block, counted by its reader on its way through it, so that
     * {@link #lineNumber()} need not count them again. Ignored once the block's lines are counted.
     */
    void blockNewlines(int newlines) {
        if (blockUncounted) {
            blockUncounted = false;
            lineNumber += newlines + (buf[start + length - 1] != '\n' ? 1 : 0);
        }
    }

    /** Counts the current block's lines into {@link #lineNumber} if they are not yet. */
    private void countBlock() {
        if (blockUncounted) {
            blockNewlines(countNewlines(buf, start, start + length));
        }
    }

    /** Bytes consumed from the (decompressed) stream so far. */
    long bytesRead() {
        return bytes;
    }

    /** True if the current line holds only spaces and tabs (or nothing). */
    boolean isBlank() {
        for (int i = start, end = start + length; i < end; i++) {
            byte b = buf[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
