package io.sluice.engine.exec;

import java.util.List;

/** Rough heap-size estimates of rows, for memory budgets. */
public final class RowSizes {
    private RowSizes() {}

    public static long estimate(Object[] row) {
        long size = 16 + 8L * row.length;
        for (Object v : row) {
            size += estimateValue(v);
        }
        return size;
    }

    private static long estimateValue(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof String s) {
            return 40 + s.length();
        }
        if (v instanceof byte[] b) {
            return 16 + b.length;
        }
        if (v instanceof List<?> l) {
            long n = 24 + 8L * l.size();
            for (Object o : l) {
                n += estimateValue(o);
            }
            return n;
        }
        return 16;
    }
}
