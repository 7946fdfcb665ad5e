package io.sluice.engine.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads another stream on its own thread, a few chunks ahead of the consumer: used for decompression, so that
 * inflating one file and parsing it run on two cores. Chunks cycle between a free queue and a full queue (no
 * allocation after the first few); an exception of the source is rethrown to the consumer in order. {@link #close()}
 * stops the thread before closing the source (the source is never used by two threads at once).
 */
final class ReadAheadInputStream extends InputStream {
    private static final int CHUNK = 1 << 18;
    private static final int DEPTH = 16;

    private record Chunk(byte[] bytes, int length, IOException error) {}

    private static final Chunk EOF = new Chunk(new byte[0], -1, null);

    private final InputStream source;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH);
    private final Thread reader;
    private volatile boolean closed;
    private Chunk current;
    private int pos;
    private boolean done;

    ReadAheadInputStream(InputStream source, String name) {
        this.source = source;
        for (int i = 0; i < DEPTH; i++) {
            free.add(new byte[CHUNK]);
        }
        reader = new Thread(this::readLoop, "sluice-read-ahead-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try {
            while (!closed) {
                byte[] b = free.take();
                int n = 0;
                while (n < b.length) {
                    int r = source.read(b, n, b.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                if (n > 0) {
                    full.put(new Chunk(b, n, null));
                }
                if (n < b.length) {
                    full.put(EOF);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            IOException io = e instanceof IOException x ? x : new IOException(e);
            full.offer(new Chunk(null, -1, io));
        }
    }

    /** The next chunk with unread bytes, or null at the end. */
    private Chunk chunk() throws IOException {
        if (current != null && pos < current.length) {
            return current;
        }
        if (done) {
            return null;
        }
        if (current != null) {
            free.offer(current.bytes);
            current = null;
        }
        Chunk c;
        try {
            while ((c = full.poll(1, TimeUnit.SECONDS)) == null) {
                if (!reader.isAlive() && full.isEmpty()) {
                    throw new IOException("read-ahead thread ended without a result");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading ahead");
        }
        if (c.error != null) {
            done = true;
            throw c.error;
        }
        if (c == EOF) {
            done = true;
            return null;
        }
        current = c;
        pos = 0;
        return c;
    }

    @Override
    public int read() throws IOException {
        Chunk c = chunk();
        return c == null ? -1 : c.bytes[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        Chunk c = chunk();
        if (c == null) {
            return -1;
        }
        int n = Math.min(len, c.length - pos);
        System.arraycopy(c.bytes, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - pos;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        reader.interrupt();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
