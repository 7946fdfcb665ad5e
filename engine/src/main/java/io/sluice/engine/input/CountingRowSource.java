package io.sluice.engine.input;

import io.sluice.engine.rows.RowSource;

/** A {@link RowSource} over one input split that also reports how much it has read. */
public interface CountingRowSource extends RowSource {
    /** Raw bytes read from the file or stream so far (the compressed size for a compressed file). */
    long bytesRead();

    /**
     * Bytes after decompression consumed so far (equal to {@link #bytesRead()} for uncompressed input). Druid's
     * {@code input0} channel counter {@code bytes} reports this figure (17,106,256 for the 2.4 MB wikiticker .gz).
     */
    long uncompressedBytesRead();

    /** Rows returned by {@link #next()} so far (skipped unparseable rows not included). */
    long rowsRead();
}
