package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8DictionaryTest {
    private static final String[] PARTS = {"", "a", "ab", "\u0000", "Wikipedia:", "User:", "é", "\uD83D\uDE00", "\uFFFD",
        "z", "abcd", "abcde", " ", "\uE000", "\uEFFF", "\uF900", "\uD7FF", "\uDBFF\uDFFF", "\u07FF", "\u0800"};

    private static String randomString(Random rnd) {
        StringBuilder b = new StringBuilder();
        int parts = rnd.nextInt(5);
        for (int i = 0; i < parts; i++) {
            b.append(PARTS[rnd.nextInt(PARTS.length)]);
        }
        return b.toString();
    }

    @Test
    void internsEachValueOnceAndGivesItBack() {
        Random rnd = new Random(7);
        Utf8Dictionary d = new Utf8Dictionary();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            String s = rnd.nextInt(50) == 0 ? null : randomString(rnd) + (rnd.nextBoolean() ? rnd.nextInt(3000) : "");
            int id = rnd.nextBoolean() || s == null ? d.intern(s) : internBytes(d, s);
            Integer before = seen.putIfAbsent(s, id);
            assertThat(id).isEqualTo(before == null ? seen.size() - 1 : before);
        }
        assertThat(d.size()).isEqualTo(seen.size());
        seen.forEach((s, id) -> {
            assertThat(d.value(id)).isEqualTo(s);
            assertThat(d.isNull(id)).isEqualTo(s == null);
        });
    }

    /** Interns from the middle of a larger array, as from a segment's dictionary bytes. */
    private static int internBytes(Utf8Dictionary d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[b.length + 6];
        Arrays.fill(padded, (byte) 'x');
        System.arraycopy(b, 0, padded, 3, b.length);
        return d.intern(padded, 3, b.length);
    }

    @Test
    void sortsIdsByUnsignedUtf8BytesWithNullFirst() {
        Random rnd = new Random(11);
        for (int round = 0; round < 20; round++) {
            Utf8Dictionary d = new Utf8Dictionary();
            List<String> values = new ArrayList<>();
            int n = rnd.nextInt(round < 10 ? 30 : 5000);
            for (int i = 0; i < n; i++) {
                String s = rnd.nextInt(20) == 0 ? null : randomString(rnd);
                int before = d.size();
                if (d.intern(s) == before) {
                    values.add(s);
                }
            }
            Comparator<String> byBytes = (a, b) -> Arrays.compareUnsigned(
                    a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
            values.sort(Comparator.nullsFirst(byBytes));
            List<String> sorted = new ArrayList<>();
            for (int id : d.sortedIds()) {
                sorted.add(d.value(id));
            }
            assertThat(sorted).containsExactlyElementsOf(values);
        }
    }

    @Test
    void sortsIdsInStringCompareToOrderWhenAsked() {
        // String.compareTo compares UTF-16 units: supplementary characters (surrogates) before U+E000..U+FFFF, where
        // their UTF-8 bytes sort after
        Random rnd = new Random(12);
        for (int round = 0; round < 20; round++) {
            Utf8Dictionary d = new Utf8Dictionary();
            List<String> values = new ArrayList<>();
            int n = rnd.nextInt(round < 10 ? 30 : 5000);
            for (int i = 0; i < n; i++) {
                String s = randomString(rnd);
                int before = d.size();
                if (d.intern(s) == before) {
                    values.add(s);
                }
            }
            values.sort(Comparator.naturalOrder());
            List<String> sorted = new ArrayList<>();
            for (int id : d.sortedIds(true)) {
                sorted.add(d.value(id));
            }
            assertThat(sorted).containsExactlyElementsOf(values);
        }
        Utf8Dictionary d = new Utf8Dictionary();
        int bmp = d.intern("\uE000");
        int supplementary = d.intern("\uD83D\uDE00");
        assertThat(d.sortedIds(true)).containsExactly(supplementary, bmp);
        assertThat(d.sortedIds(false)).containsExactly(bmp, supplementary);
    }

    @Test
    void sortsValuesWithLongSharedPrefixesInEveryKeyWindowBothOrders() {
        // groups of values agreeing on many windows, of sizes around the insertion-sort and radix thresholds, values
        // that are prefixes of others, and the bytes whose order differs between the two orders
        Random rnd = new Random(13);
        String[] prefixes = {"", "Talk:", "User talk:Wikipedia", "Category:Articles with unsourced statements from ",
            "\uE000\uE001", "\uD83D\uDE00x", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg"};
        int[] groupSizes = {1, 2, Utf8Dictionary.SMALL_GROUP, Utf8Dictionary.SMALL_GROUP + 1,
            Utf8Dictionary.RADIX_GROUP, Utf8Dictionary.RADIX_GROUP + 1, 300}; // under 4096 values: windows up to 6
        Utf8Dictionary d = new Utf8Dictionary();
        List<String> values = new ArrayList<>();
        for (String prefix : prefixes) {
            int size = groupSizes[rnd.nextInt(groupSizes.length)];
            for (int i = 0; i < size; i++) {
                String s = prefix + (rnd.nextInt(4) == 0 ? "" : randomString(rnd)) + (i % 3 == 0 ? "" : i);
                int before = d.size();
                if (d.intern(s) == before) {
                    values.add(s);
                }
            }
        }
        Comparator<String> byBytes = (a, b) -> Arrays.compareUnsigned(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
        List<String> byCodePoints = new ArrayList<>(values);
        byCodePoints.sort(byBytes);
        List<String> byUtf16 = new ArrayList<>(values);
        byUtf16.sort(Comparator.naturalOrder());
        assertThat(byUtf16).isNotEqualTo(byCodePoints); // the two orders are both tried where they differ
        for (int window = 4; window <= 6; window++) {
            for (boolean utf16 : new boolean[] {false, true}) {
                int[] ids = new int[d.size()];
                Arrays.setAll(ids, i -> i);
                Utf8Dictionary.sort(new Utf8Dictionary[] {d}, 0, ids, 0, ids.length, utf16, window);
                List<String> sorted = new ArrayList<>();
                for (int id : ids) {
                    sorted.add(d.value(id));
                }
                assertThat(sorted).as("window %d, UTF-16 order %s", window, utf16)
                        .containsExactlyElementsOf(utf16 ? byUtf16 : byCodePoints);
            }
        }
        assertThat(Arrays.stream(d.sortedIds(true)).mapToObj(d::value).toList()).containsExactlyElementsOf(byUtf16);
    }

    @Test
    void aValueGetsOneIdWhereverItsBytesLieAndWhateverSurroundsThem() {
        // hashes read a short tail as one word and short values compare as one masked word: bytes before and after
        // a value (other values, garbage) must not count, whether the value sits at an array's start, middle or end
        Random rnd = new Random(17);
        Utf8Dictionary fresh = new Utf8Dictionary();
        Utf8Dictionary placed = new Utf8Dictionary();
        Utf8Dictionary batched = new Utf8Dictionary();
        for (int i = 0; i < 5_000; i++) {
            String text = randomString(rnd) + (rnd.nextBoolean() ? "" : rnd.nextInt(40));
            byte[] value = text.getBytes(StandardCharsets.UTF_8);
            if (value.length > 20) {
                value = Arrays.copyOf(value, rnd.nextInt(21)); // mostly short values: under a word, or a few
            }
            int before = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(12);
            int after = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(12);
            byte[] around = new byte[before + value.length + after];
            rnd.nextBytes(around);
            System.arraycopy(value, 0, around, before, value.length);
            int id = fresh.intern(value, 0, value.length);
            assertThat(placed.intern(around, before, value.length)).isEqualTo(id);
            int[] out = new int[1];
            batched.internBatch(around, new int[] {before}, new int[] {value.length}, 1, out);
            assertThat(out[0]).isEqualTo(id);
        }
        assertThat(placed.size()).isEqualTo(fresh.size());
        assertThat(batched.size()).isEqualTo(fresh.size());
    }

    @Test
    void theKeyWindowShrinksAsIdsGrow() {
        assertThat(Utf8Dictionary.windowFor(12)).isEqualTo(6);
        assertThat(Utf8Dictionary.windowFor(13)).isEqualTo(5);
        assertThat(Utf8Dictionary.windowFor(20)).isEqualTo(5);
        assertThat(Utf8Dictionary.windowFor(21)).isEqualTo(4);
        assertThat(Utf8Dictionary.windowFor(23)).isEqualTo(4);
    }

    @Test
    void aDictionarySizedAheadGivesTheSameIdsAndHoldsItsValuesWithoutGrowingItsTable() {
        Random rnd = new Random(3);
        Utf8Dictionary plain = new Utf8Dictionary();
        Utf8Dictionary sized = new Utf8Dictionary(20_000);
        long sizedBefore = sized.memoryBytes();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            values.add(i % 7 == 0 ? null : "v" + rnd.nextInt(15_000) + (i % 3 == 0 ? "é😀" : ""));
        }
        for (String v : values) {
            assertThat(sized.intern(v)).isEqualTo(plain.intern(v));
        }
        assertThat(sized.size()).isEqualTo(plain.size()).isLessThan(20_000);
        for (int id = 0; id < plain.size(); id++) {
            assertThat(sized.value(id)).isEqualTo(plain.value(id));
        }
        assertThat(sized.sortedIds()).containsExactly(plain.sortedIds());
        assertThat(new Utf8Dictionary(0).memoryBytes()).isEqualTo(new Utf8Dictionary().memoryBytes());
        // only the byte arena grew: the table and the id array were big enough from the start
        long arenaGrowth = sized.memoryBytes() - sizedBefore;
        assertThat(arenaGrowth).isLessThan(400_000L); // a doubled table alone would add 512 KiB
    }

    @Test
    void aBatchGetsTheIdsOneByOneInterningGivesAndNoValueGetsMinusOne() {
        Random rnd = new Random(13);
        Utf8Dictionary batched = new Utf8Dictionary();
        Utf8Dictionary single = new Utf8Dictionary();
        byte[] bytes = new byte[1 << 16];
        int[] starts = new int[256];
        int[] lengths = new int[256];
        int[] out = new int[256];
        for (int round = 0; round < 400; round++) { // grows the table many times
            int n = 1 + rnd.nextInt(256);
            int used = 0;
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(10) == 0) {
                    lengths[i] = -1;
                    continue;
                }
                byte[] v = ("v" + rnd.nextInt(round * 40 + 10) + (rnd.nextBoolean() ? "é日本" : "")).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8);
                System.arraycopy(v, 0, bytes, used, v.length);
                starts[i] = used;
                lengths[i] = v.length;
                used += v.length;
            }
            batched.internBatch(bytes, starts, lengths, n, out);
            for (int i = 0; i < n; i++) {
                int expected = lengths[i] < 0 ? -1 : single.intern(bytes, starts[i], lengths[i]);
                assertThat(out[i]).isEqualTo(expected);
            }
        }
        assertThat(batched.size()).isEqualTo(single.size()).isGreaterThan(5_000);
    }
}
