package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import org.junit.jupiter.api.Test;

/** Druid SQL that Calcite's own grammar reads differently: DATE_TRUNC('unit', ts) and date-only TIMESTAMP literals. */
class DruidLiteralsTest {
    private final PlannerFixtures f = new PlannerFixtures();

    @Test
    void dateTruncAndDateOnlyTimestampLiterals() {
        QuerySpec spec = f.plan("SELECT DATE_TRUNC('DAY', TIMESTAMP '2000-01-01' - INTERVAL '1' DAY) AS d, "
                + "TIMESTAMP '2000-01-02T03:04:05Z' AS t FROM wikipedia");
        String plan = ((ScanProcessorSpec) spec.queryDefinition().stage(0).processor()).columns().toString();
        assertThat(plan).contains("timestamp_floor").contains("P1D");
        // 2000-01-01 is 946684800000; 2000-01-02T03:04:05Z is 946782245000
        assertThat(plan).contains("946684800000").contains("946782245000");
        assertThat(spec.sqlTypeNames()).containsExactly("TIMESTAMP", "TIMESTAMP");
    }
}
