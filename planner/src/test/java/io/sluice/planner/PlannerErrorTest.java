package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each user mistake gives Druid's error: code, category and exact message (from the recorded responses). */
class PlannerErrorTest {
    private final PlannerFixtures f = new PlannerFixtures();
    private static final String SEED_SELECT = PlannerFixtures.SEED_INSERT.substring(
            PlannerFixtures.SEED_INSERT.indexOf('\n') + 1, PlannerFixtures.SEED_INSERT.lastIndexOf('\n'));
    private static final String EXT = PlannerFixtures.SMALL_EXTERN;

    private DruidSqlException error(String sql) {
        return error(sql, Map.of());
    }

    private DruidSqlException error(String sql, Map<String, Object> context) {
        DruidSqlException e = catchThrowableOfType(() -> f.planner.plan(sql, context, List.of(), "q"),
                DruidSqlException.class);
        assertThat(e).as(sql).isNotNull();
        return e;
    }

    private static void assertInvalid(DruidSqlException e, String message) {
        assertThat(e.getMessage()).isEqualTo(message);
        assertThat(e.errorCode()).isEqualTo("invalidInput");
        assertThat(e.persona()).isEqualTo("USER");
        assertThat(e.category()).isEqualTo("INVALID_INPUT");
        assertThat(e.httpStatus()).isEqualTo(400);
    }

    private static List<String> options(String message) {
        String list = message.substring(message.indexOf("acceptable options: [") + 21, message.length() - 1);
        return List.of(list.split(", "));
    }

    @Test
    void emptyQuery() {
        DruidSqlException e = error("");
        assertThat(e.getMessage()).startsWith("Received an unexpected token [<EOF>] (line [0], column [0]), "
                + "acceptable options: [\"INSERT\", \"UPSERT\", \"EXPLAIN\", \"SET\"");
        assertThat(e.category()).isEqualTo("INVALID_INPUT");
        assertThat(e.context()).containsEntry("line", "0").containsEntry("column", "0").containsEntry("token", "<EOF>");
        assertThat(error("SET maxNumTasks = 3;").getMessage()).startsWith("Received an unexpected token [<EOF>]");
    }

    @Test
    void syntaxErrorsUseDruidsTokenMessage() {
        // Calcite 1.37 lists the same options as Druid's Calcite, in its own grammar order.
        DruidSqlException typo = error("SELECT * FRM wikipedia");
        assertThat(typo.getMessage()).startsWith(
                "Received an unexpected token [wikipedia] (line [1], column [14]), acceptable options: [<EOF>, ");
        assertThat(options(typo.getMessage())).containsExactlyInAnyOrder("<EOF>", "\"ORDER\"", "\"LIMIT\"",
                "\"OFFSET\"", "\"FETCH\"", "\"FROM\"", "\",\"", "\"UNION\"", "\"INTERSECT\"", "\"EXCEPT\"", "\"MINUS\"");
        assertThat(typo.category()).isEqualTo("INVALID_INPUT");
        assertThat(typo.context()).containsEntry("sourceType", "sql").containsEntry("line", "1")
                .containsEntry("column", "14").containsEntry("endLine", "1").containsEntry("endColumn", "22")
                .containsEntry("token", "wikipedia");

        // Druid's grammar reports this one at WHERE with two-token options; Calcite 1.37's stops at the end.
        DruidSqlException eof = error("SELECT * FROM wikipedia WHERE");
        assertThat(eof.getMessage()).startsWith("Received an unexpected token [<EOF>] (line [1], column [29]), "
                + "acceptable options: [");
        assertThat(eof.context()).containsEntry("sourceType", "sql").containsEntry("token", "<EOF>");
        assertThat(eof.category()).isEqualTo("INVALID_INPUT");
    }

    @Test
    void unknownTableAndColumnCarryPositions() {
        DruidSqlException table = error("INSERT INTO t2 SELECT * FROM no_such_table PARTITIONED BY ALL");
        assertInvalid(table, "Object 'no_such_table' not found (line [1], column [30])");
        assertThat(table.context()).isEqualTo(Map.of("sourceType", "sql", "line", "1", "column", "30", "endLine", "1",
                "endColumn", "42"));
        assertInvalid(error("SELECT * FROM no_such_table"), "Object 'no_such_table' not found (line [1], column [15])");
        DruidSqlException column = error("SELECT nosuchcol FROM wikipedia");
        assertInvalid(column, "Column 'nosuchcol' not found in any table (line [1], column [8])");
        assertThat(column.context()).containsEntry("endColumn", "16");
    }

