package io.sluice.engine.segment;

/** What {@link SegmentWriter#write} wrote: row count, file size, and the min/max {@code __time} (0/0 when empty). */
public record SegmentFileInfo(long numRows, long sizeBytes, long minTime, long maxTime) {
    public SegmentFileInfo {
        if (numRows < 0 || sizeBytes < 0) {
            throw new IllegalArgumentException("numRows and sizeBytes must be >= 0");
        }
    }
}
