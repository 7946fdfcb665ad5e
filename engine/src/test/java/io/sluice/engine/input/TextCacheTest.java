package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TextCacheTest {
    private static String read(TextCache cache, int column, String value) {
        char[] buf = ("..." + value + "..").toCharArray(); // the value inside a larger buffer, as a parser holds it
        return cache.active(column) ? cache.text(column, buf, 3, value.length()) : value + "";
    }

    @Test
    void valuesEqualTheTextAndRepeatsShareOneInstance() {
        TextCache cache = new TextCache(2);
        Random r = new Random(8);
        for (int i = 0; i < 50_000; i++) {
            // colliding slots, empty, long and surrogate values included
            String v = switch (r.nextInt(5)) {
                case 0 -> "";
                case 1 -> "v" + r.nextInt(5_000);
                case 2 -> "y".repeat(TextCache.MAX_CACHED_CHARS + r.nextInt(3));
                case 3 -> "\uD83D\uDE00" + r.nextInt(3);
                default -> "channel" + r.nextInt(4);
            };
            assertThat(read(cache, 0, v)).isEqualTo(v);
        }
        assertThat(read(cache, 1, "en")).isSameAs(read(cache, 1, "en"));
    }

    @Test
    void aColumnOfDistinctValuesStepsAsideForAWhile() {
        TextCache cache = new TextCache(1);
        for (int i = 0; i < TextCache.PROBE_WINDOW; i++) {
            assertThat(read(cache, 0, "d" + i)).isEqualTo("d" + i);
        }
        assertThat(cache.active(0)).isFalse();
    }
}