    @Test
    void clusteredByUnknownColumnPointsAtTheClause() {
        // The request of 62-err-clustered-by-unknown-col.
        DruidSqlException e = error("INSERT INTO t7\n" + SEED_SELECT + "\nPARTITIONED BY DAY CLUSTERED BY nosuchcol");
        assertInvalid(e, "Column 'nosuchcol' not found in any table (line [4], column [33])");
        assertThat(e.context()).containsEntry("line", "4").containsEntry("column", "33").containsEntry("endColumn",
                "41");
        DruidSqlException second = error("INSERT INTO t7\n" + SEED_SELECT + "\nPARTITIONED BY DAY\nCLUSTERED BY "
                + "channel, nosuchcol");
        assertThat(second.context()).containsEntry("line", "5").containsEntry("column", "23");
    }

    @Test
    void contextTypeErrorsAreLegacyErrors() {
        DruidSqlException e = error("SELECT COUNT(*) FROM wikipedia", Map.of("maxNumTasks", "abc"));
        assertThat(e.getMessage()).isEqualTo("Expected key [maxNumTasks] to be in integer format, but got [abc]");
        assertThat(e.errorCode()).isEqualTo("legacyQueryException");
        assertThat(e.persona()).isEqualTo("OPERATOR");
        assertThat(e.category()).isEqualTo("INVALID_INPUT");
        assertThat(e.legacyError()).isEqualTo("Query context parse failed");
        assertThat(e.legacyErrorClass()).isEqualTo("org.apache.druid.query.BadQueryContextException");
        assertThat(e.context()).containsEntry("errorClass", "org.apache.druid.query.BadQueryContextException")
                .containsEntry("legacyErrorCode", "Query context parse failed");

        assertThat(error("SET maxNumTasks = 'x'; SELECT 1").getMessage())
                .isEqualTo("Expected key [maxNumTasks] to be in integer format, but got [x]");
    }

    @Test
    void maxNumTasksBelowTwo() {
        DruidSqlException e = error("SELECT channel FROM wikipedia", Map.of("maxNumTasks", 1));
        assertInvalid(e, "MSQ context maxNumTasks [1] cannot be less than 2, since at least 1 controller and 1 worker "
                + "is necessary");
        assertThat(e.context()).isEmpty();
    }

    @Test
    void partitionedByRules() {
        DruidSqlException missing = error("INSERT INTO t3\n" + SEED_SELECT);
        assertInvalid(missing, "Operation [INSERT] requires a PARTITIONED BY to be explicitly defined, but none was "
                + "found.");
        assertThat(missing.context()).isEqualTo(Map.of("sourceType", "sql"));
        assertInvalid(error("INSERT INTO t6\n" + SEED_SELECT + "\nPARTITIONED BY BOGUS"),
                "Invalid granularity [BOGUS] after PARTITIONED BY.  Expected HOUR, DAY, MONTH, YEAR, ALL TIME, FLOOR() "
                        + "or TIME_FLOOR()");
        assertInvalid(error("INSERT INTO t SELECT dim1 FROM " + EXT + " PARTITIONED BY 'P2D'"),
                "Invalid granularity['P2D'] specified after PARTITIONED BY clause. Expected 'SECOND', 'MINUTE', "
                        + "'FIVE_MINUTE', 'TEN_MINUTE', 'FIFTEEN_MINUTE', 'THIRTY_MINUTE', 'HOUR', 'SIX_HOUR', "
                        + "'EIGHT_HOUR', 'DAY', 'MONTH', 'QUARTER', 'YEAR', 'ALL', ALL TIME, FLOOR() or TIME_FLOOR()");
        assertInvalid(error("INSERT INTO t SELECT dim1 FROM " + EXT + " CLUSTERED BY dim1 PARTITIONED BY DAY"),
                "CLUSTERED BY found before PARTITIONED BY, CLUSTERED BY must come after the PARTITIONED BY clause");
        assertInvalid(error("INSERT INTO t SELECT dim1 FROM " + EXT + " CLUSTERED BY dim1"),
                "CLUSTERED BY found before PARTITIONED BY, CLUSTERED BY must come after the PARTITIONED BY clause");
        assertInvalid(error("INSERT INTO t SELECT dim1 FROM " + EXT + " PARTITIONED BY ALL CLUSTERED BY dim1 DESC"),
                "Invalid CLUSTERED BY clause [`dim1` DESC]: cannot sort in descending order.");
    }

    @Test
    void timeColumnRules() {
        DruidSqlException e = error("INSERT INTO t8 SELECT 1 AS x PARTITIONED BY DAY");
        assertInvalid(e, "The granularity [{type=period, period=P1D, timeZone=UTC, origin=null}] specified in the "
                + "PARTITIONED BY clause of the INSERT query is different from ALL. Therefore, the query must specify "
                + "a time column (named __time).");
        assertThat(e.context()).isEmpty();
        assertInvalid(error("INSERT INTO t SELECT dim1 AS __time FROM " + EXT + " PARTITIONED BY DAY"),
                "Field[__time] was the wrong type[VARCHAR], expected TIMESTAMP");
    }

