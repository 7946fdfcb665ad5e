package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    @Test
    void countsNewlinesEightBytesAtATimeAsABytewiseScanDoes() {
        Random rnd = new Random(17);
        // bytes around the newline value, its neighbours and the sign bit, which a carry between bytes would confuse
        byte[] alphabet = {'\n', '\n' - 1, '\n' + 1, 0, (byte) 0x8A, (byte) 0xFF, 0x7F, 'a', '\r', (byte) 0x0B};
        for (int round = 0; round < 2_000; round++) {
            byte[] b = new byte[rnd.nextInt(70)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            int from = b.length == 0 ? 0 : rnd.nextInt(b.length);
            int to = from + (b.length == from ? 0 : rnd.nextInt(b.length - from + 1));
            int expected = 0;
            for (int i = from; i < to; i++) {
                if (b[i] == '\n') {
                    expected++;
                }
            }
            assertThat(LineReader.countNewlines(b, from, to)).as("round %d", round).isEqualTo(expected);
        }
        byte[] all = new byte[64];
        java.util.Arrays.fill(all, (byte) '\n');
        assertThat(LineReader.countNewlines(all, 0, 64)).isEqualTo(64);
        assertThat(LineReader.countNewlines(all, 3, 61)).isEqualTo(58);
    }
}
