package io.sluice.engine.input;

/**
 * What the line-based readers (JSON lines, CSV/TSV) share: the opened (possibly compressed) stream, the line reader
 * over it, the row count, and the byte and row counters a worker reports.
 */
abstract class LineRowSource implements CountingRowSource {
    protected final Streams.Opened opened;
    protected final LineReader lines;
    protected long rows;

    LineRowSource(Streams.Opened opened) {
        this.opened = opened;
        this.lines = new LineReader(opened.data());
    }

    @Override
    public long bytesRead() {
        return opened.raw().count();
    }

    @Override
    public long uncompressedBytesRead() {
        return lines.bytesRead();
    }

    @Override
    public long rowsRead() {
        return rows;
    }

    @Override
    public void close() {
        Rows.closeQuietly(opened);
    }
}
