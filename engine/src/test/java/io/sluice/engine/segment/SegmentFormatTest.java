package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmentFormatTest {
    @Test
    void multiBlockSectionRoundTrips() {
        int length = 3 * SegmentFormat.BLOCK_SIZE + 12345;
        byte[] raw = new byte[length + 100]; // trailing bytes beyond length must be ignored
        new Random(42).nextBytes(raw);
        for (int i = 0; i < length; i += 7) {
            raw[i] = 0; // some compressible structure
        }
        byte[] comp = SegmentFormat.compressBlocks(raw, length);
        assertThat(ByteBuffer.wrap(comp).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(4);
        byte[] back = SegmentFormat.decompressBlocks(ByteBuffer.wrap(comp));
        assertThat(back).hasSize(length);
        assertThat(java.util.Arrays.equals(back, 0, length, raw, 0, length)).isTrue();
    }

    @Test
    void emptySectionRoundTrips() {
        byte[] comp = SegmentFormat.compressBlocks(new byte[0], 0);
        assertThat(SegmentFormat.decompressBlocks(ByteBuffer.wrap(comp))).isEmpty();
    }
}
