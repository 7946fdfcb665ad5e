package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringSorterTest {
    private static String random(Random r) {
        String[] prefixes = {"", "a", "ab", "abc", "abcd", "abcde", "/* ", "Talk:", "\u0000", "a\u0000", "\uFFFF",
            "\uD83D\uDE00", "\uE000", "é"};
        StringBuilder sb = new StringBuilder(prefixes[r.nextInt(prefixes.length)]);
        int extra = r.nextInt(6);
        for (int i = 0; i < extra; i++) {
            int kind = r.nextInt(10);
            sb.append(kind < 6 ? (char) ('a' + r.nextInt(4)) : kind < 8 ? (char) r.nextInt(0x300)
                    : kind == 8 ? (char) (0xD800 + r.nextInt(0x800)) : (char) (0xE000 + r.nextInt(0x2000)));
        }
        return sb.toString();
    }

    @Test
    void sortsLikeStringCompareTo() {
        Random r = new Random(11);
        for (int n : new int[] {0, 1, 5, 63, 64, 65, 1000, 50_000}) {
            String[] a = new String[n];
            for (int i = 0; i < n; i++) {
                a[i] = random(r);
            }
            String[] expected = a.clone();
            Arrays.sort(expected);
            StringSorter.sort(a);
            assertThat(a).containsExactly(expected);
        }
    }

    @Test
    void manyEqualPrefixesAndAlreadySortedInput() {
        String[] a = new String[20_000];
        for (int i = 0; i < a.length; i++) {
            a[i] = "same prefix " + (a.length - i);
        }
        String[] expected = a.clone();
        Arrays.sort(expected);
        StringSorter.sort(a);
        assertThat(a).containsExactly(expected);
        StringSorter.sort(a);
        assertThat(a).containsExactly(expected);
    }

    @Test
    void stringsEqualUpToTrailingNulsOrLongCommonPrefixes() {
        java.util.List<String> list = new java.util.ArrayList<>();
        for (int k = 0; k < 150; k++) {
            list.add("x" + "\u0000".repeat(k));
            list.add("p".repeat(100) + k);
        }
        java.util.Collections.shuffle(list, new Random(5));
        String[] a = list.toArray(new String[0]);
        String[] expected = a.clone();
        Arrays.sort(expected);
        StringSorter.sort(a);
        assertThat(a).containsExactly(expected);
    }
}
