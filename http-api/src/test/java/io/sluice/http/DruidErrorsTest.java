package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.planner.DruidSqlException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DruidErrorsTest {
    @Test
    void modernEnvelopeKeepsContextOrder() {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("sourceType", "sql");
        context.put("line", "1");
        context.put("column", "15");
        DruidSqlException e = new DruidSqlException("invalidInput", "USER", "INVALID_INPUT", "bad", context);

        assertThat(new String(DruidJson.bytes(DruidErrors.envelope(e))))
                .isEqualTo("{\"error\":\"druidException\",\"errorCode\":\"invalidInput\",\"persona\":\"USER\","
                        + "\"category\":\"INVALID_INPUT\",\"errorMessage\":\"bad\","
                        + "\"context\":{\"sourceType\":\"sql\",\"line\":\"1\",\"column\":\"15\"}}");
    }

    @Test
    void legacyEnvelopePutsHostClassAndCodeFirstThenExtraContext() {
        DruidSqlException e = new DruidSqlException(
                "legacyQueryException", "ADMIN", "TIMEOUT", "took too long", Map.of("stage", "1"),
                "Query timeout", "org.apache.druid.query.QueryTimeoutException");

        assertThat(e.httpStatus()).isEqualTo(504);
        assertThat(new String(DruidJson.bytes(DruidErrors.envelope(e))))
                .isEqualTo("{\"error\":\"Query timeout\","
                        + "\"errorClass\":\"org.apache.druid.query.QueryTimeoutException\","
                        + "\"host\":null,\"errorCode\":\"legacyQueryException\",\"persona\":\"ADMIN\","
                        + "\"category\":\"TIMEOUT\",\"errorMessage\":\"took too long\",\"context\":{\"host\":null,"
                        + "\"errorClass\":\"org.apache.druid.query.QueryTimeoutException\","
                        + "\"legacyErrorCode\":\"Query timeout\",\"stage\":\"1\"}}");
    }

    @Test
    void unexpectedExceptionBecomesGeneralDeveloperUncategorized() {
        DruidSqlException e = DruidErrors.unexpected(new NullPointerException());

        assertThat(e.errorCode()).isEqualTo("general");
        assertThat(e.persona()).isEqualTo("DEVELOPER");
        assertThat(e.category()).isEqualTo("UNCATEGORIZED");
        assertThat(e.getMessage()).isEqualTo("java.lang.NullPointerException");
        assertThat(e.httpStatus()).isEqualTo(500);
    }

    @Test
    void createdTimeIntervalTakesUnderscoreOrSlashDatesAndDateTimes() {
        assertThat(OverlordRoutes.parseInterval("2023-06-27_2023-06-28")[1].toString())
                .isEqualTo("2023-06-28T00:00:00Z");
        assertThat(OverlordRoutes.parseInterval("2023-06-27T10:00:00+02:00/2023-06-28T00:00")[0].toString())
                .isEqualTo("2023-06-27T08:00:00Z");
    }
}
