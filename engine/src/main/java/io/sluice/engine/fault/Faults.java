package io.sluice.engine.fault;

import java.util.LinkedHashMap;
import java.util.Map;

/** Constructors for Druid's MSQ faults, with Druid's messages and fields. */
public final class Faults {
    private Faults() {}

    private static Map<String, Object> f(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    public static Fault canceled(String reason) {
        String msg = switch (reason) {
            case "TASK_SHUTDOWN" -> "Query canceled due to task shutdown";
            case "USER_REQUEST" -> "Query canceled by user or by task shutdown.";
            case "QUERY_TIMEOUT" -> "Query canceled due to timeout";
            default -> "Query canceled for unknown reason";
        };
        return new Fault("Canceled", msg, f("reason", reason));
    }

    public static Fault cannotParseExternalData(String message) {
        return new Fault("CannotParseExternalData", message, null);
    }

    public static Fault tooManyWarnings(String rootErrorCode, long maxWarnings) {
        return new Fault(
                "TooManyWarnings",
                "Too many warnings of type " + rootErrorCode + " generated (max = " + maxWarnings + ")",
                f("rootErrorCode", rootErrorCode, "maxWarnings", maxWarnings));
    }

    public static Fault insertTimeNull() {
        return new Fault(
                "InsertTimeNull",
                "Null timestamp (__time) encountered during INSERT or REPLACE.",
                null);
    }

    public static Fault insertTimeOutOfBounds(String interval, java.util.List<String> intervalBounds) {
        return new Fault(
                "InsertTimeOutOfBounds",
                "Inserted data contains time chunk[" + interval + "] outside of bounds specified by OVERWRITE WHERE["
                        + intervalBounds + "]. If you want to include this data, expand your OVERWRITE WHERE. If you"
                        + " do not want to include this data, use SELECT ... WHERE to filter it from your inserted"
                        + " data.",
                f("interval", interval, "intervalBounds", java.util.List.copyOf(intervalBounds)));
    }

    public static Fault insertCannotBeEmpty(String dataSource) {
        return new Fault(
                "InsertCannotBeEmpty",
                "No rows to insert for dataSource[" + dataSource + "]. Set failOnEmptyInsert : false in the query"
                        + " context to allow empty inserts.",
                f("dataSource", dataSource));
    }

    /**
     * An INSERT's time chunk cannot be appended to: used segments there have another granularity, or shard specs that
     * cannot be extended. {@code allocatedInterval}: the coarser existing interval that holds the chunk, or null.
     */
    public static Fault insertCannotAllocateSegment(String dataSource, String interval, String allocatedInterval) {
        String msg = allocatedInterval == null
                ? "Cannot allocate segment for dataSource [" + dataSource + "], interval [" + interval + "]. This can"
                        + " happen if the prior ingestion uses non-extendable shard specs or if the partitioned by"
                        + " granularity is different from the granularity of the pre-existing segments. Check the"
                        + " granularities of the pre-existing segments or re-run the ingestion with REPLACE to"
                        + " overwrite over the existing data"
                : "Requested segment for dataSource [" + dataSource + "], interval [" + interval + "], but got ["
                        + allocatedInterval + "] interval instead. This happens when an overlapping segment is already"
                        + " present with a coarser granularity for the requested interval. Either set the partition"
                        + " granularity for the INSERT to [" + granularityOf(allocatedInterval) + "] to append to"
                        + " existing data or use REPLACE to overwrite over the pre-existing segment";
        return new Fault("InsertCannotAllocateSegment", msg,
                f("dataSource", dataSource, "interval", interval, "allocatedInterval", allocatedInterval));
    }

    /** The granularity name of an ISO interval {@code start/end} (HOUR, DAY, MONTH, …), else its ISO period. */
    static String granularityOf(String interval) {
        String[] ends = interval.split("/");
        java.time.ZonedDateTime start = java.time.ZonedDateTime.parse(ends[0]);
        java.time.ZonedDateTime end = java.time.ZonedDateTime.parse(ends[1]);
        java.time.Period period = java.time.Period.between(start.toLocalDate(), end.toLocalDate());
        java.time.Duration duration = java.time.Duration.between(start, end);
        if (start.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) && end.toLocalTime().equals(start.toLocalTime())) {
            if (period.equals(java.time.Period.ofYears(1))) {
                return "YEAR";
            }
            if (period.equals(java.time.Period.ofMonths(3))) {
                return "QUARTER";
            }
            if (period.equals(java.time.Period.ofMonths(1))) {
                return "MONTH";
            }
            if (period.equals(java.time.Period.ofDays(7))) {
                return "WEEK";
            }
            if (period.equals(java.time.Period.ofDays(1))) {
                return "DAY";
            }
        }
        return switch ((int) Math.min(Integer.MAX_VALUE, duration.toMinutes())) {
            case 1 -> "MINUTE";
            case 5 -> "FIVE_MINUTE";
            case 10 -> "TEN_MINUTE";
            case 15 -> "FIFTEEN_MINUTE";
            case 30 -> "THIRTY_MINUTE";
            case 60 -> "HOUR";
            case 360 -> "SIX_HOUR";
            case 480 -> "EIGHT_HOUR";
            default -> duration.toString();
        };
    }

