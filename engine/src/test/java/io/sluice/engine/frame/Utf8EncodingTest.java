package io.sluice.engine.frame;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ASCII fast paths of string encoding and sizing give what the general paths give. */
class Utf8EncodingTest {
    private static String random(Random r) {
        int len = r.nextInt(40);
        int kind = r.nextInt(5);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) {
            b.append(switch (kind) {
                case 0, 1 -> (char) r.nextInt(0x80); // ASCII, NUL and DEL included
                case 2 -> (char) (r.nextInt(10) == 0 ? 0x80 + r.nextInt(0x80) : r.nextInt(0x80)); // Latin-1
                case 3 -> (char) (r.nextInt(4) == 0 ? 0x100 + r.nextInt(0xD000) : 'a');
                default -> (char) (r.nextInt(3) == 0 ? 0xD800 + r.nextInt(0x800) : 'b' + r.nextInt(3)); // surrogates
            });
        }
        return b.toString();
    }

    /** The sizing loop as it was before the ASCII fast path. */
    private static int utf8LengthReference(String s) {
        int n = s.length();
        int len = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    len += 1;
                } else if (Character.isHighSurrogate(c)) {
                    len += 2;
                    i++;
                } else {
                    len += 2;
                }
            }
        }
        return len;
    }

    @Test
    void encodesAndSizesLikeTheGeneralPaths() {
        Random r = new Random(3);
        ByteSink sink = new ByteSink(16);
        for (int k = 0; k < 20_000; k++) {
            String s = random(r);
            assertThat(RowCodec.isAscii(s)).isEqualTo(s.chars().allMatch(c -> c < 0x80));
            assertThat(RowCodec.utf8Length(s)).as(s).isEqualTo(utf8LengthReference(s));
            sink.reset();
            sink.write(0x55); // not at offset 0
            sink.writeUtf8WithLength(s);
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            ByteSource in = new ByteSource(sink.array(), 1, sink.size());
            assertThat(in.readVarLong()).isEqualTo(utf8.length);
            assertThat(Arrays.copyOfRange(sink.array(), in.position(), sink.size())).isEqualTo(utf8);
        }
    }
}
