package io.sluice.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.util.ByteString;
import io.sluice.engine.frame.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameWireTest {
    @Test
    void aFrameInAReusedBufferCrossesAsItsLengthOnly() {
        byte[] buffer = new byte[300_000];
        new Random(1).nextBytes(buffer);
        Frame f = new Frame(buffer, 200_000, 17);
        FrameWire.Decoder decoder = new FrameWire.Decoder();
        List<Frame> back = new ArrayList<>();
        for (ByteString chunk : FrameWire.encode(f)) {
            back.addAll(decoder.accept(chunk));
        }
        assertThat(back).singleElement().satisfies(b -> {
            assertThat(b.numRows()).isEqualTo(17);
            assertThat(b.bytes()).isEqualTo(java.util.Arrays.copyOf(buffer, 200_000));
        });
        assertThatThrownBy(() -> new Frame(buffer, 300_001, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void framesOfAnySizeCrossInChunksNoLargerThanTheLimitAndComeBackWhole() {
        Random random = new Random(42);
        List<Frame> frames = new ArrayList<>();
        for (int size : new int[] {0, 1, FrameWire.CHUNK_BYTES - 8, FrameWire.CHUNK_BYTES, 1_000_000, 3}) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            frames.add(new Frame(body, size / 7 + 1));
        }
        List<ByteString> wire = new ArrayList<>();
        for (Frame f : frames) {
            wire.addAll(FrameWire.encode(f));
        }
        assertThat(wire).allSatisfy(chunk -> assertThat(chunk.size()).isLessThanOrEqualTo(FrameWire.CHUNK_BYTES));
        assertThat(wire.size()).isGreaterThan(frames.size());

        FrameWire.Decoder decoder = new FrameWire.Decoder();
        List<Frame> back = new ArrayList<>();
        for (ByteString chunk : wire) {
            back.addAll(decoder.accept(chunk));
        }
        assertThat(back).hasSameSizeAs(frames);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(back.get(i).numRows()).isEqualTo(frames.get(i).numRows());
            assertThat(back.get(i).bytes()).isEqualTo(frames.get(i).bytes());
        }
    }

    @Test
    void aTruncatedHeadIsAnError() {
        assertThatThrownBy(() -> new FrameWire.Decoder().accept(ByteString.fromArray(new byte[3])))
                .isInstanceOf(IllegalStateException.class);
    }
}
