package io.sluice.engine.exec;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file output whose {@code write} system calls run on another thread: bytes are copied into chunks, and each full
 * chunk is written, in order, by a shared daemon thread while the caller fills the next. The caller blocks only when
 * {@link #DEFAULT_CHUNKS} chunks wait to be written. Copying bytes into the page cache is most of what a write costs
 * (the kernel writes them back to disk later anyway), and a thread that both produces rows and writes them does that
 * copy on its own time. {@link #close} writes what is left and waits for all of it; a failed write fails the next
 * {@code write} or the {@code close}. Not thread-safe (one writing thread).
 */
public final class WriteBehindOutputStream extends OutputStream {
    static final int DEFAULT_CHUNK_BYTES = 256 * 1024;
    static final int DEFAULT_CHUNKS = 4;
    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sluice-write-behind-" + THREAD_COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private final WritableByteChannel channel;
    private final int chunkBytes;
    private final int chunks;
    /** Chunks written out and free again; up to {@link #chunks} are made, as needed. */
    private final BlockingQueue<byte[]> free;
    private int made;
    private byte[] current;
    private int used;
    /** The last chunk's write: each chunk's is chained after the one before, so the file is written in order. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private volatile IOException failure;
    private boolean closed;

    public WriteBehindOutputStream(Path file) throws IOException {
        this(file, DEFAULT_CHUNK_BYTES, DEFAULT_CHUNKS);
    }

    WriteBehindOutputStream(Path file, int chunkBytes, int chunks) throws IOException {
        this(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), chunkBytes, chunks);
    }

    /** Over any channel (tests give failing ones); it is closed with the stream. */
    WriteBehindOutputStream(WritableByteChannel channel, int chunkBytes, int chunks) {
        if (chunkBytes < 1 || chunks < 1) {
            throw new IllegalArgumentException("chunkBytes and chunks must be positive");
        }
        this.channel = channel;
        this.chunkBytes = chunkBytes;
        this.chunks = chunks;
        this.free = new ArrayBlockingQueue<>(chunks);
    }

    @Override
    public void write(int b) throws IOException {
        if (current == null || used == current.length) {
            next();
        }
        current[used++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (current == null || used == current.length) {
                next();
            }
            int n = Math.min(len, current.length - used);
            System.arraycopy(b, off, current, used, n);
            used += n;
            off += n;
            len -= n;
        }
    }

    /** Hands the full chunk to the writer, if any, and takes a free one. */
    private void next() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        handOff();
        if (made < chunks && free.isEmpty()) {
            made++;
            current = new byte[chunkBytes];
        } else {
            try {
                current = free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for a write");
            }
        }
        used = 0;
        throwIfFailed();
    }

    private void handOff() {
        if (current == null || used == 0) {
            return;
        }
        byte[] chunk = current;
        int size = used;
        current = null;
        used = 0;
        // after the chunk before it whatever became of that one, and its buffer freed whatever becomes of this one:
        // a writer that waits for a free chunk never waits for one that will not come back
        tail = tail.handleAsync((ignored, previous) -> {
            try {
                if (failure == null) {
                    ByteBuffer buf = ByteBuffer.wrap(chunk, 0, size);
                    while (buf.hasRemaining()) {
                        channel.write(buf);
                    }
                }
            } catch (IOException e) {
                failure = e;
            } catch (Throwable e) { // an error too: the stream must fail, not hang
                failure = new IOException(e);
            } finally {
                free.add(chunk);
            }
            return null;
        }, WRITERS);
    }

    private void throwIfFailed() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw new IOException("write failed: " + e.getMessage(), e);
        }
    }

    /** Bytes are handed to the writer a chunk at a time; {@link #close} waits for them. */
    @Override
    public void flush() throws IOException {
        throwIfFailed();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            handOff();
            tail.join();
            throwIfFailed();
        } finally {
            channel.close();
        }
    }
}
