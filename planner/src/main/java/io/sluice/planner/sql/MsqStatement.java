package io.sluice.planner.sql;

import io.sluice.engine.types.Granularity;
import java.util.List;
import java.util.Map;

/**
 * An MSQ statement with the Druid-only clauses taken out.
 *
 * @param kind SELECT, INSERT or REPLACE
 * @param target target datasource (INSERT/REPLACE), else null
 * @param overwrite for REPLACE: null when the OVERWRITE clause is missing, "ALL", or the WHERE condition text
 * @param overwriteOffset offset of the OVERWRITE WHERE condition in the original text (for error positions)
 * @param granularity PARTITIONED BY, or null when absent
 * @param clusteredBy the CLUSTERED BY items as written (turned into the body's ORDER BY)
 * @param body the query text, same length and line layout as the original, with the clauses blanked out
 * @param setContext context from leading SET statements
 * @param export for {@code INSERT INTO EXTERN(...) AS <format>}: the destination, else null (target is then null)
 */
public record MsqStatement(
        Kind kind,
        String target,
        String overwrite,
        int overwriteOffset,
        Granularity granularity,
        List<String> clusteredBy,
        String body,
        Map<String, Object> setContext,
        Export export) {
    public enum Kind { SELECT, INSERT, REPLACE }

    /** An export destination: {@code local(exportPath => '/abs/dir')} and the format named after AS ("CSV"). */
    public record Export(String storage, String exportPath, String format) {}

    public MsqStatement {
        clusteredBy = List.copyOf(clusteredBy);
    }

    /** A statement that is not an export. */
    public MsqStatement(
            Kind kind,
            String target,
            String overwrite,
            int overwriteOffset,
            Granularity granularity,
            List<String> clusteredBy,
            String body,
            Map<String, Object> setContext) {
        this(kind, target, overwrite, overwriteOffset, granularity, clusteredBy, body, setContext, null);
    }

    /** INSERT or REPLACE into a datasource (not an export). */
    public boolean isIngestion() {
        return kind != Kind.SELECT && export == null;
    }

    public boolean isExport() {
        return export != null;
    }
}