    public static Fault columnNameRestricted(String column) {
        return new Fault(
                "ColumnNameRestricted",
                "[" + column + "] column name is reserved for MSQ's internal purpose. Please retry the query after"
                        + " renaming the column.",
                f("columnName", column));
    }

    public static Fault tooManyBuckets(int max) {
        return new Fault(
                "TooManyBuckets",
                "Too many partition buckets (max = " + String.format(java.util.Locale.ROOT, "%,d", max) + "); try"
                        + " breaking your query up into smaller queries or using a wider PARTITIONED BY",
                f("maxBuckets", max));
    }

    public static Fault tooManyPartitions(int max) {
        return new Fault(
                "TooManyPartitions",
                "Too many partitions (max = " + max + "); try breaking your query up into smaller queries, or using"
                        + " a larger target size",
                f("maxPartitions", max));
    }

    public static Fault rowTooLarge(long maxFrameSize) {
        return new Fault(
                "RowTooLarge",
                "Encountered row that cannot fit in a single frame (max frame size = " + maxFrameSize + ")",
                f("maxFrameSize", maxFrameSize));
    }

    public static Fault workerFailed(String workerTaskId, String errorMsg) {
        return new Fault(
                "WorkerFailed",
                "Worker task failed: [" + workerTaskId + "]" + (errorMsg == null ? "" : ": " + errorMsg),
                f("errorMsg", errorMsg, "workerTaskId", workerTaskId));
    }

    public static Fault workerRpcFailed(String workerTaskId) {
        return new Fault(
                "WorkerRpcFailed",
                "RPC call to task failed unrecoverably: [" + workerTaskId + "]",
                f("workerTaskId", workerTaskId));
    }

    /** A worker was lost more often than {@code maxPerWorkerRelaunchCount} relaunches allow (fault tolerance). */
    public static Fault tooManyAttemptsForWorker(
            int maxPerWorkerRelaunchCount, String workerTaskId, int workerNumber, String rootErrorMessage) {
        return new Fault(
                "TooManyAttemptsForWorker",
                "Worker[" + workerNumber + "] exceeded max relaunch count of " + maxPerWorkerRelaunchCount
                        + " for task[" + workerTaskId + "]. Latest failure reason: " + rootErrorMessage + ".",
                f("maxPerWorkerRelaunchCount", maxPerWorkerRelaunchCount, "taskId", workerTaskId,
                        "workerNumber", workerNumber, "rootErrorMessage", rootErrorMessage));
    }

    /** The query's workers were relaunched more often than {@code maxRelaunchCount} in total (fault tolerance). */
    public static Fault tooManyAttemptsForJob(
            int maxRelaunchCount, int currentRelaunchCount, String workerTaskId, String rootErrorMessage) {
        return new Fault(
                "TooManyAttemptsForJob",
                "Total relaunch count across all workers " + currentRelaunchCount + " exceeded max relaunch limit "
                        + maxRelaunchCount + " . Latest task[" + workerTaskId + "] failure reason: "
                        + rootErrorMessage,
                f("maxRelaunchCount", maxRelaunchCount, "currentRelaunchCount", currentRelaunchCount,
                        "taskId", workerTaskId, "rootErrorMessage", rootErrorMessage));
    }