    @Test
    void ingestQueryShapeRules() {
        String from = " FROM " + EXT;
        assertInvalid(error("INSERT INTO t SELECT TIME_PARSE(\"time\") AS __time, dim1" + from + " ORDER BY dim1 "
                        + "PARTITIONED BY DAY"),
                "Cannot use an ORDER BY clause on a Query of type [INSERT], use CLUSTERED BY instead");
        assertInvalid(error("INSERT INTO t SELECT TIME_PARSE(\"time\") AS __time, dim1" + from + " LIMIT 10 "
                        + "PARTITIONED BY DAY"),
                "INSERT and REPLACE queries cannot have a LIMIT unless PARTITIONED BY is \"ALL\".");
        assertInvalid(error("INSERT INTO t SELECT dim1" + from + " LIMIT 10 OFFSET 2 PARTITIONED BY ALL"),
                "INSERT and REPLACE queries cannot have an OFFSET.");
        assertInvalid(error("INSERT INTO t SELECT UPPER(dim1)" + from + " PARTITIONED BY ALL"),
                "Insertion requires columns to be named, but at least one of the columns was unnamed.  This is usually "
                        + "the result of applying a function without having an alias.");
        assertInvalid(error("INSERT INTO t SELECT dim1 AS x, m1 AS x" + from + " PARTITIONED BY ALL"),
                "Duplicate field in SELECT: [x]");
    }

    @Test
    void targetAndStatementRules() {
        DruidSqlException bad = error("INSERT INTO \"bad/name\" SELECT TIME_PARSE('2015-09-12') AS __time, 1 AS x "
                + "PARTITIONED BY DAY");
        assertInvalid(bad, "Invalid value for field [table]: Value [bad/name] cannot contain '/'.");
        assertThat(bad.context()).isEmpty();
        assertInvalid(error("INSERT INTO \".x\" SELECT 1 AS x PARTITIONED BY ALL"),
                "Invalid value for field [table]: Value [.x] cannot start with '.'.");
        assertInvalid(error("INSERT INTO sys.t SELECT 1 AS x PARTITIONED BY ALL"),
                "Table [sys.t] does not support operation [INSERT] because it is not a Druid datasource");
        DruidSqlException delete = error("DELETE FROM wikipedia WHERE channel = 'x'");
        assertInvalid(delete, "Unsupported SQL statement [DELETE]");
        assertThat(delete.context()).isEqualTo(Map.of("sourceType", "sql"));
        assertInvalid(error("SELECT * FROM INFORMATION_SCHEMA.SCHEMATA"),
                "Cannot query table(s) [INFORMATION_SCHEMA.SCHEMATA] with SQL engine [msq-task]");
    }

    @Test
    void replaceRules() {
        DruidSqlException none = error("REPLACE INTO t12\n" + SEED_SELECT + "\nPARTITIONED BY DAY");
        assertInvalid(none, "Missing time chunk information in OVERWRITE clause for REPLACE. Use OVERWRITE WHERE "
                + "<__time based condition> or OVERWRITE ALL to overwrite the entire table.");
        DruidSqlException misplaced = error("REPLACE INTO t11\n" + SEED_SELECT + "\nOVERWRITE ALL PARTITIONED BY DAY");
        assertThat(misplaced.getMessage()).startsWith("Received an unexpected token [ALL] (line [4], column [11]), "
                + "acceptable options: [<EOF>, ");
        assertThat(options(misplaced.getMessage())).contains("\"ORDER\"", "\"WHERE\"", "\"GROUP\"", "\"UNION\"");
        assertThat(misplaced.context()).containsEntry("line", "4").containsEntry("column", "11")
                .containsEntry("endColumn", "13");
        assertInvalid(error("INSERT INTO t OVERWRITE ALL SELECT dim1 FROM " + EXT + " PARTITIONED BY ALL"),
                "An OVERWRITE clause is not allowed with INSERT statements. Use REPLACE statements if overwriting "
                        + "existing segments is required or remove the OVERWRITE clause.");
        String select = " SELECT TIME_PARSE(\"time\") AS __time, dim1 FROM " + EXT + " PARTITIONED BY DAY";
        assertInvalid(error("REPLACE INTO t OVERWRITE WHERE __time >= TIMESTAMP '2015-09-12 01:00:00' AND __time < "
                        + "TIMESTAMP '2015-09-13'" + select),
                "OVERWRITE WHERE clause identified interval [2015-09-12T01:00:00.000Z/2015-09-13T00:00:00.000Z] which "
                        + "is not aligned with PARTITIONED BY granularity [{type=period, period=P1D, timeZone=UTC, "
                        + "origin=null}]");
        assertInvalid(error("REPLACE INTO t OVERWRITE WHERE dim1 = 'x'" + select),
                "OVERWRITE WHERE clause only supports filtering on the __time column, got [dim1]");
        assertInvalid(error("REPLACE INTO t OVERWRITE WHERE __time LIKE 'x'" + select),
                "Unsupported operation [LIKE] in OVERWRITE WHERE clause.");
        assertThat(error("REPLACE INTO t OVERWRITE WHERE __time < TIMESTAMP '2015-09-12' AND __time >= "
                        + "TIMESTAMP '2015-09-13'" + select).getMessage())
                .endsWith("produced no time intervals, are the bounds overly restrictive?");
    }

