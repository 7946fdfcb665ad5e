package io.sluice.planner;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The effective query context (request context overridden by SET statements) with Druid's typed reads: a value of
 * the wrong type is Druid's legacy {@code BadQueryContextException}.
 */
public final class PlannerContext {
    public static final int DEFAULT_MAX_NUM_TASKS = 2;
    public static final long DEFAULT_ROWS_PER_SEGMENT = 3_000_000L;
    public static final int DEFAULT_MAX_ROWS_IN_MEMORY = 100_000;

    private final Map<String, Object> values;

    public PlannerContext(Map<String, Object> values) {
        this.values = new LinkedHashMap<>(values);
        validate();
    }

    public static PlannerContext merge(Map<String, Object> request, Map<String, Object> set) {
        Map<String, Object> all = new LinkedHashMap<>();
        if (request != null) {
            all.putAll(request);
        }
        all.putAll(set);
        return new PlannerContext(all);
    }

    private void validate() {
        for (String k : new String[] {"maxNumTasks", "maxParseExceptions", "maxRowsInMemory", "maxNumSegments",
                "rowsInMemory"}) {
            getInt(k, 0);
        }
        for (String k : new String[] {"rowsPerSegment", "maxInputBytesPerWorker", "sqlOuterLimit", "timeout"}) {
            getLong(k, 0);
        }
        for (String k : new String[] {"finalizeAggregations", "useApproximateCountDistinct", "finalize",
                "groupByEnableMultiValueUnnesting", "durableShuffleStorage", "failOnEmptyInsert",
                "forceSegmentSortByTime", "removeNullBytes", "faultTolerance"}) {
            getBoolean(k, false);
        }
        Object id = values.get("sqlQueryId");
        if (id != null && !(id instanceof String)) {
            throw bad("sqlQueryId", "String", id);
        }
        arrayIngestMode();
        sqlJoinAlgorithm();
        int maxNumTasks = maxNumTasks();
        if (maxNumTasks < 2) {
            throw DruidSqlException.invalidInput("MSQ context maxNumTasks [" + maxNumTasks
                    + "] cannot be less than 2, since at least 1 controller and 1 worker is necessary");
        }
    }

    public Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * {@code arrayIngestMode}: {@code array} (the default) stores SQL arrays as ARRAY columns, {@code mvd} stores
     * string arrays as multi-value STRING columns.
     */
    public String arrayIngestMode() {
        Object v = values.get("arrayIngestMode");
        String mode = v == null ? "array" : String.valueOf(v).toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals("array") && !mode.equals("mvd")) {
            throw DruidSqlException.invalidInput("Invalid value [" + v + "] for query context parameter"
                    + " [arrayIngestMode]: it must be one of [array, mvd]");
        }
        return mode;
    }

    /** {@code columnsExcludedFromTypeVerification}: a list or a comma-separated string of column names. */
    public java.util.Set<String> columnsExcludedFromTypeVerification() {
        Object v = values.get("columnsExcludedFromTypeVerification");
        java.util.Set<String> out = new java.util.HashSet<>();
        if (v instanceof java.util.Collection<?> c) {
            c.forEach(x -> out.add(String.valueOf(x).trim()));
        } else if (v != null) {
            for (String s : String.valueOf(v).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    /** {@code sqlJoinAlgorithm}: {@code broadcast} (the default) or {@code sortMerge}. */
    public String sqlJoinAlgorithm() {
        Object v = values.get("sqlJoinAlgorithm");
        String a = v == null ? "broadcast" : String.valueOf(v);
        if (!a.equals("broadcast") && !a.equals("sortMerge")) {
            throw DruidSqlException.invalidInput("Invalid value [" + v + "] for query context parameter"
                    + " [sqlJoinAlgorithm]: it must be one of [broadcast, sortMerge]");
        }
        return a;
    }

    public int maxNumTasks() {
        return getInt("maxNumTasks", DEFAULT_MAX_NUM_TASKS);
    }

    /** Workers per stage: every task but the controller. */
    public int maxWorkers() {
        return maxNumTasks() - 1;
    }

    public long rowsPerSegment() {
        return getLong("rowsPerSegment", DEFAULT_ROWS_PER_SEGMENT);
    }

    public int maxRowsInMemory() {
        return getInt("maxRowsInMemory", DEFAULT_MAX_ROWS_IN_MEMORY);
    }

    public boolean finalizeAggregations() {
        return getBoolean("finalizeAggregations", true);
    }

    public boolean useApproximateCountDistinct() {
        return getBoolean("useApproximateCountDistinct", true);
    }

    public int getInt(String key, int dflt) {
        long v = getLong(key, dflt, "integer");
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw bad(key, "integer", values.get(key));
        }
        return (int) v;
    }

    public long getLong(String key, long dflt) {
        return getLong(key, dflt, "long");
    }

    private long getLong(String key, long dflt, String what) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            if (n.doubleValue() != Math.rint(n.doubleValue())) {
                throw bad(key, what, v);
            }
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw bad(key, what, v);
            }
        }
        throw bad(key, what, v);
    }

    public boolean getBoolean(String key, boolean dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            String l = s.trim().toLowerCase(Locale.ROOT);
            if (l.equals("true") || l.equals("false")) {
                return Boolean.parseBoolean(l);
            }
        }
        throw bad(key, "boolean", v);
    }

    private static DruidSqlException bad(String key, String what, Object value) {
        Map<String, String> ctx = new LinkedHashMap<>();
        ctx.put("host", null);
        ctx.put("errorClass", "org.apache.druid.query.BadQueryContextException");
        ctx.put("legacyErrorCode", "Query context parse failed");
        return new DruidSqlException("legacyQueryException", "OPERATOR", "INVALID_INPUT",
                "Expected key [" + key + "] to be in " + what + " format, but got [" + value + "]", ctx,
                "Query context parse failed", "org.apache.druid.query.BadQueryContextException");
    }
}
