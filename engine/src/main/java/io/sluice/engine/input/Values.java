package io.sluice.engine.input;

import io.sluice.engine.types.ColumnType;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Conversions of external text values to a column type, Druid-style: what does not convert becomes null. */
final class Values {
    private Values() {}

    /**
     * A long from text: an integer, or a decimal/exponent number truncated toward zero; null if not a number or out
     * of range.
     */
    static Long parseLong(String s) {
        int len = s.length();
        if (len == 0) {
            return null;
        }
        int i = 0;
        boolean neg = false;
        char c0 = s.charAt(0);
        if (c0 == '-' || c0 == '+') {
            neg = c0 == '-';
            i = 1;
            if (len == 1) {
                return null;
            }
        }
        if (len - i <= 18) {
            long v = 0;
            int j = i;
            for (; j < len; j++) {
                char c = s.charAt(j);
                if (c < '0' || c > '9') {
                    break;
                }
                v = v * 10 + (c - '0');
            }
            if (j == len) {
                return neg ? -v : v;
            }
        }
        Double d = parseDouble(s);
        if (d == null || d.isNaN() || d.isInfinite()) {
            return null;
        }
        if (len - i > 18 && isAllDigits(s, i)) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        double v = d;
        if (v >= 0x1p63 || v < -0x1p63) {
            return null;
        }
        return (long) v;
    }

    private static boolean isAllDigits(String s, int from) {
        for (int j = from; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A double from text (decimal, exponent, NaN, Infinity); null if not a number. No surrounding whitespace. */
    static Double parseDouble(String s) {
        int len = s.length();
        if (len == 0) {
            return null;
        }
        char first = s.charAt(0);
        char last = s.charAt(len - 1);
        // Double.parseDouble tolerates whitespace and a d/f suffix; Druid's parsing does not.
        if (first <= ' ' || last <= ' ' || last == 'd' || last == 'D' || last == 'f' || last == 'F') {
            return null;
        }
        if (!(first == '-' || first == '+' || first == '.' || (first >= '0' && first <= '9') || first == 'N'
                || first == 'I')) {
            return null;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Converts one text field (CSV/TSV) to the column type. A field holding {@code listDelimiter} is a multi-value
     * string for STRING columns and an array for array columns. Empty text is null for non-string columns.
     */
    static Object fromText(String s, ColumnType type, String listDelimiter) {
        if (s == null) {
            return null;
        }
        switch (type) {
            case STRING:
                if (!listDelimiter.isEmpty() && s.contains(listDelimiter)) {
                    return split(s, listDelimiter);
                }
                return s;
            case LONG:
                return parseLong(s);
            case FLOAT: {
                Double d = parseDouble(s);
                return d == null ? null : d.floatValue();
            }
            case DOUBLE:
                return parseDouble(s);
            case STRING_ARRAY:
                return s.isEmpty() ? null : split(s, listDelimiter);
            case LONG_ARRAY:
            case DOUBLE_ARRAY: {
                if (s.isEmpty()) {
                    return null;
                }
                List<String> parts = split(s, listDelimiter);
                Object[] out = new Object[parts.size()];
                for (int i = 0; i < out.length; i++) {
                    if (type == ColumnType.LONG_ARRAY) {
                        out[i] = parseLong(parts.get(i));
                    } else {
                        out[i] = parseDouble(parts.get(i));
                    }
                }
                return Collections.unmodifiableList(Arrays.asList(out));
            }
            case COMPLEX_JSON:
                return s;
            default:
                return null;
        }
    }

    /** Splits on a literal delimiter (no regex). */
    static List<String> split(String s, String delimiter) {
        if (delimiter.isEmpty()) {
            return List.of(s);
        }
        int count = 1;
        for (int i = s.indexOf(delimiter); i >= 0; i = s.indexOf(delimiter, i + delimiter.length())) {
            count++;
        }
        String[] out = new String[count];
        int from = 0;
        for (int k = 0; k < count - 1; k++) {
            int at = s.indexOf(delimiter, from);
            out[k] = s.substring(from, at);
            from = at + delimiter.length();
        }
        out[count - 1] = s.substring(from);
        return List.of(out);
    }
}
