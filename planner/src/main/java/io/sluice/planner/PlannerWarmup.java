package io.sluice.planner;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.catalog.DataSourceCatalog;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.task.TaskJson;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans a handful of representative statements once, so that the first statement a user sends does not pay for
 * loading and initialising the planner: Calcite's parser, validator, metadata handlers and rule set, and our own
 * translation, take about 3 s of a cold JVM the first time and a few hundred milliseconds more for each new shape
 * of query (grouping, joins, windows, ingestion). Planning has no side effect: nothing is written, no task exists.
 *
 * <p>The statements read only inline {@code EXTERN} data and {@code VALUES}, so they plan the same on an empty
 * cluster. {@link #runTableShapes()} also plans the common queries over datasources (counts, grouping, exact and
 * approximate distinct counts, time filters, top-N, a join, a reindex) against a made-up catalog of two tables, with
 * a planner of its own: reading a datasource's columns, pruning by time and planning table scans are paths of their
 * own that the first query over a datasource would otherwise pay for. A statement that fails to plan is counted, not
 * thrown: a warm-up must never stop a node.
 *
 * <p>Each plan is also rendered as the task payload a submit stores ({@link TaskJson#payload}): Jackson builds its
 * serialisers for each kind of plan node the first time it meets one, which cost a first query ~90 ms here.
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

    private static final String EVENTS = "sluice_warmup_events";
    private static final String LOOKUP = "sluice_warmup_lookup";
    private static final String DAYS = "__time >= TIMESTAMP '2015-09-12' AND __time < TIMESTAMP '2015-09-14'";
    private static final String SINCE = "__time >= TIMESTAMP '2015-09-12 06:00:00' AND __time < TIMESTAMP '2015-09-14 00:00:00'";

    /** Statements over the tables of {@link #CATALOG}, one per common shape of query over a datasource. */
    public static final List<String> TABLE_STATEMENTS = List.of(
            "SELECT COUNT(*) FROM " + EVENTS,
            "SELECT channel, COUNT(*) AS cnt, SUM(added) AS sum_added FROM " + EVENTS
                    + " GROUP BY channel ORDER BY cnt DESC, channel LIMIT 10",
            "SELECT page, COUNT(DISTINCT \"user\") AS users FROM " + EVENTS
                    + " GROUP BY page ORDER BY users DESC, page LIMIT 10",
            "SELECT COUNT(*), SUM(added), SUM(deleted), COUNT(DISTINCT page), AVG(delta) FROM " + EVENTS
                    + " WHERE countryName = 'x' AND " + SINCE,
            "SELECT * FROM " + EVENTS + " ORDER BY added DESC, __time, page, \"user\" LIMIT 100",
            "SELECT __time, channel, page FROM " + EVENTS + " WHERE " + SINCE + " AND page LIKE 'a%' LIMIT 10",
            "SELECT l.lang, COUNT(*) AS cnt, SUM(e.added) AS sum_added FROM " + EVENTS + " e JOIN " + LOOKUP
                    + " l ON e.channel = l.channel GROUP BY l.lang ORDER BY cnt DESC, l.lang",
            "SELECT TIME_FLOOR(__time, 'PT1H') AS h, channel, COUNT(*) FROM " + EVENTS
                    + " WHERE channel IN ('a', 'b') GROUP BY 1, 2",
            "REPLACE INTO " + EVENTS + " OVERWRITE WHERE " + DAYS + " SELECT * FROM " + EVENTS + " WHERE " + DAYS
                    + " PARTITIONED BY DAY");

    /** The made-up tables {@link #TABLE_STATEMENTS} read. */
    static final DataSourceCatalog CATALOG = new DataSourceCatalog() {
        private final Map<String, RowSignature> tables = Map.of(
                EVENTS, RowSignature.builder().add("__time", ColumnType.LONG).add("channel", ColumnType.STRING)
                        .add("page", ColumnType.STRING).add("user", ColumnType.STRING)
                        .add("countryName", ColumnType.STRING).add("added", ColumnType.LONG)
                        .add("deleted", ColumnType.LONG).add("delta", ColumnType.DOUBLE).build(),
                LOOKUP, RowSignature.builder().add("__time", ColumnType.LONG).add("channel", ColumnType.STRING)
                        .add("lang", ColumnType.STRING).build());

        @Override
        public Set<String> dataSources() {
            return tables.keySet();
        }

        @Override
        public Optional<RowSignature> signature(String dataSource) {
            return Optional.ofNullable(tables.get(dataSource));
        }
    };

    /** What a warm-up did. */
    public record Result(int planned, List<String> failures, long millis) {
        public Result {
            failures = List.copyOf(failures);
        }
    }

    private PlannerWarmup() {}

    /** Plans every statement of {@link #STATEMENTS} with {@code planner}; never throws for a statement. */
    public static Result run(SqlPlanner planner) {
        return run(planner, STATEMENTS, "planner-warmup-");
    }

    /**
     * Plans every statement of {@link #TABLE_STATEMENTS} (exact and approximate distinct counts both) with a planner
     * over {@link #CATALOG}; never throws for a statement.
     */
    public static Result runTableShapes() {
        Result r = run(new CalcitePlanner(CATALOG), TABLE_STATEMENTS, "planner-warmup-table-");
        try {
            String id = "planner-warmup-exact";
            render(id, new CalcitePlanner(CATALOG).plan(
                    TABLE_STATEMENTS.get(2), Map.of("useApproximateCountDistinct", false), List.of(), id));
            return new Result(r.planned() + 1, r.failures(), r.millis());
        } catch (RuntimeException | LinkageError e) {
            List<String> failures = new ArrayList<>(r.failures());
            failures.add("exact " + TABLE_STATEMENTS.get(2) + " -> " + e);
            return new Result(r.planned(), failures, r.millis());
        }
    }

    private static void render(String sqlQueryId, QuerySpec spec) {
        TaskJson.payload("query-" + sqlQueryId, spec).toString();
    }

    private static Result run(SqlPlanner planner, List<String> statements, String idPrefix) {
        requireNonNull(planner, "planner is null");
        long start = System.nanoTime();
        int planned = 0;
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (String sql : statements) {
            try {
                String id = idPrefix + n++;
                render(id, planner.plan(sql, Map.of(), List.of(), id));
                planned++;
            } catch (RuntimeException | LinkageError e) {
                failures.add(sql + " -> " + e);
            }
        }
        return new Result(planned, failures, (System.nanoTime() - start) / 1_000_000);
    }
}
