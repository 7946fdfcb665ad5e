package io.sluice.engine.expr;

import java.util.HashMap;
import java.util.Map;

/**
 * The expression functions: the contract between the planner (which emits {@link Call}s with these ids) and the
 * evaluator (which implements them). SQL semantics throughout: any NULL argument gives NULL unless said otherwise;
 * booleans are LONG 1/0 (NULL for unknown) as in Druid; TIMESTAMPs are LONG epoch millis in UTC.
 *
 * <p>Numeric promotion: LONG op LONG → LONG; anything with FLOAT/DOUBLE → DOUBLE. Strings that must be numbers
 * (CAST) parse leniently and give NULL when they do not parse.
 */
public enum Fn {
    // arithmetic (2 args)
    ADD("+"), SUBTRACT("-"), MULTIPLY("*"),
    /** LONG/LONG is integer division (truncating); division by zero → NULL for DOUBLE? no: LONG/0 → error fault-free NULL. */
    DIVIDE("/"),
    MOD("%"),
    /** unary minus */
    NEGATE("neg"),
    // comparison (2 args) → LONG 1/0, NULL if either is NULL. Strings compare lexicographically (UTF-16 order as Java);
    // a string compared with a number is converted to a number.
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
    // logic, three-valued: AND(n args), OR(n args), NOT(1)
    AND("&&"), OR("||"), NOT("!"),
    /** 1 arg → 1 if NULL else 0 (never NULL) */
    IS_NULL("isnull"),
    /** 1 arg → 1 if not NULL else 0 */
    IS_NOT_NULL("notnull"),
    /** IS TRUE / IS FALSE / IS NOT TRUE / IS NOT FALSE: 1 arg, never NULL */
    IS_TRUE("istrue"), IS_FALSE("isfalse"), IS_NOT_TRUE("isnottrue"), IS_NOT_FALSE("isnotfalse"),
    /** case_searched(cond1, val1, cond2, val2, …, [else]) — missing else → NULL */
    CASE_SEARCHED("case_searched"),
    /** case_simple(expr, when1, then1, …, [else]) */
    CASE_SIMPLE("case_simple"),
    /** coalesce(a, b, …): first non-NULL */
    COALESCE("coalesce"),
    /** nullif(a, b) */
    NULLIF("nullif"),
    /** in(x, v1, v2, …): 1 if x equals any v, NULL if x NULL */
    IN("in"),
    /** cast(x, 'TYPE') where TYPE is a ColumnType druid name (STRING, LONG, FLOAT, DOUBLE, ARRAY<…>) */
    CAST("cast"),
    /** like(x, 'pattern'[, 'escape']) SQL LIKE with % and _ */
    LIKE("like"),
    // strings
    CONCAT("concat"), LOWER("lower"), UPPER("upper"),
    /** substring(s, start1Based, [length]) */
    SUBSTRING("substring"),
    /** strlen(s) → LONG (character count) */
    STRLEN("strlen"),
    /** trim / ltrim / rtrim (s[, chars]) */
    TRIM("trim"), LTRIM("ltrim"), RTRIM("rtrim"),
    REPLACE("replace"),
    /** strpos(haystack, needle) → 1-based position, 0 if absent (SQL POSITION semantics) */
    STRPOS("strpos"),
    LPAD("lpad"), RPAD("rpad"),
    /** regexp_extract(s, pattern[, group]) */
    REGEXP_EXTRACT("regexp_extract"),
    /** regexp_like(s, pattern) → 1/0 (find, not full match) */
    REGEXP_LIKE("regexp_like"),
    /** contains_string(s, needle) case-sensitive; icontains_string case-insensitive */
    CONTAINS_STRING("contains_string"), ICONTAINS_STRING("icontains_string"),
    LEFT("left"), RIGHT("right"), REVERSE("reverse"), REPEAT("repeat"),
    // math
    ABS("abs"), CEIL("ceil"), FLOOR("floor"),
    /** round(x[, digits]) */
    ROUND("round"),
    POWER("pow"), SQRT("sqrt"), EXP("exp"), LN("log"), LOG10("log10"),
    GREATEST("greatest"), LEAST("least"),
    /** safe_divide(a, b): NULL when b = 0 */
    SAFE_DIVIDE("safe_divide"),
    // time
    /** timestamp_parse(str, [jodaPattern|null], [tz]) → LONG millis or NULL when it does not parse */
    TIMESTAMP_PARSE("timestamp_parse"),
    /** timestamp_floor(millis, 'ISO period', [originMillis|null], [tz]) */
    TIMESTAMP_FLOOR("timestamp_floor"),
    /** timestamp_ceil(millis, 'ISO period') */
    TIMESTAMP_CEIL("timestamp_ceil"),
    /** timestamp_format(millis, [jodaPattern], [tz]) → STRING (ISO by default: 2000-01-01T00:00:00.000Z) */
    TIMESTAMP_FORMAT("timestamp_format"),
    /** timestamp_extract(millis, 'UNIT') UNIT ∈ EPOCH, SECOND, MINUTE, HOUR, DAY, DOW, ISODOW, DOY, WEEK, MONTH, QUARTER, YEAR */
    TIMESTAMP_EXTRACT("timestamp_extract"),
    /** timestamp_shift(millis, 'ISO period', step) */
    TIMESTAMP_SHIFT("timestamp_shift"),
    // multi-value strings / arrays
    /** mv_to_array(mvString) → ARRAY<STRING> (single string → one-element array; NULL → NULL) */
    MV_TO_ARRAY("mv_to_array"),
    /** array_to_mv(array) → multi-value STRING */
    ARRAY_TO_MV("array_to_mv"),
    /** array(e1, e2, …) constructor */
    ARRAY("array"),
    ARRAY_LENGTH("array_length"),
    /** array_offset(arr, 0-based) / array_ordinal(arr, 1-based) */
    ARRAY_OFFSET("array_offset"), ARRAY_ORDINAL("array_ordinal"),
    ARRAY_CONTAINS("array_contains"), ARRAY_OVERLAP("array_overlap"),
    ARRAY_CONCAT("array_concat"), ARRAY_APPEND("array_append"), ARRAY_PREPEND("array_prepend"),
    /** array_to_string(arr, delimiter) */
    ARRAY_TO_STRING("array_to_string"),
    /** string_to_array(s, delimiterRegex) */
    STRING_TO_ARRAY("string_to_array"),
    MV_LENGTH("mv_length"), MV_CONTAINS("mv_contains"),
    /** json_value(json, '$.path') */
    JSON_VALUE("json_value"),
    /** json_object(key1, value1, key2, value2, ...): the JSON text of an object (null values kept) */
    JSON_OBJECT("json_object"),
    // DataSketches
    /** hll_sketch_estimate(sketch, [round]) → DOUBLE: the distinct-count estimate of an HLL sketch */
    HLL_SKETCH_ESTIMATE("hll_sketch_estimate"),
    /** theta_sketch_estimate(sketch) → DOUBLE: the distinct-count estimate of a Theta sketch */
    THETA_SKETCH_ESTIMATE("theta_sketch_estimate");

    private static final Map<String, Fn> BY_ID = new HashMap<>();

    static {
        for (Fn f : values()) {
            BY_ID.put(f.id, f);
        }
    }

    private final String id;

    Fn(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The function for an id, or null. */
    public static Fn byId(String id) {
        return BY_ID.get(id);
    }
}
