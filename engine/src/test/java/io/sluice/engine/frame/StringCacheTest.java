package io.sluice.engine.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Frames decoded through a {@link StringCache} give exactly the values of the plain decoder. */
class StringCacheTest {
    private static final String[] POOL = {
        "", "a", "en.wikipedia", "#en.wikipedia", "héllo ✓", "😀 surrogates \uD83D\uDE00", "true", "false",
        "x".repeat(48), "y".repeat(49), "z".repeat(300), "trailing\u0000nul", "Ω≈ç√∫", "\uFFFF"
    };

    private static String randomString(Random rnd) {
        if (rnd.nextInt(3) == 0) {
            return POOL[rnd.nextInt(POOL.length)];
        }
        int len = rnd.nextInt(rnd.nextBoolean() ? 8 : 90);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) {
            int kind = rnd.nextInt(10);
            b.append(kind < 7 ? (char) ('a' + rnd.nextInt(3)) : kind < 9 ? (char) (0x80 + rnd.nextInt(0x3000))
                    : (char) 0xD83D);
        }
        return b.toString();
    }

    private static Object randomValue(Random rnd, int column) {
        int k = rnd.nextInt(12);
        return switch (column % 4) {
            case 0 -> k == 0 ? null : randomString(rnd);
            case 1 -> k == 0 ? null : k < 4 ? List.of(randomString(rnd), randomString(rnd))
                    : k < 5 ? Arrays.asList("a", null) : randomString(rnd);
            case 2 -> k == 0 ? null : k < 6 ? (Object) rnd.nextLong() : k < 9 ? (Object) rnd.nextDouble()
                    : (Object) rnd.nextFloat();
            default -> k == 0 ? null : k < 3 ? new byte[] {1, 2, (byte) k} : k < 5 ? Map.of("k", k)
                    : randomString(rnd);
        };
    }

    @Test
    void decodesTheSameRowsAsThePlainReader() {
        RowSignature sig = RowSignature.builder()
                .add("s", ColumnType.STRING)
                .add("m", ColumnType.STRING)
                .add("n", ColumnType.LONG)
                .add("o", ColumnType.COMPLEX_JSON)
                .add("s2", ColumnType.STRING)
                .build();
        Random rnd = new Random(42);
        StringCache cache = new StringCache(sig.size());
        int compared = 0;
        for (int f = 0; f < 20; f++) {
            FrameWriter w = new FrameWriter(sig, 200_000);
            Object[] row = new Object[sig.size()];
            while (true) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = randomValue(rnd, c);
                }
                if (!w.add(row)) {
                    break;
                }
            }
            Frame frame = w.build();
            RowSource plain = FrameReader.rows(sig, frame);
            RowSource cached = FrameReader.rows(sig.size(), frame, cache);
            Object[] a;
            while ((a = plain.next()) != null) {
                Object[] b = cached.next();
                assertThat(b).hasSize(a.length);
                for (int c = 0; c < a.length; c++) {
                    if (a[c] instanceof byte[] bytes) {
                        assertThat((byte[]) b[c]).isEqualTo(bytes);
                    } else {
                        assertThat(b[c]).isEqualTo(a[c]);
                        if (a[c] != null) {
                            assertThat(b[c].getClass()).isEqualTo(a[c].getClass());
                        }
                    }
                }
                compared++;
            }
            assertThat(cached.next()).isNull();
        }
        assertThat(compared).isGreaterThan(10_000);
    }

    @Test
    void repeatedShortValuesShareOneInstanceLongOnesAreDecodedFresh() {
        StringCache cache = new StringCache(2);
        byte[] buf = "xxen.wikipediaxx".getBytes(StandardCharsets.UTF_8);
        String first = cache.decode(0, buf, 2, 12);
        String second = cache.decode(0, Arrays.copyOf(buf, buf.length), 2, 12);
        assertThat(first).isEqualTo("en.wikipedia").isSameAs(second);
        // another column has its own slots; an out-of-range column is decoded without the cache
        assertThat(cache.decode(1, buf, 2, 12)).isEqualTo("en.wikipedia").isNotSameAs(first);
        assertThat(cache.decode(7, buf, 2, 12)).isEqualTo("en.wikipedia");
        byte[] longValue = "q".repeat(StringCache.MAX_CACHED_BYTES + 1).getBytes(StandardCharsets.UTF_8);
        String l1 = cache.decode(0, longValue, 0, longValue.length);
        assertThat(l1).isEqualTo("q".repeat(StringCache.MAX_CACHED_BYTES + 1));
        assertThat(cache.decode(0, longValue, 0, longValue.length)).isNotSameAs(l1);
    }

    @Test
    void malformedUtf8AndSlotCollisionsDecodeAsNewStringWould() {
        StringCache cache = new StringCache(1);
        Random rnd = new Random(7);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) { // far more values than slots: every slot is replaced many times
            byte[] b = new byte[rnd.nextInt(6)];
            rnd.nextBytes(b);
            values.add(b);
        }
        for (int round = 0; round < 2; round++) {
            for (byte[] b : values) {
                assertThat(cache.decode(0, b, 0, b.length)).isEqualTo(new String(b, StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aColumnOfDistinctValuesIsDecodedWithoutTheCacheAndStillEqual() {
        StringCache cache = new StringCache(2);
        byte[] same = "repeated".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < StringCache.PROBE_WINDOW; i++) {
            byte[] distinct = ("v" + i).getBytes(StandardCharsets.UTF_8);
            assertThat(cache.decode(0, distinct, 0, distinct.length)).isEqualTo("v" + i);
            cache.decode(1, same, 0, same.length);
        }
        // column 0 had no hits in its window: now bypassed; column 1 still shares its value
        String a = cache.decode(0, same, 0, same.length);
        String b = cache.decode(0, same, 0, same.length);
        assertThat(a).isEqualTo("repeated").isEqualTo(b).isNotSameAs(b);
        assertThat(cache.decode(1, same, 0, same.length)).isSameAs(cache.decode(1, same, 0, same.length));
    }
}
