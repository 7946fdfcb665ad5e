package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.frame.ByteSource;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameWriter;
import io.sluice.engine.frame.RowCodec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A range-partitioned output read in place from the one sorted run that holds all of it
 * ({@link ExternalSorter#finishAsSingleRun()}): a partition is a slice of the run's frames, cut where its start key
 * falls, and each frame of the slice is served as an output frame of its rows (the run's keys and lengths left
 * out). Nothing is copied to a partition file: only the frames a boundary falls in are read to place the cut.
 *
 * <p>Output frames follow the run's frames, one per frame a partition touches; the shuffle counters are those frames.
 * Thread-safe for reading: each iterator reads the file on its own.
 */
final class RunPartitions {
    private final Path file;
    private final List<ExternalSorter.RunFrame> frames;
    /** Partition p holds the rows from (frame[p], row[p]) up to (frame[p + 1], row[p + 1]), exclusive. */
    private final int[] frame;
    private final int[] row;
    /** The values' bytes of the rows before row[p] in frame[p]. */
    private final long[] bytesBefore;

    private RunPartitions(Path file, List<ExternalSorter.RunFrame> frames, int[] frame, int[] row, long[] bytesBefore) {
        this.file = file;
        this.frames = frames;
        this.frame = frame;
        this.row = row;
        this.bytesBefore = bytesBefore;
    }

    /**
     * Cuts the run at each partition's start key ({@code starts[0]} is the empty key) and adds every partition's rows,
     * bytes and frames to {@code shuffle}.
     */
    static RunPartitions slice(ExternalSorter.SingleRun run, List<byte[]> starts, ChannelCounters shuffle) {
        requireNonNull(run, "run is null");
        List<ExternalSorter.RunFrame> frames = run.frames();
        int n = starts.size();
        if (n == 0 && !frames.isEmpty()) {
            throw new IllegalStateException("rows present but zero partitions");
        }
        int[] frame = new int[n + 1];
        int[] row = new int[n + 1];
        long[] bytesBefore = new long[n + 1];
        frame[n] = frames.size();
        byte[] buffer = new byte[0];
        int buffered = -1;
        int f = 0;
        for (int p = 1; p < n; p++) {
            byte[] start = starts.get(p);
            f = firstFrameEndingAtOrAfter(frames, start, f);
            frame[p] = f;
            if (f == frames.size() || Arrays.compareUnsigned(frames.get(f).firstKey(), start) >= 0) {
                continue; // the cut is at the frame's start
            }
            if (buffered != f) {
                buffer = readFrame(run.file(), frames.get(f), buffer);
                buffered = f;
            }
            // the frame's last key is >= start and its first is not: the cut is inside it
            int pos = FrameWriter.HEADER_BYTES;
            int end = frames.get(f).sizeBytes();
            int r = 0;
            long before = 0;
            while (true) {
                int keyEnd = RowCodec.valueEnd(buffer, pos, end);
                byte[] key = (byte[]) RowCodec.readValue(new ByteSource(buffer, pos, keyEnd));
                if (Arrays.compareUnsigned(key, start) >= 0) {
                    break;
                }
                long length = RowCodec.longAt(buffer, keyEnd);
                pos = RowCodec.valueEnd(buffer, keyEnd, end) + (int) length;
                before += length;
                r++;
            }
            row[p] = r;
            bytesBefore[p] = before;
        }
        RunPartitions out = new RunPartitions(run.file(), frames, frame, row, bytesBefore);
        shuffle.ensurePartitions(n);
        for (int p = 0; p < n; p++) {
            long rows = 0;
            long bytes = 0;
            long count = 0;
            for (int g = frame[p]; g <= frame[p + 1] && g < frames.size(); g++) {
                int from = g == frame[p] ? row[p] : 0;
                int to = g == frame[p + 1] ? row[p + 1] : frames.get(g).rows();
                if (to > from) {
                    rows += to - from;
                    bytes += FrameWriter.HEADER_BYTES + out.bytesUpTo(p + 1, g, to) - out.bytesUpTo(p, g, from);
                    count++;
                }
            }
            if (count > 0) {
                shuffle.add(p, rows, bytes, count);
            }
        }
        return out;
    }

    /** The values' bytes of frame g's rows before row r, where r is 0, the frame's end or cut q's row. */
    private long bytesUpTo(int q, int g, int r) {
        if (r == 0) {
            return 0;
        }
        ExternalSorter.RunFrame rf = frames.get(g);
        if (r == rf.rows()) {
            return rf.rowBytes();
        }
        return bytesBefore[q];
    }

    /** The first frame at or after {@code from} whose last key is >= {@code key}; frames.size() when none is. */
    private static int firstFrameEndingAtOrAfter(List<ExternalSorter.RunFrame> frames, byte[] key, int from) {
        int lo = from;
        int hi = frames.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(frames.get(mid).lastKey(), key) >= 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    int partitionCount() {
        return frame.length - 1;
    }

    /**
     * The frames of partition p, read lazily. With {@code reuse}, every frame is built in one buffer: valid only until
     * the next call to {@code next()}.
     */
    Iterator<Frame> read(int p, boolean reuse) {
        if (p < 0 || p >= partitionCount()) {
            throw new IndexOutOfBoundsException("partition " + p + " of " + partitionCount());
        }
        int first = frame[p];
        int last = Math.min(frame[p + 1], frames.size() - 1);
        return new Iterator<>() {
            private int g = first;
            private byte[] in = new byte[0];
            private byte[] out = new byte[0];

            {
                skipEmpty();
            }

            private int from() {
                return g == first ? row[p] : 0;
            }

            private int to() {
                return g == frame[p + 1] ? row[p + 1] : frames.get(g).rows();
            }

            private void skipEmpty() {
                while (g <= last && to() <= from()) {
                    g++;
                }
            }

            @Override
            public boolean hasNext() {
                return g <= last;
            }

            @Override
            public Frame next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ExternalSorter.RunFrame rf = frames.get(g);
                int from = from();
                int to = to();
                byte[] src = readFrame(file, rf, reuse ? in : new byte[0]);
                in = src;
                int size = FrameWriter.HEADER_BYTES + (int) (bytesUpTo(p + 1, g, to) - bytesUpTo(p, g, from));
                byte[] dst = reuse && out.length >= size ? out : new byte[size];
                if (reuse) {
                    out = dst;
                }
                FrameWriter.putHeader(dst, to - from);
                int end = rf.sizeBytes();
                int pos = FrameWriter.HEADER_BYTES;
                int at = FrameWriter.HEADER_BYTES;
                for (int r = 0; r < to; r++) {
                    int keyEnd = RowCodec.valueEnd(src, pos, end);
                    int length = (int) RowCodec.longAt(src, keyEnd);
                    int rowStart = RowCodec.valueEnd(src, keyEnd, end);
                    if (r >= from) {
                        System.arraycopy(src, rowStart, dst, at, length);
                        at += length;
                    }
                    pos = rowStart + length;
                }
                if (at != size) {
                    throw new IllegalStateException("Corrupt run: partition frame of " + at + " bytes, " + size
                            + " expected");
                }
                g++;
                skipEmpty();
                return new Frame(dst, size, to - from);
            }
        };
    }

    /** The frame's bytes, from 0 to {@code rf.sizeBytes()}, read into {@code buffer} when it is large enough. */
    private static byte[] readFrame(Path file, ExternalSorter.RunFrame rf, byte[] buffer) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(rf.offset() + 4); // past the entry's length
            byte[] b = buffer.length >= rf.sizeBytes() ? buffer : new byte[rf.sizeBytes()];
            f.readFully(b, 0, rf.sizeBytes());
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
