package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link KeySorter} orders as a stable comparison sort by unsigned key bytes does. */
class KeySorterTest {
    private static byte[] key(Random r, int shape) {
        return switch (shape) {
            // a shared 9-byte prefix (a bucket and a time), then a short, often equal, tail
            case 0 -> {
                byte[] k = new byte[9 + r.nextInt(4)];
                Arrays.fill(k, 0, 9, (byte) 0x80);
                for (int i = 9; i < k.length; i++) {
                    k[i] = (byte) r.nextInt(3);
                }
                yield k;
            }
            // keys that are prefixes of each other, trailing zero bytes, 0xFF bytes
            case 1 -> {
                byte[] k = new byte[r.nextInt(12)];
                for (int i = 0; i < k.length; i++) {
                    int v = r.nextInt(4);
                    k[i] = (byte) (v == 0 ? 0 : v == 1 ? 0xFF : 'a');
                }
                yield k;
            }
            // long keys equal for more than the radix depth, differing late
            case 2 -> {
                byte[] k = new byte[80 + r.nextInt(3)];
                Arrays.fill(k, (byte) 'p');
                k[k.length - 1] = (byte) r.nextInt(2);
                yield k;
            }
            default -> {
                byte[] k = new byte[r.nextInt(30)];
                r.nextBytes(k);
                yield k;
            }
        };
    }

    @Test
    void sortsStablyByUnsignedBytes() {
        Random r = new Random(21);
        for (int n : new int[] {0, 1, 2, 47, 48, 49, 500, 20_000}) {
            for (int shape = 0; shape < 5; shape++) {
                byte[][] keys = new byte[n][];
                for (int i = 0; i < n; i++) {
                    keys[i] = key(r, shape == 4 ? r.nextInt(4) : shape);
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    expected.add(i);
                }
                expected.sort((a, b) -> Arrays.compareUnsigned(keys[a], keys[b])); // stable
                int[] got = KeySorter.order(n, (p, d) -> chunk(keys[p], d),
                        (x, y) -> Arrays.compareUnsigned(keys[x], keys[y]));
                assertThat(got).as("n=%d shape=%d", n, shape)
                        .containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    /** Key bytes {@code depth .. depth + 7} as KeySorter wants them: unsigned big-endian, missing bytes 0, signed order. */
    private static long chunk(byte[] key, int depth) {
        long v = 0;
        for (int i = depth; i < depth + 8; i++) {
            v = (v << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return v ^ Long.MIN_VALUE;
    }
}
