package io.sluice.engine.segment;

/**
 * Sorts strings into {@link String#compareTo} order faster than a comparison sort of the strings alone: each
 * string's first four UTF-16 units become a 64-bit key, the keys (with the strings' positions) are sorted as
 * primitives, and runs of equal keys are sorted the same way on their next four units (a most-significant-digit
 * radix sort), falling back to comparison for small runs. A missing unit counts as 0, the smallest, so a string
 * sorts before its extensions either way.
 */
final class StringSorter {
    private static final int SMALL = 64;
    /** Past this many equal leading chars, the rest is left to a comparison sort. */
    private static final int MAX_DEPTH = 64;

    private StringSorter() {}

    static void sort(String[] a) {
        int[] p = order(a);
        String[] sorted = new String[a.length];
        for (int i = 0; i < p.length; i++) {
            sorted[i] = a[p[i]];
        }
        System.arraycopy(sorted, 0, a, 0, a.length);
    }

    /** The positions of {@code a}'s strings in {@link String#compareTo} order; {@code a} is left as it is. */
    static int[] order(String[] a) {
        int[] p = new int[a.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        order(a, p, 0, a.length, 0);
        return p;
    }

    /** Sorts positions {@code p[from, to)}, whose strings all share their first {@code depth} chars. */
    private static void order(String[] a, int[] p, int from, int to, int depth) {
        LongKeySort.radixOrder(p, from, to, depth, 4, SMALL, MAX_DEPTH, (position, d) -> prefix(a[position], d),
                (x, y) -> a[x].compareTo(a[y]));
    }

    /** Chars {@code depth .. depth + 3} as an unsigned 64-bit number, shifted into signed order. */
    private static long prefix(String s, int depth) {
        int len = s.length();
        long k = 0;
        for (int i = depth; i < depth + 4; i++) {
            k = (k << 16) | (i < len ? s.charAt(i) : 0);
        }
        return k ^ Long.MIN_VALUE;
    }
}
