package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Plans every SQL of the shared conformance cases against Druid's test datasources: the planner never fails with
 * anything but a {@link DruidSqlException}, planning-phase errors carry Druid's message, and the supported subset
 * plans. Skipped when the shared cases are not on disk.
 */
class ConformanceCasesTest {
    private static final Path CASES = Path.of("/work/shared/conformance/cases.jsonl");
    /** Planning errors whose text comes from parts of Druid we do not reproduce (see the report). */
    private static final Set<String> DIFFERENT_ERROR = Set.of(
            "flt.top_level_union_all_with_joins", // lookups and UNION are not supported
            "sel.incorrect_select_query"); // Calcite 1.37's grammar stops at a different token than Druid's

    private static FakeCatalog druidTestCatalog() {
        return new FakeCatalog()
                .with("foo", RowSignature.builder().add("__time", ColumnType.LONG).add("dim1", ColumnType.STRING)
                        .add("dim2", ColumnType.STRING).add("dim3", ColumnType.STRING).add("cnt", ColumnType.LONG)
                        .add("m1", ColumnType.FLOAT).add("m2", ColumnType.DOUBLE).build())
                .with("numfoo", RowSignature.builder().add("__time", ColumnType.LONG).add("dim1", ColumnType.STRING)
                        .add("dim2", ColumnType.STRING).add("dim3", ColumnType.STRING).add("dim4", ColumnType.STRING)
                        .add("dim5", ColumnType.STRING).add("dim6", ColumnType.STRING).add("cnt", ColumnType.LONG)
                        .add("d1", ColumnType.DOUBLE).add("d2", ColumnType.DOUBLE).add("f1", ColumnType.FLOAT)
                        .add("f2", ColumnType.FLOAT).add("l1", ColumnType.LONG).add("l2", ColumnType.LONG)
                        .add("m1", ColumnType.FLOAT).add("m2", ColumnType.DOUBLE).build())
                .with("arrays", RowSignature.builder().add("__time", ColumnType.LONG)
                        .add("arrayString", ColumnType.STRING_ARRAY).add("arrayLong", ColumnType.LONG_ARRAY)
                        .add("arrayDouble", ColumnType.DOUBLE_ARRAY).build());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyCasePlansOrFailsWithDruidsError() throws Exception {
        assumeThat(Files.exists(CASES)).as("shared conformance cases present").isTrue();
        CalcitePlanner planner = new CalcitePlanner(druidTestCatalog());
        ObjectMapper mapper = new ObjectMapper();
        int planned = 0;
        List<String> wrongErrors = new ArrayList<>();
        for (String line : Files.readAllLines(CASES)) {
            JsonNode c = mapper.readTree(line);
            String id = c.get("id").asText();
            Map<String, Object> context = c.has("context") ? mapper.convertValue(c.get("context"), Map.class) : Map.of();
            List<SqlParameter> params = new ArrayList<>();
            for (JsonNode p : c.path("parameters")) {
                params.add(new SqlParameter(p.path("type").asText("VARCHAR"), mapper.convertValue(p.get("value"),
                        Object.class)));
            }
            JsonNode expectedError = c.path("expect").path("error");
            boolean planningError = "planning".equals(expectedError.path("phase").asText());
            try {
                planner.plan(c.get("sql").asText(), context, params, "q");
                planned++;
                assertThat(planningError).as(id + " should fail planning").isFalse();
            } catch (DruidSqlException e) {
                if (planningError && !DIFFERENT_ERROR.contains(id)) {
                    String equals = expectedError.path("message_equals").asText(null);
                    String contains = expectedError.path("message_contains").asText(null);
                    if ((equals != null && !equals.equals(e.getMessage()))
                            || (contains != null && !e.getMessage().contains(contains))) {
                        wrongErrors.add(id + ": " + e.getMessage());
                    }
                    assertThat(e.category()).as(id).isEqualTo(expectedError.path("category").asText());
                }
            }
        }
        assertThat(wrongErrors).isEmpty();
        assertThat(planned).as("cases planned").isGreaterThanOrEqualTo(55);
    }
}