    /**
     * Druid's QueryRuntimeError: a failure of the query engine, with the engine's own message kept as
     * {@code baseErrorMessage}.
     */
    public static Fault queryRuntimeError(String message, String baseErrorMessage) {
        return new Fault("QueryRuntimeError", message,
                baseErrorMessage == null ? f() : f("baseErrorMessage", baseErrorMessage));
    }

    /** A multi-value value met while grouping with groupByEnableMultiValueUnnesting=false. */
    public static Fault unexpectedMultiValueDimension(String column) {
        return queryRuntimeError("Column [" + column + "] is a multi-value string. Please wrap the column using"
                        + " MV_TO_ARRAY() to proceed further.",
                unnestingDisabledMessage(column));
    }

    /**
     * A multi-value value met while grouping with groupByEnableMultiValueUnnesting=false, in a dimension a later
     * expression reads (Druid reports the expression engine's message then).
     */
    public static Fault multiValueDimensionInExpression(String column) {
        return queryRuntimeError(unnestingDisabledMessage(column), null);
    }

    private static String unnestingDisabledMessage(String column) {
        return "Encountered multi-value dimension [" + column + "] that cannot be processed with"
                + " 'groupByEnableMultiValueUnnesting' set to false. Consider setting"
                + " 'groupByEnableMultiValueUnnesting' to true in your query context.";
    }

    /**
     * More segments in one time chunk than the {@code maxNumSegments} context parameter allows.
     *
     * @param granularity Druid's rendering of the segment granularity: a standard name ({@code DAY}) or its object form
     */
    public static Fault tooManySegmentsInTimeChunk(
            String timeChunk, int numSegments, int maxNumSegments, String granularity) {
        return new Fault("TooManySegmentsInTimeChunk",
                "Too many segments requested to be generated in time chunk[" + timeChunk + "] with granularity["
                        + granularity + "] (requested = [" + String.format(java.util.Locale.ROOT, "%,d", numSegments)
                        + "], maximum = [" + String.format(java.util.Locale.ROOT, "%,d", maxNumSegments)
                        + "]). Please try breaking up your query or change the maximum using the query context"
                        + " parameter[maxNumSegments].",
                f("timeChunk", timeChunk, "numSegments", numSegments, "maxNumSegments", maxNumSegments,
                        "segmentGranularity", granularity));
    }

    public static Fault unknownError(String message) {
        return new Fault("UnknownError", message, f("message", message));
    }

    public static Fault tooManyRowsInAWindow(int numRows, int maxRows) {
        return new Fault(
                "TooManyRowsInAWindow",
                "Too many rows in a window (requested = " + numRows + ", max = " + maxRows + ").  Try creating a window"
                        + " with a higher cardinality column or change the query shape. Or you can change the max using"
                        + " query context param maxRowsMaterializedInWindow . Use it carefully as a higher value can"
                        + " lead to OutOfMemory errors. ",
                f("numRows", numRows, "maxRows", maxRows));
    }

    /** Druid raises this as an IllegalStateException in the window operator, reported as an UnknownError. */
    public static Fault windowMultiValueColumn() {
        return unknownError("java.lang.IllegalStateException: Encountered a multi value column. Window processing"
                + " does not support MVDs. Consider using UNNEST or MV_TO_ARRAY.");
    }

    public static Fault queryNotSupported() {
        return new Fault("QueryNotSupported", "QueryKit does not yet support this query.", null);
    }

    public static Fault invalidNullByte(String source, long rowNumber, String column, String value, int position) {
        return new Fault(
                "InvalidNullByte",
                "Invalid null byte at source[" + source + "], rowNumber[" + rowNumber + "], column[" + column
                        + "], value[" + value + "], position[" + position + "]. Consider sanitizing the input string"
                        + " column using \"REPLACE(\"" + column + "\", U&'\\0000', '') AS " + column + "\"",
                f("source", source, "rowNumber", rowNumber, "column", column, "value", value, "position", position));
    }
}
