package io.sluice.engine.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExprEvaluatorTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("s", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("n", ColumnType.LONG)
            .add("t", ColumnType.LONG)
            .add("arr", ColumnType.STRING_ARRAY)
            .add("js", ColumnType.STRING)
            .build();

    private static final Object[] ROW = {
        "Hello", 7L, 2.5d, null, 946684800000L /* 2000-01-01 */, List.of("a", "b"), "{\"a\":{\"b\":[10,\"x\"]}}"
    };

    private static Expr col(String c) {
        return new ColumnRef(c);
    }

    private static Expr lit(Object v) {
        if (v == null) {
            return Literal.ofNull(ColumnType.STRING);
        }
        if (v instanceof String s) {
            return Literal.of(s);
        }
        if (v instanceof Double d) {
            return Literal.of(d);
        }
        return Literal.of(((Number) v).longValue());
    }

    private static Object eval(Fn fn, Expr... args) {
        return ExprEvaluator.compile(Call.of(fn, args), SIG).eval(ROW);
    }

    private static final Set<Fn> TESTED = EnumSet.noneOf(Fn.class);

    private static Object ev(Fn fn, Object... args) {
        TESTED.add(fn);
        Expr[] e = new Expr[args.length];
        for (int i = 0; i < args.length; i++) {
            e[i] = args[i] instanceof Expr x ? x : lit(args[i]);
        }
        return eval(fn, e);
    }

    @Test
    void columnsAndUnknownColumns() {
        assertThat(ExprEvaluator.compile(col("l"), SIG).eval(ROW)).isEqualTo(7L);
        assertThat(ExprEvaluator.compile(col("missing"), SIG).eval(ROW)).isNull();
        assertThatThrownBy(() -> ExprEvaluator.compile(new Call("nope", List.of()), SIG))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void arithmeticPromotionAndNulls() {
        assertThat(ev(Fn.ADD, col("l"), 3L)).isEqualTo(10L);
        assertThat(ev(Fn.ADD, col("l"), col("d"))).isEqualTo(9.5d);
        assertThat(ev(Fn.ADD, col("s"), 1L)).isEqualTo("Hello1");
        assertThat(ev(Fn.ADD, col("n"), 1L)).isNull();
        assertThat(ev(Fn.SUBTRACT, 3L, 5L)).isEqualTo(-2L);
        assertThat(ev(Fn.MULTIPLY, col("l"), 2.0)).isEqualTo(14.0);
        assertThat(ev(Fn.DIVIDE, 7L, 2L)).isEqualTo(3L);
        assertThat(ev(Fn.DIVIDE, 7L, 0L)).isNull();
        assertThat(ev(Fn.DIVIDE, 7.0, 2L)).isEqualTo(3.5);
        assertThat(ev(Fn.MOD, 7L, 3L)).isEqualTo(1L);
        assertThat(ev(Fn.MOD, 7L, 0L)).isNull();
        assertThat(ev(Fn.NEGATE, col("l"))).isEqualTo(-7L);
        assertThat(ev(Fn.NEGATE, col("n"))).isNull();
        assertThat(ev(Fn.SAFE_DIVIDE, 7L, 0L)).isNull();
        assertThat(ev(Fn.SAFE_DIVIDE, 8.0, 2L)).isEqualTo(4.0);
        assertThat(ev(Fn.SUBTRACT, "10", 4L)).isEqualTo(6L);
        assertThat(ev(Fn.SUBTRACT, "x", 4L)).isNull();
    }

    @Test
    void comparisonsAndThreeValuedLogic() {
        assertThat(ev(Fn.EQ, col("l"), 7L)).isEqualTo(1L);
        assertThat(ev(Fn.EQ, col("l"), 7.0)).isEqualTo(1L);
        assertThat(ev(Fn.NE, col("l"), 7L)).isEqualTo(0L);
        assertThat(ev(Fn.LT, "a", "b")).isEqualTo(1L);
        assertThat(ev(Fn.LE, "10", 9L)).isEqualTo(0L);
        assertThat(ev(Fn.GT, col("d"), 2L)).isEqualTo(1L);
        assertThat(ev(Fn.GE, col("n"), 2L)).isNull();
        Expr t = lit(1L);
        Expr f = lit(0L);
        Expr n = lit(null);
        assertThat(ev(Fn.AND, t, t)).isEqualTo(1L);
        assertThat(ev(Fn.AND, t, n)).isNull();
        assertThat(ev(Fn.AND, f, n)).isEqualTo(0L);
        assertThat(ev(Fn.OR, f, n)).isNull();
        assertThat(ev(Fn.OR, t, n)).isEqualTo(1L);
        assertThat(ev(Fn.OR, f, f)).isEqualTo(0L);
        assertThat(ev(Fn.NOT, f)).isEqualTo(1L);
        assertThat(ev(Fn.NOT, n)).isNull();
        assertThat(ev(Fn.IS_NULL, n)).isEqualTo(1L);
        assertThat(ev(Fn.IS_NOT_NULL, n)).isEqualTo(0L);
        assertThat(ev(Fn.IS_TRUE, n)).isEqualTo(0L);
        assertThat(ev(Fn.IS_NOT_TRUE, n)).isEqualTo(1L);
        assertThat(ev(Fn.IS_FALSE, f)).isEqualTo(1L);
        assertThat(ev(Fn.IS_FALSE, n)).isEqualTo(0L);
        assertThat(ev(Fn.IS_NOT_FALSE, n)).isEqualTo(1L);
        assertThat(ExprEvaluator.isTrue("TRUE")).isTrue();
        assertThat(ExprEvaluator.isTrue("yes")).isFalse();
        assertThat(ExprEvaluator.isTrue(0.0)).isFalse();
        assertThat(ExprEvaluator.isTrue(null)).isFalse();
    }

    @Test
    void conditionals() {
        assertThat(ev(Fn.CASE_SEARCHED, lit(0L), "a", lit(1L), "b")).isEqualTo("b");
        assertThat(ev(Fn.CASE_SEARCHED, lit(0L), "a")).isNull();
        assertThat(ev(Fn.CASE_SEARCHED, lit(null), "a", "else")).isEqualTo("else");
        assertThat(ev(Fn.CASE_SIMPLE, col("l"), 1L, "one", 7L, "seven")).isEqualTo("seven");
        assertThat(ev(Fn.CASE_SIMPLE, col("n"), 1L, "one", "other")).isEqualTo("other");
        assertThat(ev(Fn.COALESCE, col("n"), lit(null), 3L)).isEqualTo(3L);
        assertThat(ev(Fn.NULLIF, col("l"), 7L)).isNull();
        assertThat(ev(Fn.NULLIF, col("l"), 8L)).isEqualTo(7L);
        assertThat(ev(Fn.IN, col("l"), 1L, 7L)).isEqualTo(1L);
        assertThat(ev(Fn.IN, col("l"), 1L, 2L)).isEqualTo(0L);
        assertThat(ev(Fn.IN, col("n"), 1L)).isNull();
    }

    @Test
    void casts() {
        assertThat(ev(Fn.CAST, "42", "LONG")).isEqualTo(42L);
        assertThat(ev(Fn.CAST, "4.5", "LONG")).isEqualTo(4L);
        assertThat(ev(Fn.CAST, "x", "LONG")).isNull();
        assertThat(ev(Fn.CAST, col("l"), "DOUBLE")).isEqualTo(7.0);
        assertThat(ev(Fn.CAST, col("l"), "FLOAT")).isEqualTo(7.0f);
        assertThat(ev(Fn.CAST, col("d"), "STRING")).isEqualTo("2.5");
        assertThat(ev(Fn.CAST, col("s"), "ARRAY<STRING>")).isEqualTo(List.of("Hello"));
        assertThat(ev(Fn.CAST, col("n"), "STRING")).isNull();
    }

    @Test
    void strings() {
        assertThat(ev(Fn.LIKE, col("s"), "H%o")).isEqualTo(1L);
        assertThat(ev(Fn.LIKE, col("s"), "h%")).isEqualTo(0L);
        assertThat(ev(Fn.LIKE, "a_b", "a!_b", "!")).isEqualTo(1L);
        assertThat(ev(Fn.LIKE, "axb", "a!_b", "!")).isEqualTo(0L);
        assertThat(ev(Fn.LIKE, "a.c", "a.c")).isEqualTo(1L);
        assertThat(ev(Fn.LIKE, col("n"), "%")).isNull();
        assertThat(ev(Fn.CONCAT, col("s"), "-", col("l"))).isEqualTo("Hello-7");
        assertThat(ev(Fn.CONCAT, col("s"), col("n"))).isNull();
        assertThat(ev(Fn.LOWER, col("s"))).isEqualTo("hello");
        assertThat(ev(Fn.UPPER, col("s"))).isEqualTo("HELLO");
        assertThat(ev(Fn.SUBSTRING, col("s"), 2L, 3L)).isEqualTo("ell");
        assertThat(ev(Fn.SUBSTRING, col("s"), 2L)).isEqualTo("ello");
        assertThat(ev(Fn.SUBSTRING, col("s"), 0L, 2L)).isEqualTo("H");
        assertThat(ev(Fn.SUBSTRING, col("s"), 10L)).isEqualTo("");
        assertThat(ev(Fn.STRLEN, col("s"))).isEqualTo(5L);
        assertThat(ev(Fn.TRIM, "  x ")).isEqualTo("x");
        assertThat(ev(Fn.LTRIM, "xxaxx", "x")).isEqualTo("axx");
        assertThat(ev(Fn.RTRIM, "xxaxx", "x")).isEqualTo("xxa");
        assertThat(ev(Fn.REPLACE, col("s"), "l", "L")).isEqualTo("HeLLo");
        assertThat(ev(Fn.STRPOS, col("s"), "l")).isEqualTo(3L);
        assertThat(ev(Fn.STRPOS, col("s"), "z")).isEqualTo(0L);
        assertThat(ev(Fn.LPAD, "7", 3L, "0")).isEqualTo("007");
        assertThat(ev(Fn.LPAD, "abcd", 2L, "0")).isEqualTo("ab");
        assertThat(ev(Fn.RPAD, "7", 4L, "ab")).isEqualTo("7aba");
        assertThat(ev(Fn.REGEXP_EXTRACT, "foo123bar", "[0-9]+")).isEqualTo("123");
        assertThat(ev(Fn.REGEXP_EXTRACT, "foo123bar", "([a-z]+)([0-9]+)", 2L)).isEqualTo("123");
        assertThat(ev(Fn.REGEXP_EXTRACT, "foo", "[0-9]+")).isNull();
        assertThat(ev(Fn.REGEXP_LIKE, "foo123", "o1")).isEqualTo(1L);
        assertThat(ev(Fn.REGEXP_LIKE, "foo", "^o")).isEqualTo(0L);
        assertThat(ev(Fn.CONTAINS_STRING, col("s"), "ell")).isEqualTo(1L);
        assertThat(ev(Fn.CONTAINS_STRING, col("s"), "ELL")).isEqualTo(0L);
        assertThat(ev(Fn.ICONTAINS_STRING, col("s"), "ELL")).isEqualTo(1L);
        assertThat(ev(Fn.LEFT, col("s"), 2L)).isEqualTo("He");
        assertThat(ev(Fn.RIGHT, col("s"), 2L)).isEqualTo("lo");
        assertThat(ev(Fn.RIGHT, col("s"), 20L)).isEqualTo("Hello");
        assertThat(ev(Fn.REVERSE, col("s"))).isEqualTo("olleH");
        assertThat(ev(Fn.REPEAT, "ab", 3L)).isEqualTo("ababab");
        assertThat(ev(Fn.REPEAT, col("n"), 3L)).isNull();
    }

    @Test
    void math() {
        assertThat(ev(Fn.ABS, -3L)).isEqualTo(3L);
        assertThat(ev(Fn.ABS, -2.5)).isEqualTo(2.5);
        assertThat(ev(Fn.CEIL, 2.1)).isEqualTo(3.0);
        assertThat(ev(Fn.FLOOR, -2.1)).isEqualTo(-3.0);
        assertThat(ev(Fn.FLOOR, 5L)).isEqualTo(5L);
        assertThat(ev(Fn.ROUND, 2.345, 2L)).isEqualTo(2.35);
        assertThat(ev(Fn.ROUND, 2.5)).isEqualTo(3.0);
        assertThat(ev(Fn.ROUND, 1234L, -2L)).isEqualTo(1200L);
        assertThat(ev(Fn.POWER, 2L, 10L)).isEqualTo(1024.0);
        assertThat(ev(Fn.SQRT, 9L)).isEqualTo(3.0);
        assertThat(ev(Fn.EXP, 0L)).isEqualTo(1.0);
        assertThat(ev(Fn.LN, 1L)).isEqualTo(0.0);
        assertThat(ev(Fn.LOG10, 1000L)).isEqualTo(3.0);
        assertThat(ev(Fn.GREATEST, 1L, col("n"), 5L)).isEqualTo(5L);
        assertThat(ev(Fn.GREATEST, 1L, 2.5)).isEqualTo(2.5);
        assertThat(ev(Fn.LEAST, "b", "a")).isEqualTo("a");
        assertThat(ev(Fn.LEAST, col("n"), lit(null))).isNull();
        assertThat(ev(Fn.SQRT, col("n"))).isNull();
    }

    @Test
    void time() {
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01T00:00:00.000Z")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01T01:02:03Z", lit(null), "UTC")).isEqualTo(946688523000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01 00:00:00")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01T00:00:00+01:00")).isEqualTo(946684800000L - 3_600_000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01T00:00:00", lit(null), "America/New_York"))
                .isEqualTo(946684800000L + 5 * 3_600_000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "not a time")).isNull();
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-02-30T00:00:00Z")).isNull();
        assertThat(ev(Fn.TIMESTAMP_PARSE, "01/02/2000 10:30", "MM/dd/yyyy HH:mm")).isEqualTo(946809000000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "2000-01-01", "yyyy-MM-dd")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_PARSE, "garbage", "yyyy-MM-dd")).isNull();
        assertThat(ev(Fn.TIMESTAMP_PARSE, col("n"))).isNull();
        assertThat(ExprEvaluator.fastIsoUtc("2015-09-12T00:46:58.771Z")).isEqualTo(1442018818771L);
        assertThat(ExprEvaluator.fastIsoUtc("1969-12-31T23:59:59.9Z")).isEqualTo(-100L);

        long t = 946684800000L + 3 * 86_400_000L + 5 * 3_600_000L + 123; // 2000-01-04T05:00:00.123Z (Tuesday)
        assertThat(ev(Fn.TIMESTAMP_FLOOR, t, "P1D")).isEqualTo(946684800000L + 3 * 86_400_000L);
        assertThat(ev(Fn.TIMESTAMP_FLOOR, t, "PT1H")).isEqualTo(t - 123);
        assertThat(ev(Fn.TIMESTAMP_FLOOR, t, "P1M")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_FLOOR, t, "P1W")).isEqualTo(946684800000L + 2 * 86_400_000L);
        assertThat(ev(Fn.TIMESTAMP_CEIL, t, "P1D")).isEqualTo(946684800000L + 4 * 86_400_000L);
        assertThat(ev(Fn.TIMESTAMP_CEIL, 946684800000L, "P1D")).isEqualTo(946684800000L);
        assertThat(ev(Fn.TIMESTAMP_FORMAT, col("t"))).isEqualTo("2000-01-01T00:00:00.000Z");
        assertThat(ev(Fn.TIMESTAMP_FORMAT, col("t"), "yyyy/MM/dd HH")).isEqualTo("2000/01/01 00");
        assertThat(ev(Fn.TIMESTAMP_FORMAT, col("t"), lit(null), "+01:00")).isEqualTo("2000-01-01T01:00:00.000+01:00");
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "YEAR")).isEqualTo(2000L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "MONTH")).isEqualTo(1L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "DAY")).isEqualTo(4L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "HOUR")).isEqualTo(5L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "DOW")).isEqualTo(2L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "ISODOW")).isEqualTo(2L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "DOY")).isEqualTo(4L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "QUARTER")).isEqualTo(1L);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "EPOCH")).isEqualTo(t / 1000);
        assertThat(ev(Fn.TIMESTAMP_EXTRACT, t, "WEEK")).isEqualTo(1L);
        assertThat(ev(Fn.TIMESTAMP_SHIFT, 946684800000L, "P1M", 2L)).isEqualTo(951868800000L);
        assertThat(ev(Fn.TIMESTAMP_SHIFT, 946684800000L, "PT1H", -1L)).isEqualTo(946684800000L - 3_600_000L);
        assertThat(ev(Fn.TIMESTAMP_FLOOR, col("n"), "P1D")).isNull();
    }

    @Test
    void arraysAndMultiValues() {
        assertThat(ev(Fn.MV_TO_ARRAY, col("s"))).isEqualTo(List.of("Hello"));
        assertThat(ev(Fn.MV_TO_ARRAY, col("arr"))).isEqualTo(List.of("a", "b"));
        assertThat(ev(Fn.MV_TO_ARRAY, col("n"))).isNull();
        assertThat(ev(Fn.ARRAY_TO_MV, col("arr"))).isEqualTo(List.of("a", "b"));
        assertThat(ev(Fn.ARRAY, 1L, lit(null), 3L)).isEqualTo(Arrays.asList(1L, null, 3L));
        assertThat(ev(Fn.ARRAY_LENGTH, col("arr"))).isEqualTo(2L);
        assertThat(ev(Fn.MV_LENGTH, col("arr"))).isEqualTo(2L);
        assertThat(ev(Fn.ARRAY_OFFSET, col("arr"), 1L)).isEqualTo("b");
        assertThat(ev(Fn.ARRAY_OFFSET, col("arr"), 2L)).isNull();
        assertThat(ev(Fn.ARRAY_ORDINAL, col("arr"), 1L)).isEqualTo("a");
        assertThat(ev(Fn.ARRAY_CONTAINS, col("arr"), "b")).isEqualTo(1L);
        assertThat(ev(Fn.ARRAY_CONTAINS, col("arr"), "z")).isEqualTo(0L);
        assertThat(ev(Fn.MV_CONTAINS, col("arr"), "a")).isEqualTo(1L);
        assertThat(ev(Fn.ARRAY_OVERLAP, col("arr"), Call.of(Fn.ARRAY, lit("z"), lit("a")))).isEqualTo(1L);
        assertThat(ev(Fn.ARRAY_CONCAT, col("arr"), col("arr"))).isEqualTo(List.of("a", "b", "a", "b"));
        assertThat(ev(Fn.ARRAY_APPEND, col("arr"), "c")).isEqualTo(List.of("a", "b", "c"));
        assertThat(ev(Fn.ARRAY_PREPEND, "c", col("arr"))).isEqualTo(List.of("c", "a", "b"));
        assertThat(ev(Fn.ARRAY_TO_STRING, col("arr"), "|")).isEqualTo("a|b");
        assertThat(ev(Fn.STRING_TO_ARRAY, "a,b,c", ",")).isEqualTo(List.of("a", "b", "c"));
        assertThat(ev(Fn.ARRAY_LENGTH, col("n"))).isNull();
    }

    @Test
    void jsonValue() {
        assertThat(ev(Fn.JSON_VALUE, col("js"), "$.a.b[0]")).isEqualTo(10L);
        assertThat(ev(Fn.JSON_VALUE, col("js"), "$.a.b[1]")).isEqualTo("x");
        assertThat(ev(Fn.JSON_VALUE, col("js"), "$.a")).isNull();
        assertThat(ev(Fn.JSON_VALUE, col("js"), "$.zz")).isNull();
        assertThat(ev(Fn.JSON_VALUE, "not json", "$.a")).isNull();
    }

    @Test
    void jsonObject() {
        assertThat(ev(Fn.JSON_OBJECT, "c", 1L, "d", "x")).isEqualTo("{\"c\":1,\"d\":\"x\"}");
        assertThat(ev(Fn.JSON_OBJECT, "n", null)).isEqualTo("{\"n\":null}");
        assertThat(ev(Fn.JSON_VALUE, ev(Fn.JSON_OBJECT, "c", 2L), "$.c")).isEqualTo(2L);
    }

    @Test
    void sketchEstimates() {
        // Druid's DS_HLL(m1) of foo's rows with dim2 null, as its report prints it: two distinct values
        assertThat((Double) ev(Fn.HLL_SKETCH_ESTIMATE, "AgEHDAMIAgCOlN8Fp9xhBA==")).isCloseTo(2.0, within(1e-6));
        assertThat(ev(Fn.HLL_SKETCH_ESTIMATE, "\"AgEHDAMIAgCOlN8Fp9xhBA==\"", 1L)).isEqualTo(2.0);
        assertThat(ev(Fn.HLL_SKETCH_ESTIMATE, (Object) null)).isNull();
        org.apache.datasketches.theta.UpdateSketch theta = org.apache.datasketches.theta.UpdateSketch.builder().build();
        theta.update("a");
        theta.update("b");
        theta.update("c");
        String bytes = java.util.Base64.getEncoder().encodeToString(theta.compact().toByteArray());
        assertThat(ev(Fn.THETA_SKETCH_ESTIMATE, bytes)).isEqualTo(3.0);
    }

    @Test
    void everyFunctionIsCovered() {
        sketchEstimates();
        comparisonsAndThreeValuedLogic();
        arithmeticPromotionAndNulls();
        conditionals();
        casts();
        strings();
        math();
        time();
        arraysAndMultiValues();
        jsonValue();
        jsonObject();
        assertThat(EnumSet.complementOf(EnumSet.copyOf(TESTED))).isEmpty();
    }
}
