package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.plan.ColumnTypeCheck;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DataSketches aggregations, sketch columns, and the type checks of INSERT into existing columns. */
class SketchPlanTest {
    private final PlannerFixtures f = new PlannerFixtures();

    {
        f.catalog.with("rolled", RowSignature.builder()
                .add("__time", ColumnType.LONG)
                .add("channel", ColumnType.STRING)
                .add("users", ColumnType.COMPLEX_HLL)
                .add("tags", ColumnType.STRING_ARRAY)
                .build());
    }

    private static List<AggregatorSpec> preAggs(QuerySpec spec) {
        return spec.queryDefinition().stages().stream()
                .filter(s -> s.processor() instanceof GroupByPreShuffleSpec)
                .map(s -> ((GroupByPreShuffleSpec) s.processor()).aggregations())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void dsHllReturnsASketchColumnWithItsParameters() {
        QuerySpec spec = f.plan("SELECT channel, DS_HLL(page, 14, 'HLL_8') AS s, DS_THETA(page) AS t"
                + " FROM wikipedia GROUP BY channel HAVING HLL_SKETCH_ESTIMATE(DS_HLL(page, 14, 'HLL_8')) > 1");
        AggregatorSpec hll = preAggs(spec).get(0);
        assertThat(hll.kind()).isEqualTo(AggKind.HLL_SKETCH);
        assertThat(hll.sketchSize()).isEqualTo(14);
        assertThat(hll.hllType()).isEqualTo("HLL_8");
        assertThat(spec.resultSignature().typeOf("s")).contains(ColumnType.COMPLEX_HLL);
        assertThat(spec.resultSignature().typeOf("t")).contains(ColumnType.COMPLEX_THETA);
    }

    @Test
    void badSketchParametersAreInvalidInput() {
        assertThatThrownBy(() -> f.plan("SELECT DS_HLL(page, 30) FROM wikipedia"))
                .isInstanceOf(DruidSqlException.class)
                .hasMessageContaining("lgK");
        assertThatThrownBy(() -> f.plan("SELECT DS_HLL(page, 12, 'HLL_5') FROM wikipedia"))
                .isInstanceOf(DruidSqlException.class)
                .hasMessageContaining("tgtHllType");
    }

    @Test
    void sketchColumnsAreReadAsSketchesAndUnfinalizedRollupStoresThem() {
        QuerySpec read = f.plan("SELECT APPROX_COUNT_DISTINCT_DS_HLL(users) FROM rolled");
        assertThat(preAggs(read).get(0).kind()).isEqualTo(AggKind.APPROX_COUNT_DISTINCT_HLL);
        QuerySpec ingest = f.plan("INSERT INTO r2 SELECT __time, channel, APPROX_COUNT_DISTINCT_DS_HLL(page) AS u"
                + " FROM wikipedia GROUP BY 1, 2 PARTITIONED BY DAY", Map.of("finalizeAggregations", false));
        StageDefinition gen = ingest.queryDefinition().finalStage();
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) gen.processor();
        assertThat(sg.metrics()).extracting(AggregatorSpec::name).containsExactly("u");
        assertThat(sg.metrics().get(0).intermediateType()).isEqualTo(ColumnType.COMPLEX_HLL);
    }

    @Test
    void groupByExpressionsDoNotResolveSelectAliases() {
        QuerySpec spec = f.plan("SELECT ARRAY_TO_MV(MV_TO_ARRAY(channel)) AS channel FROM wikipedia"
                + " GROUP BY MV_TO_ARRAY(channel)");
        assertThat(spec.resultSignature().names()).containsExactly("channel");
    }

    @Test
    void arrayIngestModeDecidesStorageAndTheChecksAgainstExistingColumns() {
        QuerySpec mvd = f.plan("REPLACE INTO rolled OVERWRITE ALL SELECT __time, MV_TO_ARRAY(channel) AS tags"
                + " FROM wikipedia PARTITIONED BY ALL", Map.of("arrayIngestMode", "mvd"));
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) mvd.queryDefinition().finalStage().processor();
        assertThat(sg.dimensions()).containsExactly(new ColumnSignature("tags", ColumnType.STRING));
        assertThat(sg.typeChecks()).containsExactly(new ColumnTypeCheck("tags", "VARCHAR ARRAY", ColumnType.STRING, "mvd"));
        QuerySpec excluded = f.plan("REPLACE INTO rolled OVERWRITE ALL SELECT __time, MV_TO_ARRAY(channel) AS tags"
                + " FROM wikipedia PARTITIONED BY ALL", Map.of("columnsExcludedFromTypeVerification", List.of("tags")));
        assertThat(((SegmentGeneratorSpec) excluded.queryDefinition().finalStage().processor()).typeChecks()).isEmpty();
        assertThatThrownBy(() -> f.plan("SELECT 1", Map.of("arrayIngestMode", "none")))
                .isInstanceOf(DruidSqlException.class)
                .hasMessageContaining("arrayIngestMode");
    }

    @Test
    void dimensionsReadByAPostAggregationExpressionAreRecorded() {
        GroupByPreShuffleSpec plain = (GroupByPreShuffleSpec) f.plan(
                "SELECT channel, COUNT(*) FROM wikipedia GROUP BY channel").queryDefinition().stage(0).processor();
        assertThat(plain.expressionDimensions()).isEmpty();
        GroupByPreShuffleSpec expr = (GroupByPreShuffleSpec) f.plan(
                "SELECT MV_TO_ARRAY(channel), COUNT(*) FROM wikipedia GROUP BY channel").queryDefinition().stage(0)
                .processor();
        assertThat(expr.expressionDimensions()).containsExactly("d0");
    }
}
