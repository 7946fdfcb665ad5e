package io.sluice.engine.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyCodecTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("s", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .build();

    private static final String[] STRINGS = {"", "a", "ab", "abc", "b", "a\u0000", "a\u0000b", "é", "z", "zz", "😀"};

    private static Object[] randomRow(Random r) {
        return new Object[] {
            r.nextInt(8) == 0 ? null : STRINGS[r.nextInt(STRINGS.length)],
            r.nextInt(8) == 0 ? null : (long) (r.nextInt(21) - 10) * (r.nextBoolean() ? 1 : Long.MAX_VALUE / 20),
            r.nextInt(8) == 0 ? null : (r.nextInt(41) - 20) / 4.0
        };
    }

    /** SQL order with Druid's null placement: nulls first ascending, last descending. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<Object[]> sqlOrder(boolean[] desc) {
        return (a, b) -> {
            for (int i = 0; i < a.length; i++) {
                Object x = a[i];
                Object y = b[i];
                int c;
                if (x == null || y == null) {
                    c = x == y ? 0 : (x == null ? -1 : 1);
                } else if (x instanceof String s) {
                    // code point order = UTF-8 byte order
                    c = compareCodePoints(s, (String) y);
                } else {
                    c = ((Comparable) x).compareTo(y);
                }
                if (c != 0) {
                    return desc[i] ? -c : c;
                }
            }
            return 0;
        };
    }

    private static int compareCodePoints(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        return java.util.Arrays.compare(x, y);
    }

    private void check(boolean[] desc) {
        List<KeyColumn> keys = new ArrayList<>();
        String[] names = {"s", "l", "d"};
        for (int i = 0; i < 3; i++) {
            keys.add(desc[i] ? KeyColumn.desc(names[i]) : KeyColumn.asc(names[i]));
        }
        KeyCodec codec = new KeyCodec(SIG, keys);
        Random r = new Random(42);
        Comparator<Object[]> order = sqlOrder(desc);
        for (int i = 0; i < 20_000; i++) {
            Object[] a = randomRow(r);
            Object[] b = randomRow(r);
            int expected = Integer.signum(order.compare(a, b));
            int actual = Integer.signum(KeyCodec.compare(codec.encode(a), codec.encode(b)));
            assertThat(actual)
                    .as("%s vs %s", java.util.Arrays.toString(a), java.util.Arrays.toString(b))
                    .isEqualTo(expected);
        }
    }

    @Test
    void ascendingOrderMatchesSqlOrder() {
        check(new boolean[] {false, false, false});
    }

    @Test
    void descendingAndMixedOrderMatchSqlOrder() {
        check(new boolean[] {true, true, true});
        check(new boolean[] {false, true, false});
        check(new boolean[] {true, false, true});
    }

    @Test
    void prefixLengthFindsBucket() {
        KeyCodec codec = new KeyCodec(SIG, List.of(KeyColumn.desc("s"), KeyColumn.asc("l"), KeyColumn.asc("d")));
        byte[] k1 = codec.encode(new Object[] {"abc", 5L, 1.0});
        byte[] k2 = codec.encode(new Object[] {"abc", 7L, null});
        int p1 = codec.prefixLength(k1, 1);
        assertThat(p1).isEqualTo(codec.prefixLength(k2, 1));
        assertThat(java.util.Arrays.copyOf(k1, p1)).isEqualTo(java.util.Arrays.copyOf(k2, p1));
        assertThat(codec.prefixLength(k1, 3)).isEqualTo(k1.length);
        assertThat(codec.prefixLength(k2, 3)).isEqualTo(k2.length);
        assertThat(codec.prefixLength(k1, 0)).isZero();
    }

    @Test
    void arraysAndMultiValueKeysSortAndSkip() {
        RowSignature sig = RowSignature.builder()
                .add("a", ColumnType.LONG_ARRAY)
                .add("m", ColumnType.STRING)
                .add("x", ColumnType.LONG)
                .build();
        KeyCodec codec = new KeyCodec(sig, List.of(KeyColumn.asc("a"), KeyColumn.asc("m"), KeyColumn.asc("x")));
        byte[] a = codec.encode(new Object[] {List.of(1L), "b", 1L});
        byte[] b = codec.encode(new Object[] {List.of(1L, 2L), "a", 1L});
        byte[] c = codec.encode(new Object[] {List.of(2L), List.of("a", "b"), 1L});
        assertThat(KeyCodec.compare(a, b)).isNegative();
        assertThat(KeyCodec.compare(b, c)).isNegative();
        assertThat(codec.prefixLength(c, 3)).isEqualTo(c.length);
        assertThat(codec.prefixLength(b, 3)).isEqualTo(b.length);
    }

    @Test
    void undecodedRowsGiveTheKeysOfTheirValues() {
        // the columns of the earlier tests, a multi-value STRING, a LONG array, and values of another type than
        // their column's (a string in a LONG column, a long in a STRING one), each ascending and descending
        RowSignature sig = RowSignature.builder()
                .add("s", ColumnType.STRING)
                .add("l", ColumnType.LONG)
                .add("d", ColumnType.DOUBLE)
                .add("a", ColumnType.LONG_ARRAY)
                .build();
        Random r = new Random(11);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Object[] row = randomRow(r);
            row = java.util.Arrays.copyOf(row, 4);
            switch (r.nextInt(10)) {
                case 0 -> row[0] = List.of(STRINGS[r.nextInt(STRINGS.length)], "m");
                case 1 -> row[0] = 7L;
                case 2 -> row[1] = "12";
                default -> { }
            }
            row[3] = r.nextBoolean() ? null : List.of((long) r.nextInt(5), (long) r.nextInt(5));
            rows.add(row);
        }
        FrameWriter writer = new FrameWriter(sig, 1 << 22);
        for (Object[] row : rows) {
            assertThat(writer.add(row)).isTrue();
        }
        Frame frame = writer.build();
        for (boolean desc : new boolean[] {false, true}) {
            List<KeyColumn> keys = new ArrayList<>();
            for (String c : List.of("a", "s", "d", "l")) {
                keys.add(desc ? KeyColumn.desc(c) : KeyColumn.asc(c));
            }
            KeyCodec codec = new KeyCodec(sig, keys);
            KeyCodec fromBytes = new KeyCodec(sig, keys);
            io.sluice.engine.rows.EncodedRowSource in = FrameReader.rows(sig.size(), frame);
            int[] offsets = new int[sig.size()];
            for (Object[] row : rows) {
                assertThat(in.advance(offsets)).isTrue();
                assertThat(fromBytes.encode(in.buffer(), offsets))
                        .as("%s", java.util.Arrays.deepToString(row))
                        .isEqualTo(codec.encode(row));
            }
            assertThat(in.advance(offsets)).isFalse();
        }
    }
}
