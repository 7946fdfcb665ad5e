package io.sluice.engine.segment;

import java.util.Arrays;

/** A growable int array. */
final class IntList {
    private int[] a;
    private int size;

    IntList() {
        this(1024);
    }

    IntList(int capacity) {
        a = new int[Math.max(16, capacity)];
    }

    void add(int v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[size++] = v;
    }

    int get(int i) {
        return a[i];
    }

    /** The backing array (valid up to {@link #size()}). */
    int[] array() {
        return a;
    }

    int size() {
        return size;
    }
}
