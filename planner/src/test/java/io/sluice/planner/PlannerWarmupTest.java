package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerWarmupTest {
    @Test
    void everyWarmupStatementPlansOnAnEmptyCatalog() {
        // A statement that stopped planning would silently leave its shape cold: each one must plan.
        PlannerWarmup.Result r = PlannerWarmup.run(new CalcitePlanner(new FakeCatalog()));
        assertThat(r.failures()).isEmpty();
        assertThat(r.planned()).isEqualTo(PlannerWarmup.STATEMENTS.size());
    }

    @Test
    void everyTableShapePlansOverTheMadeUpCatalog() {
        PlannerWarmup.Result r = PlannerWarmup.runTableShapes();
        assertThat(r.failures()).isEmpty();
        assertThat(r.planned()).isEqualTo(PlannerWarmup.TABLE_STATEMENTS.size() + 1);
    }

    @Test
    void aFailingStatementIsCountedNotThrown() {
        List<String> seen = new ArrayList<>();
        PlannerWarmup.Result r = PlannerWarmup.run((sql, context, parameters, queryId) -> {
            seen.add(queryId);
            throw DruidSqlException.invalidSqlInput("no");
        });
        assertThat(r.planned()).isZero();
        assertThat(r.failures()).hasSize(PlannerWarmup.STATEMENTS.size());
        assertThat(seen).doesNotHaveDuplicates();
    }
}
