package io.sluice.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.types.ColumnType;
import org.junit.jupiter.api.Test;

class ColumnTypeCheckTest {
    @Test
    void stringIntoExistingArrayInMvdModeIsRefusedWithDruidsAdvice() {
        ColumnTypeCheck c = new ColumnTypeCheck("arrayString", "VARCHAR", ColumnType.STRING, "mvd");
        assertThat(c.violation(ColumnType.STRING_ARRAY)).hasValueSatisfying(m -> assertThat(m).startsWith(
                "Cannot write into field[arrayString] using type[VARCHAR] and arrayIngestMode[mvd], since the existing"
                        + " type is[VARCHAR ARRAY]. Try setting arrayIngestMode to[array] and adjusting your query to"
                        + " make this column an ARRAY instead of VARCHAR."));
    }

    @Test
    void arrayIntoExistingStringIsRefusedPerMode() {
        ColumnTypeCheck array = new ColumnTypeCheck("dim3", "VARCHAR ARRAY", ColumnType.STRING_ARRAY, "array");
        assertThat(array.violation(ColumnType.STRING)).hasValueSatisfying(m -> assertThat(m).startsWith(
                "Cannot write into field[dim3] using type[VARCHAR ARRAY] and arrayIngestMode[array], since the existing"
                        + " type is[VARCHAR]. Try wrapping this field using ARRAY_TO_MV(...) AS \"dim3\""));
        ColumnTypeCheck stringArrayAsMvd = new ColumnTypeCheck("a", "VARCHAR ARRAY", ColumnType.STRING, "mvd");
        assertThat(stringArrayAsMvd.violation(ColumnType.STRING_ARRAY)).hasValueSatisfying(m -> assertThat(m)
                .contains(". Try setting arrayIngestMode to[array] to retain the SQL type[VARCHAR ARRAY]"));
    }

    @Test
    void compatibleOrNewColumnsPass() {
        assertThat(new ColumnTypeCheck("x", "VARCHAR", ColumnType.STRING, "array").violation(ColumnType.STRING))
                .isEmpty();
        assertThat(new ColumnTypeCheck("x", "BIGINT", ColumnType.LONG, "array").violation(ColumnType.STRING))
                .isEmpty();
        assertThat(new ColumnTypeCheck("x", "VARCHAR ARRAY", ColumnType.STRING_ARRAY, "array").violation(null))
                .isEmpty();
    }
}
