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
