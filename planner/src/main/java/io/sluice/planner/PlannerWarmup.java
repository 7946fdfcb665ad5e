package io.sluice.planner;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plans a handful of representative statements once, so that the first statement a user sends does not pay for
 * loading and initialising the planner: Calcite's parser, validator, metadata handlers and rule set, and our own
 * translation, take about 3 s of a cold JVM the first time and a few hundred milliseconds more for each new shape
 * of query (grouping, joins, windows, ingestion). Planning has no side effect: nothing is written, no task exists.
 *
 * <p>The statements read only inline {@code EXTERN} data and {@code VALUES}, so they plan the same on an empty
 * cluster. A statement that fails to plan is counted, not thrown: a warm-up must never stop a node.
 */
public final class PlannerWarmup {
    private static final String SIGNATURE = "'[{\"name\":\"time\",\"type\":\"string\"},"
            + "{\"name\":\"channel\",\"type\":\"string\"},{\"name\":\"page\",\"type\":\"string\"},"
            + "{\"name\":\"user\",\"type\":\"string\"},{\"name\":\"added\",\"type\":\"long\"},"
            + "{\"name\":\"delta\",\"type\":\"double\"},{\"name\":\"tags\",\"type\":\"string\"}]'";
    private static final String EXTERN = "TABLE(EXTERN('{\"type\":\"inline\",\"data\":\"{}\"}', "
            + "'{\"type\":\"json\"}', " + SIGNATURE + "))";

    /** The statements planned, one per common shape. */
    public static final List<String> STATEMENTS = List.of(
            "SELECT 1",
            "SELECT COUNT(*), SUM(added), MIN(delta), MAX(\"time\") FROM " + EXTERN + " WHERE channel = 'a'",
            "SELECT channel, COUNT(*) AS cnt, SUM(added) AS s FROM " + EXTERN
                    + " WHERE TIME_PARSE(\"time\") >= TIMESTAMP '2000-01-01 00:00:00' AND page LIKE 'x%'"
                    + " GROUP BY channel ORDER BY cnt DESC, channel LIMIT 10",
            "SELECT page, COUNT(DISTINCT \"user\") AS users, APPROX_COUNT_DISTINCT(\"user\") AS approx FROM " + EXTERN
                    + " GROUP BY page HAVING COUNT(*) > 1 ORDER BY users DESC, page LIMIT 10",
            "SELECT * FROM " + EXTERN + " ORDER BY added DESC, \"time\", page LIMIT 100",
            "SELECT e.channel, v.lang, COUNT(*) AS cnt FROM " + EXTERN + " e JOIN (VALUES ('a', 'en'), ('b', 'de'))"
                    + " AS v(channel, lang) ON e.channel = v.lang GROUP BY e.channel, v.lang",
            "SELECT channel, added, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY added) AS rn,"
                    + " SUM(added) OVER (PARTITION BY channel) AS total FROM " + EXTERN,
            "SELECT t.tag, CASE WHEN added > 0 THEN 'up' ELSE 'down' END AS dir, CAST(delta AS BIGINT) AS d FROM "
                    + EXTERN + " CROSS JOIN UNNEST(MV_TO_ARRAY(tags)) AS t(tag) WHERE t.tag IN ('a', 'b')",
            "INSERT INTO sluice_planner_warmup SELECT TIME_PARSE(\"time\") AS __time, channel, page, \"user\", added,"
                    + " delta FROM " + EXTERN + " PARTITIONED BY DAY CLUSTERED BY channel",
            "REPLACE INTO sluice_planner_warmup OVERWRITE ALL SELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time,"
                    + " channel, COUNT(*) AS cnt, SUM(added) AS sum_added FROM " + EXTERN
                    + " GROUP BY 1, 2 PARTITIONED BY DAY");

    /** What a warm-up did. */
    public record Result(int planned, List<String> failures, long millis) {
        public Result {
            failures = List.copyOf(failures);
        }
    }

    private PlannerWarmup() {}

    /** Plans every statement of {@link #STATEMENTS} with {@code planner}; never throws for a statement. */
    public static Result run(SqlPlanner planner) {
        requireNonNull(planner, "planner is null");
        long start = System.nanoTime();
        int planned = 0;
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (String sql : STATEMENTS) {
            try {
                planner.plan(sql, Map.of(), List.of(), "planner-warmup-" + n++);
                planned++;
            } catch (RuntimeException | LinkageError e) {
                failures.add(sql + " -> " + e);
            }
        }
        return new Result(planned, failures, (System.nanoTime() - start) / 1_000_000);
    }
}
