package io.sluice.planner;

import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Map;

/** The wikipedia datasource, the seed EXTERN, and a planner over a fake catalog. */
final class PlannerFixtures {
    static final String EXTERN = "TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \"/opt/druid/data\", \"filter\": "
            + "\"wikiticker-2015-09-12-sampled.json.gz\"}', '{\"type\":\"json\"}', '[{\"name\": \"time\", \"type\": "
            + "\"string\"}, {\"name\": \"channel\", \"type\": \"string\"}, {\"name\": \"cityName\", \"type\": \"string\"}, "
            + "{\"name\": \"comment\", \"type\": \"string\"}, {\"name\": \"countryIsoCode\", \"type\": \"string\"}, "
            + "{\"name\": \"countryName\", \"type\": \"string\"}, {\"name\": \"isAnonymous\", \"type\": \"string\"}, "
            + "{\"name\": \"isMinor\", \"type\": \"string\"}, {\"name\": \"isNew\", \"type\": \"string\"}, {\"name\": "
            + "\"isRobot\", \"type\": \"string\"}, {\"name\": \"isUnpatrolled\", \"type\": \"string\"}, {\"name\": "
            + "\"metroCode\", \"type\": \"long\"}, {\"name\": \"namespace\", \"type\": \"string\"}, {\"name\": \"page\", "
            + "\"type\": \"string\"}, {\"name\": \"regionIsoCode\", \"type\": \"string\"}, {\"name\": \"regionName\", "
            + "\"type\": \"string\"}, {\"name\": \"user\", \"type\": \"string\"}, {\"name\": \"delta\", \"type\": "
            + "\"long\"}, {\"name\": \"added\", \"type\": \"long\"}, {\"name\": \"deleted\", \"type\": \"long\"}]'))";

    static final String SEED_INSERT = "INSERT INTO wikipedia\nSELECT TIME_PARSE(\"time\") AS __time, channel, cityName, "
            + "comment, countryIsoCode, countryName, isAnonymous, isMinor, isNew, isRobot, isUnpatrolled, metroCode, "
            + "namespace, page, regionIsoCode, regionName, \"user\", delta, added, deleted\nFROM " + EXTERN
            + "\nPARTITIONED BY DAY";

    static final String SMALL_EXTERN = "TABLE(EXTERN('{\"type\":\"inline\",\"data\":\"{}\"}', '{\"type\":\"json\"}', "
            + "'[{\"name\":\"time\",\"type\":\"string\"},{\"name\":\"dim1\",\"type\":\"string\"},"
            + "{\"name\":\"m1\",\"type\":\"long\"}]'))";

    final FakeCatalog catalog = new FakeCatalog().with("wikipedia", RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("channel", ColumnType.STRING)
            .add("page", ColumnType.STRING)
            .add("added", ColumnType.LONG)
            .add("delta", ColumnType.DOUBLE)
            .build());
    final CalcitePlanner planner = new CalcitePlanner(catalog);

    QuerySpec plan(String sql) {
        return planner.plan(sql, Map.of(), List.of(), "q");
    }

    QuerySpec plan(String sql, Map<String, Object> context) {
        return planner.plan(sql, context, List.of(), "q");
    }
}
