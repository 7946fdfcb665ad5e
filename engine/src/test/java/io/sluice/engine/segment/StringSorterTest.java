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

    @Test
    void orderGivesThePositionsInSortedOrderWithoutMovingTheStrings() {
        Random r = new Random(12);
        for (int n : new int[] {0, 1, 63, 64, 3000}) {
            java.util.Set<String> distinct = new java.util.LinkedHashSet<>();
            while (distinct.size() < n) {
                distinct.add(random(r) + random(r));
            }
            String[] a = distinct.toArray(new String[0]);
            String[] before = a.clone();
            int[] p = StringSorter.order(a);
            assertThat(a).containsExactly(before);
            String[] expected = a.clone();
            Arrays.sort(expected);
            String[] got = new String[n];
            for (int i = 0; i < n; i++) {
                got[i] = a[p[i]];
            }
            assertThat(got).containsExactly(expected);
        }
        // past the prefix depth: long shared prefixes fall back to a comparison sort
        String[] deep = new String[500];
        for (int i = 0; i < deep.length; i++) {
            deep[i] = "x".repeat(70) + (deep.length - i);
        }
        int[] p = StringSorter.order(deep);
        String[] expected = deep.clone();
        Arrays.sort(expected);
        for (int i = 0; i < deep.length; i++) {
            assertThat(deep[p[i]]).isEqualTo(expected[i]);
        }
    }
}
