package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.UnnestSpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportUnnestPlanTest {
    private final FakeCatalog catalog = new FakeCatalog().with("foo", RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("dim1", ColumnType.STRING)
            .add("dim3", ColumnType.STRING)
            .add("cnt", ColumnType.LONG)
            .add("m1", ColumnType.FLOAT)
            .add("m2", ColumnType.DOUBLE)
            .build());
    private final CalcitePlanner planner = new CalcitePlanner(catalog, List.of(Path.of("/tmp/exports")));

    private QuerySpec plan(String sql, Map<String, Object> context) {
        return planner.plan(sql, context, List.of(), "q");
    }

    private DruidSqlException error(CalcitePlanner p, String sql) {
        DruidSqlException e = catchThrowableOfType(() -> p.plan(sql, Map.of(), List.of(), "q"),
                DruidSqlException.class);
        assertThat(e).as(sql).isNotNull();
        return e;
    }

    private DruidSqlException error(String sql) {
        return error(planner, sql);
    }

    @Test
    void exportPlansQueryStagesThenAnExportStage() {
        QuerySpec spec = plan("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/a')) AS CSV "
                + "SELECT cnt, dim1 AS dim FROM foo WHERE m1 > 1", Map.of("rowsPerPage", 2));
        assertThat(spec.dataSource()).isEqualTo("__query_export");
        assertThat(spec.destination()).isEqualTo(
                new Destination.Export(new Destination.LocalExportStorage("/tmp/exports/a"), "csv"));
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(2);
        assertThat(stages.get(0).processor()).isInstanceOf(ScanProcessorSpec.class);
        StageDefinition export = stages.get(1);
        assertThat(export.inputs()).containsExactly(new StageInputSpec(0));
        assertThat(export.processor()).isEqualTo(new ExportProcessorSpec("/tmp/exports/a", "csv",
                List.of(new ColumnMapping("cnt", "cnt"), new ColumnMapping("dim1", "dim")), 2));
        assertThat(export.signature()).isEqualTo(RowSignature.empty());
    }

    @Test
    void exportDestinationJsonHasDruidsShape() throws Exception {
        QuerySpec spec = plan("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/b')) AS csv SELECT dim1 FROM foo",
                Map.of());
        assertThat(Json.MAPPER.writeValueAsString(spec.destination())).isEqualTo("{\"type\":\"export\","
                + "\"exportStorageProvider\":{\"type\":\"local\",\"exportPath\":\"/tmp/exports/b\"},"
                + "\"resultFormat\":\"csv\"}");
        String stageJson = Json.MAPPER.writeValueAsString(spec.queryDefinition());
        assertThat(Json.MAPPER.readValue(stageJson, io.sluice.engine.plan.QueryDefinition.class))
                .isEqualTo(spec.queryDefinition());
    }

    @Test
    void exportValidationErrors() {
        DruidSqlException partitioned = error("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/c')) AS CSV "
                + "SELECT dim1 FROM foo PARTITIONED BY DAY");
        assertThat(partitioned.httpStatus()).isEqualTo(501);
        assertThat(partitioned.category()).isEqualTo("UNSUPPORTED");
        assertThat(partitioned.getMessage())
                .isEqualTo("Export statements do not support a PARTITIONED BY or CLUSTERED BY clause.");
        assertThat(error("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/c')) AS CSV SELECT dim1 FROM foo "
                + "CLUSTERED BY dim1").httpStatus()).isEqualTo(501);

        DruidSqlException replace = error("REPLACE INTO EXTERN(local(exportPath => '/tmp/exports/c')) AS CSV "
                + "OVERWRITE ALL SELECT dim1 FROM foo");
        assertThat(replace.httpStatus()).isEqualTo(400);
        assertThat(replace.getMessage()).startsWith("REPLACE operations do no support EXTERN destinations.");

        assertThat(error("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/c')) SELECT dim1 FROM foo")
                .getMessage()).isEqualTo("Exporting rows into an EXTERN destination requires an AS clause to specify "
                        + "the format, but none was found.");
        assertThat(error("INSERT INTO foo2 AS CSV SELECT dim1 FROM foo PARTITIONED BY ALL").getMessage())
                .isEqualTo("The AS <format> clause should only be specified while exporting rows into an EXTERN "
                        + "destination.");

        DruidSqlException outside = error("INSERT INTO EXTERN(local(exportPath => '/tmp/other')) AS CSV "
                + "SELECT dim1 FROM foo");
        assertThat(outside.httpStatus()).isEqualTo(400);
        assertThat(outside.getMessage()).startsWith("The provided destination [/tmp/other] must be within the path "
                + "configured by runtime property `druid.export.storage.baseDir`");
        assertThat(error("INSERT INTO EXTERN(local(exportPath => '/tmp/exports/../other')) AS CSV SELECT dim1 FROM foo")
                .httpStatus()).isEqualTo(400);
        assertThat(error("INSERT INTO EXTERN(local(exportPath => 'relative/dir')) AS CSV SELECT dim1 FROM foo")
                .httpStatus()).isEqualTo(400);

        DruidSqlException disabled = error(new CalcitePlanner(catalog),
                "INSERT INTO EXTERN(local(exportPath => '/tmp/exports/c')) AS CSV SELECT dim1 FROM foo");
        assertThat(disabled.getMessage()).contains("sluice.export.base-dirs");
    }

    @Test
    void crossJoinUnnestBecomesAnUnnestStepOfTheScan() {
        QuerySpec spec = plan("SELECT d3 FROM foo, UNNEST(MV_TO_ARRAY(dim3)) AS unnested (d3) WHERE d3 <> 'b'",
                Map.of());
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(1);
        ScanProcessorSpec scan = (ScanProcessorSpec) stages.get(0).processor();
        assertThat(scan.unnest()).isEqualTo(new UnnestSpec("j0.unnest",
                Call.of(Fn.MV_TO_ARRAY, new ColumnRef("dim3")), ColumnType.STRING, true));
        assertThat(scan.filter()).isEqualTo(Call.of(Fn.NE, new ColumnRef("j0.unnest"),
                io.sluice.engine.expr.Literal.of("b")));
        assertThat(scan.columns()).extracting(c -> c.expr()).containsExactly(new ColumnRef("j0.unnest"));
        assertThat(spec.resultSignature().names()).containsExactly("d3");
    }

    @Test
    void twoUnnestsOneOfThemUncorrelated() {
        QuerySpec spec = plan("SELECT x, y FROM foo, UNNEST(ARRAY[cnt, 2]) AS u(x), UNNEST(ARRAY['p','q']) AS v(y) "
                + "WHERE m1 < 2", Map.of());
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(2);
        assertThat(((ScanProcessorSpec) stages.get(0).processor()).unnest().array())
                .isEqualTo(Call.of(Fn.ARRAY, new ColumnRef("cnt"), io.sluice.engine.expr.Literal.of(2L)));
        ScanProcessorSpec second = (ScanProcessorSpec) stages.get(1).processor();
        assertThat(second.unnest().name()).isEqualTo("j1.unnest");
        assertThat(stages.get(1).inputs()).containsExactly(new StageInputSpec(0));
    }

    @Test
    void unnestPlansSurviveAJsonRoundTrip() throws Exception {
        QuerySpec spec = plan("SELECT d3 FROM foo, UNNEST(MV_TO_ARRAY(dim3)) AS unnested (d3)", Map.of());
        String json = Json.MAPPER.writeValueAsString(spec.queryDefinition());
        assertThat(json).contains("\"unnest\":{\"name\":\"j0.unnest\"");
        assertThat(Json.MAPPER.readValue(json, io.sluice.engine.plan.QueryDefinition.class))
                .isEqualTo(spec.queryDefinition());
    }

    @Test
    void unnestOfAnArrayConstructorInAnInsert() {
        QuerySpec spec = plan("INSERT INTO foo1 SELECT __time, d FROM foo, UNNEST(ARRAY[m1, m2]) AS unnested(d) "
                + "PARTITIONED BY ALL", Map.of());
        List<StageDefinition> stages = spec.queryDefinition().stages();
        ScanProcessorSpec scan = (ScanProcessorSpec) stages.get(0).processor();
        assertThat(scan.unnest().nullIfEmpty()).isFalse();
        assertThat(scan.unnest().array())
                .isEqualTo(Call.of(Fn.ARRAY, new ColumnRef("m1"), new ColumnRef("m2")));
        assertThat(stages.get(stages.size() - 1).processor()).isInstanceOf(SegmentGeneratorSpec.class);
    }

    @Test
    void unnestOverAGroupByReadsTheGroupedStage() {
        QuerySpec spec = plan("SELECT d FROM (SELECT dim1, COUNT(*) AS c FROM foo GROUP BY dim1), "
                + "UNNEST(ARRAY[dim1, 'x']) AS u(d)", Map.of());
        List<StageDefinition> stages = spec.queryDefinition().stages();
        StageDefinition last = stages.get(stages.size() - 1);
        assertThat(((ScanProcessorSpec) last.processor()).unnest()).isNotNull();
        assertThat(last.inputs()).containsExactly(new StageInputSpec(stages.size() - 2));
    }
}