    @Test
    void externArgumentErrors() {
        String head = "INSERT INTO t4\nSELECT dim1 FROM TABLE(EXTERN(";
        String tail = "))\nPARTITIONED BY ALL";
        String fmt = "'{\"type\":\"json\"}'";
        String sig = "'[{\"name\":\"dim1\",\"type\":\"string\"}]'";
        DruidSqlException truncated = error(head + "'{\"type\":\"local\", \"baseDir\": ', " + fmt + ", " + sig + tail);
        assertInvalid(truncated, "Invalid value for the field [inputSource]. Reason: [Unexpected end-of-input "
                + "within/between Object entries\n at [Source: (String)\"{\"type\":\"local\", \"baseDir\": \"; line: 1, "
                + "column: 29]]");
        assertThat(truncated.context()).isEmpty();
        assertInvalid(error(head + "'{\"type\":\"nosuch\"}', " + fmt + ", " + sig + tail),
                "Invalid value for the field [inputSource]. Reason: [Please make sure to load all the necessary "
                        + "extensions and jars with type 'nosuch' on 'druid/broker' service. Could not resolve type id "
                        + "'nosuch' as a subtype of `org.apache.druid.data.input.InputSource` known type ids = "
                        + "[combining, http, inline, local, nil, sql]\n at [Source: (String)\"{\"type\":\"nosuch\"}\"; "
                        + "line: 1, column: 9]]");
        assertInvalid(error(head + "'{\"type\":\"inline\",\"data\":\"x\"}', '{\"type\":\"nosuchformat\"}', " + sig
                        + tail),
                "Invalid value for the field [inputFormat]. Reason: [Please make sure to load all the necessary "
                        + "extensions and jars with type 'nosuchformat' on 'druid/broker' service. Could not resolve "
                        + "type id 'nosuchformat' as a subtype of `org.apache.druid.data.input.InputFormat` known type "
                        + "ids = [csv, json, regex, tsv]\n at [Source: (String)\"{\"type\":\"nosuchformat\"}\"; line: 1, "
                        + "column: 9]]");
        DruidSqlException noType = error(head + "'{\"type\":\"inline\",\"data\":\"x\"}', " + fmt
                + ", '[{\"name\":\"time\"}]'" + tail);
        assertThat(noType.getMessage()).isEqualTo("Uncategorized calcite error message: [org.apache.druid.java.util."
                + "common.ISE: Encountered null type for column[time]]");
        assertThat(noType.errorCode()).isEqualTo("general");
        assertThat(noType.category()).isEqualTo("UNCATEGORIZED");
    }

    @Test
    void unsupportedFeaturesAreReportedAsSuch() {
        DruidSqlException join = error("SELECT a.channel FROM wikipedia a FULL JOIN wikipedia b ON a.page > b.page");
        assertThat(join.category()).isEqualTo("UNSUPPORTED");
        assertThat(join.getMessage()).contains("JOIN").contains("not supported yet");
        DruidSqlException unnest = error("SELECT d FROM wikipedia, UNNEST(MV_TO_ARRAY(page)) WITH ORDINALITY AS u(d, o)");
        assertThat(unnest.getMessage())
                .isEqualTo("SQL feature is not supported yet by this engine: UNNEST");
        DruidSqlException export = error("INSERT INTO EXTERN(s3(bucket => 'b', prefix => 'p')) AS CSV SELECT page FROM "
                + "wikipedia");
        assertThat(export.category()).isEqualTo("UNSUPPORTED");
        DruidSqlException disabled = error("INSERT INTO EXTERN(local(exportPath => '/tmp')) AS CSV SELECT page FROM "
                + "wikipedia");
        assertThat(disabled.category()).isEqualTo("NOT_FOUND");
        assertThat(error("EXPLAIN PLAN FOR SELECT page FROM wikipedia").category()).isEqualTo("UNSUPPORTED");
        DruidSqlException window = error("SELECT channel, COUNT(DISTINCT page) OVER (PARTITION BY channel) AS r "
                + "FROM wikipedia");
        assertThat(window.category()).isEqualTo("UNSUPPORTED");
        assertThat(window.httpStatus()).isEqualTo(501);
        assertThat(window.getMessage())
                .isEqualTo("SQL feature is not supported yet by this engine: DISTINCT in window function [COUNT]");
    }
}
