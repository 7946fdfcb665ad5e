package io.sluice.planner.sql;

import io.sluice.engine.types.Granularity;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.sql.SqlTokenizer.Kind;
import io.sluice.planner.sql.SqlTokenizer.Token;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the Druid-only parts of an MSQ statement (leading SET statements, the INSERT/REPLACE head, OVERWRITE,
 * PARTITIONED BY, CLUSTERED BY) with a small tokenizer and blanks them out, so that what is left is a standard query
 * for Calcite's parser with unchanged line and column numbers. CLUSTERED BY becomes the body's ORDER BY, so Calcite
 * resolves (and reports) its columns at their real positions.
 */
public final class MsqStatementParser {
    static final String EXPECTED_AT_START = "[\"INSERT\", \"UPSERT\", \"EXPLAIN\", \"SET\", \"RESET\", \"ALTER\", \"WITH\", "
            + "\"+\", \"-\", \"NOT\", \"EXISTS\", <UNSIGNED_INTEGER_LITERAL>, <DECIMAL_NUMERIC_LITERAL>, "
            + "<APPROX_NUMERIC_LITERAL>, <BINARY_STRING_LITERAL>, <PREFIXED_STRING_LITERAL>, <QUOTED_STRING>, "
            + "<UNICODE_STRING_LITERAL>, \"TRUE\", \"FALSE\", \"UNKNOWN\", \"NULL\", \"DATE\", \"TIME\", \"TIMESTAMP\", "
            + "\"INTERVAL\", \"?\", \"CAST\", \"SELECT\", \"VALUES\", \"TABLE\", \"(\", ...]";

    private static final String BAD_GRANULARITY_LITERAL = "Invalid granularity['%s'] specified after PARTITIONED BY clause. "
            + "Expected 'SECOND', 'MINUTE', 'FIVE_MINUTE', 'TEN_MINUTE', 'FIFTEEN_MINUTE', 'THIRTY_MINUTE', 'HOUR', "
            + "'SIX_HOUR', 'EIGHT_HOUR', 'DAY', 'MONTH', 'QUARTER', 'YEAR', 'ALL', ALL TIME, FLOOR() or TIME_FLOOR()";

    private MsqStatementParser() {}

    public static MsqStatement parse(String sql) {
        StringBuilder sb = new StringBuilder(sql);
        List<Token> toks = SqlTokenizer.tokenize(sql);
        Map<String, Object> set = new LinkedHashMap<>();
        int i = 0;
        while (i < toks.size() && toks.get(i).isWord("SET")) {
            i = parseSet(toks, i, set, sb);
        }
        while (i < toks.size() && toks.get(i).isSymbol(";")) {
            SqlTokenizer.blank(sb, toks.get(i).start(), toks.get(i).end());
            i++;
        }
        if (i >= toks.size()) {
            Map<String, String> ctx = new LinkedHashMap<>();
            ctx.put("sourceType", "sql");
            ctx.put("line", "0");
            ctx.put("column", "0");
            ctx.put("endLine", "0");
            ctx.put("endColumn", "0");
            ctx.put("token", "<EOF>");
            ctx.put("expected", EXPECTED_AT_START);
            throw new DruidSqlException("invalidInput", "USER", "INVALID_INPUT",
                    "Received an unexpected token [<EOF>] (line [0], column [0]), acceptable options: "
                            + EXPECTED_AT_START,
                    ctx);
        }
        Token first = toks.get(i);
        for (String unsupported : List.of("DELETE", "UPDATE", "MERGE", "CREATE", "DROP", "ALTER")) {
            if (first.isWord(unsupported)) {
                throw DruidSqlException.invalidSqlInput("Unsupported SQL statement [" + unsupported + "]");
            }
        }
        if (first.isWord("EXPLAIN")) {
            throw new DruidSqlException("general", "USER", "UNSUPPORTED",
                    "SQL feature is not supported yet by this engine: EXPLAIN PLAN FOR", Map.of());
        }
        MsqStatement.Kind kind;
        if (first.isWord("INSERT")) {
            kind = MsqStatement.Kind.INSERT;
        } else if (first.isWord("REPLACE")) {
            kind = MsqStatement.Kind.REPLACE;
        } else {
            return new MsqStatement(MsqStatement.Kind.SELECT, null, null, -1, null, List.of(), sb.toString(), set);
        }
        String op = kind.name();
        int headStart = first.start();
        i++;
        if (i >= toks.size() || !toks.get(i).isWord("INTO")) {
            // Let Calcite produce the parse error for the malformed head.
            return new MsqStatement(MsqStatement.Kind.SELECT, null, null, -1, null, List.of(), sb.toString(), set);
        }
        i++;
        if (i + 1 < toks.size() && toks.get(i).isWord("EXTERN") && toks.get(i + 1).isSymbol("(")) {
            if (kind == MsqStatement.Kind.REPLACE) {
                throw DruidSqlException.invalidSqlInput("REPLACE operations do no support EXTERN destinations. Use "
                        + "INSERT statements to write to an external destination.");
            }
            return parseExport(sql, toks, i, headStart, sb, set);
        }
        List<Token> nameParts = new ArrayList<>();
        while (i < toks.size()) {
            Token t = toks.get(i);
            if (t.kind() != Kind.WORD && t.kind() != Kind.QUOTED_IDENT) {
                break;
            }
            nameParts.add(t);
            i++;
            if (i < toks.size() && toks.get(i).isSymbol(".")) {
                i++;
            } else {
                break;
            }
        }
        if (nameParts.isEmpty()) {
            return new MsqStatement(MsqStatement.Kind.SELECT, null, null, -1, null, List.of(), sb.toString(), set);
        }
        String target = targetName(nameParts, op);
        if (i < toks.size() && toks.get(i).isSymbol("(")) {
            int close = matching(toks, i);
            throw DruidSqlException.invalidSqlInput("Operation [" + op + "] cannot be run with a target column list, given ["
                    + sql.substring(nameParts.get(0).start(), toks.get(close).end()) + "]");
        }
        if (i < toks.size() && toks.get(i).isWord("AS")) {
            throw DruidSqlException.invalidSqlInput("The AS <format> clause should only be specified while exporting "
                    + "rows into an EXTERN destination.");
        }
        String overwrite = null;
        int overwriteOffset = -1;
        if (i < toks.size() && toks.get(i).isWord("OVERWRITE")) {
            if (kind == MsqStatement.Kind.INSERT) {
                throw DruidSqlException.invalidSqlInput("An OVERWRITE clause is not allowed with INSERT statements. "
                        + "Use REPLACE statements if overwriting existing segments is required or remove the OVERWRITE "
                        + "clause.");
            }
            i++;
            if (i < toks.size() && toks.get(i).isWord("ALL")) {
                overwrite = "ALL";
                i++;
            } else if (i < toks.size() && toks.get(i).isWord("WHERE")) {
                i++;
                int condStart = i;
                int depth = 0;
                while (i < toks.size()) {
                    Token t = toks.get(i);
                    if (t.isSymbol("(")) {
                        depth++;
                    } else if (t.isSymbol(")")) {
                        depth--;
                    } else if (depth == 0 && (t.isWord("SELECT") || t.isWord("WITH"))) {
                        break;
                    }
                    i++;
                }
                if (condStart < i) {
                    overwriteOffset = toks.get(condStart).start();
                    overwrite = sql.substring(overwriteOffset, toks.get(i - 1).end());
                }
            }
        }
        int bodyStartTok = i;
        SqlTokenizer.blank(sb, headStart, bodyStartTok < toks.size() ? toks.get(bodyStartTok).start() : sql.length());

        // Trailing PARTITIONED BY / CLUSTERED BY at depth 0.
        int partitioned = -1;
        int clustered = -1;
        int end = toks.size();
        int depth = 0;
        for (int k = bodyStartTok; k < toks.size(); k++) {
            Token t = toks.get(k);
            if (t.isSymbol("(")) {
                depth++;
            } else if (t.isSymbol(")")) {
                depth--;
            } else if (depth == 0 && t.isSymbol(";")) {
                end = k;
                break;
            } else if (depth == 0 && k + 1 < toks.size() && toks.get(k + 1).isWord("BY")) {
                if (t.isWord("PARTITIONED") && partitioned < 0) {
                    partitioned = k;
                } else if (t.isWord("CLUSTERED") && clustered < 0) {
                    clustered = k;
                }
            }
        }
        if (clustered >= 0 && (partitioned > clustered || partitioned < 0)) {
            throw DruidSqlException.invalidSqlInput(
                    "CLUSTERED BY found before PARTITIONED BY, CLUSTERED BY must come after the PARTITIONED BY clause");
        }
        for (int k = end; k < toks.size(); k++) {
            if (toks.get(k).isSymbol(";")) {
                SqlTokenizer.blank(sb, toks.get(k).start(), toks.get(k).end());
            }
        }
        Granularity granularity = null;
        if (partitioned >= 0) {
            int pEnd = clustered >= 0 ? clustered : end;
            granularity = granularity(sql, toks.subList(partitioned + 2, pEnd));
            SqlTokenizer.blank(sb, toks.get(partitioned).start(), toks.get(pEnd - 1).end());
        }
        checkOuterClauses(toks.subList(bodyStartTok, partitioned >= 0 ? partitioned : clustered >= 0 ? clustered : end),
                op, granularity);
        List<String> clusteredBy = new ArrayList<>();
        if (clustered >= 0) {
            List<Token> items = toks.subList(clustered + 2, end);
            int itemStart = 0;
            int d = 0;
            for (int k = 0; k <= items.size(); k++) {
                if (k == items.size() || (d == 0 && items.get(k).isSymbol(","))) {
                    if (k > itemStart) {
                        Token last = items.get(k - 1);
                        String text = sql.substring(items.get(itemStart).start(), last.end());
                        if (last.isWord("DESC")) {
                            String expr = sql.substring(items.get(itemStart).start(), items.get(k - 2).end());
                            String shown = k - 1 - itemStart == 1 && items.get(itemStart).kind() != Kind.STRING
                                    ? "`" + items.get(itemStart).value() + "`"
                                    : expr;
                            throw DruidSqlException.invalidSqlInput(
                                    "Invalid CLUSTERED BY clause [" + shown + " DESC]: cannot sort in descending order.");
                        }
                        clusteredBy.add(text);
                    }
                    itemStart = k + 1;
                } else if (items.get(k).isSymbol("(")) {
                    d++;
                } else if (items.get(k).isSymbol(")")) {
                    d--;
                }
            }
            // "CLUSTERED BY" becomes "ORDER     BY" so positions stay put.
            Token c = toks.get(clustered);
            SqlTokenizer.blank(sb, c.start(), c.end());
            sb.replace(c.start(), c.start() + 5, "ORDER");
            // An outer LIMIT (allowed with PARTITIONED BY ALL) must follow the ORDER BY: move it to the end.
            int limitEnd = partitioned >= 0 ? partitioned : clustered;
            int ld = 0;
            for (int k = bodyStartTok; k < limitEnd; k++) {
                Token t = toks.get(k);
                if (t.isSymbol("(")) {
                    ld++;
                } else if (t.isSymbol(")")) {
                    ld--;
                } else if (ld == 0 && t.isWord("LIMIT")) {
                    String limit = sql.substring(t.start(), toks.get(limitEnd - 1).end());
                    SqlTokenizer.blank(sb, t.start(), toks.get(limitEnd - 1).end());
                    sb.append(' ').append(limit.replace('\n', ' '));
                    break;
                }
            }
        }
        return new MsqStatement(kind, target, overwrite, overwriteOffset, granularity, clusteredBy, sb.toString(), set);
    }

    /**
     * {@code INSERT INTO EXTERN(local(exportPath => '...')) AS CSV <query>}: the head is blanked out; PARTITIONED BY
     * and CLUSTERED BY are refused.
     */
    private static MsqStatement parseExport(
            String sql, List<Token> toks, int externTok, int headStart, StringBuilder sb, Map<String, Object> set) {
        int close = matching(toks, externTok + 1);
        int k = externTok + 2;
        if (k + 1 >= close || toks.get(k).kind() != Kind.WORD || !toks.get(k + 1).isSymbol("(")) {
            throw DruidSqlException.invalidSqlInput("Invalid EXTERN destination ["
                    + sql.substring(toks.get(externTok).start(), toks.get(close).end())
                    + "]: expected a destination function such as local(exportPath => '/path')");
        }
        String storage = toks.get(k).value().toLowerCase(Locale.ROOT);
        int fnClose = matching(toks, k + 1);
        Map<String, String> args = new LinkedHashMap<>();
        for (int a = k + 2; a < fnClose; a++) {
            Token name = toks.get(a);
            if (name.isSymbol(",")) {
                continue;
            }
            if (a + 2 >= fnClose + 1 || !toks.get(a + 1).isSymbol("=>") || toks.get(a + 2).kind() != Kind.STRING) {
                throw DruidSqlException.invalidSqlInput("Invalid arguments of EXTERN destination [" + storage
                        + "]: expected named string arguments such as exportPath => '/path'");
            }
            args.put(name.value(), toks.get(a + 2).value());
            a += 2;
        }
        if (!storage.equals("local")) {
            throw new DruidSqlException("general", "USER", "UNSUPPORTED",
                    "SQL feature is not supported yet by this engine: export destination [" + storage
                            + "]; only local(exportPath => ...) is supported",
                    Map.of());
        }
        String exportPath = args.get("exportPath");
        if (exportPath == null || exportPath.isEmpty()) {
            throw DruidSqlException.invalidSqlInput("Invalid EXTERN destination [local]: missing exportPath");
        }
        int i = close + 1;
        if (i >= toks.size() || !toks.get(i).isWord("AS")) {
            throw DruidSqlException.invalidSqlInput("Exporting rows into an EXTERN destination requires an AS clause to "
                    + "specify the format, but none was found.");
        }
        if (i + 1 >= toks.size() || toks.get(i + 1).kind() != Kind.WORD) {
            throw DruidSqlException.invalidSqlInput("Invalid AS clause of the export: expected a format such as CSV");
        }
        String format = toks.get(i + 1).value().toUpperCase(Locale.ROOT);
        if (!format.equals("CSV")) {
            throw DruidSqlException.invalidSqlInput("Unsupported export format [" + toks.get(i + 1).value()
                    + "]: only CSV is supported.");
        }
        i += 2;
        SqlTokenizer.blank(sb, headStart, i < toks.size() ? toks.get(i).start() : sql.length());
        int depth = 0;
        for (int t = i; t < toks.size(); t++) {
            Token tok = toks.get(t);
            if (tok.isSymbol("(")) {
                depth++;
            } else if (tok.isSymbol(")")) {
                depth--;
            } else if (depth == 0 && tok.isSymbol(";")) {
                SqlTokenizer.blank(sb, tok.start(), tok.end());
            } else if (depth == 0 && (tok.isWord("PARTITIONED") || tok.isWord("CLUSTERED"))
                    && t + 1 < toks.size() && toks.get(t + 1).isWord("BY")) {
                throw new DruidSqlException("general", "USER", "UNSUPPORTED",
                        "Export statements do not support a PARTITIONED BY or CLUSTERED BY clause.", Map.of());
            }
        }
        return new MsqStatement(MsqStatement.Kind.INSERT, null, null, -1, null, List.of(), sb.toString(), set,
                new MsqStatement.Export(storage, exportPath, format));
    }

    /** ORDER BY, LIMIT and OFFSET of the outermost query of an INSERT or REPLACE. */
    private static void checkOuterClauses(List<Token> body, String op, Granularity granularity) {
        int depth = 0;
        for (int k = 0; k < body.size(); k++) {
            Token t = body.get(k);
            if (t.isSymbol("(")) {
                depth++;
            } else if (t.isSymbol(")")) {
                depth--;
            } else if (depth == 0) {
                if (t.isWord("ORDER") && k + 1 < body.size() && body.get(k + 1).isWord("BY")) {
                    throw DruidSqlException.invalidSqlInput("Cannot use an ORDER BY clause on a Query of type [" + op
                            + "], use CLUSTERED BY instead");
                }
                if (t.isWord("OFFSET")) {
                    throw DruidSqlException.invalidSqlInput("INSERT and REPLACE queries cannot have an OFFSET.");
                }
                if ((t.isWord("LIMIT") || t.isWord("FETCH")) && granularity != null && !granularity.isAll()) {
                    throw DruidSqlException.invalidSqlInput(
                            "INSERT and REPLACE queries cannot have a LIMIT unless PARTITIONED BY is \"ALL\".");
                }
            }
        }
    }

    private static int parseSet(List<Token> toks, int i, Map<String, Object> set, StringBuilder sb) {
        int start = toks.get(i).start();
        int j = i + 1;
        if (j + 2 >= toks.size() || !toks.get(j + 1).isSymbol("=")) {
            throw DruidSqlException.invalidSqlInput("Invalid SET statement: expected SET <key> = <literal>;");
        }
        Token key = toks.get(j);
        int v = j + 2;
        boolean negative = false;
        if (toks.get(v).isSymbol("-") && v + 1 < toks.size()) {
            negative = true;
            v++;
        }
        Token val = toks.get(v);
        Object value;
        if (val.kind() == Kind.STRING) {
            value = val.value();
        } else if (val.kind() == Kind.NUMBER) {
            BigDecimal bd = new BigDecimal(val.text());
            if (negative) {
                bd = bd.negate();
            }
            if (bd.scale() <= 0 || val.text().indexOf('.') < 0) {
                value = bd.longValueExact();
            } else {
                value = bd.doubleValue();
            }
        } else if (val.isWord("TRUE") || val.isWord("FALSE")) {
            value = Boolean.parseBoolean(val.text().toLowerCase(Locale.ROOT));
        } else if (val.isWord("NULL")) {
            value = null;
        } else {
            throw DruidSqlException.invalidSqlInput("Unsupported value for SET statement [" + key.value()
                    + "]: only string, numeric and boolean literals are allowed, got [" + val.text() + "]");
        }
        int k = v + 1;
        if (k >= toks.size() || !toks.get(k).isSymbol(";")) {
            throw DruidSqlException.invalidSqlInput(
                    "Invalid SET statement: expected ';' after SET " + key.value() + " = " + val.text());
        }
        set.put(key.value(), value);
        SqlTokenizer.blank(sb, start, toks.get(k).end());
        return k + 1;
    }

    private static String targetName(List<Token> parts, String op) {
        String table;
        if (parts.size() == 1) {
            table = parts.get(0).value();
        } else if (parts.size() == 2 && parts.get(0).value().equals("druid")) {
            table = parts.get(1).value();
        } else {
            StringBuilder full = new StringBuilder();
            for (Token t : parts) {
                full.append(full.length() == 0 ? "" : ".").append(t.value());
            }
            throw DruidSqlException.invalidSqlInput("Table [" + full + "] does not support operation [" + op
                    + "] because it is not a Druid datasource");
        }
        validateDataSourceName(table);
        return table;
    }

    /** Druid's IdUtils checks for a datasource name. */
    public static void validateDataSourceName(String name) {
        String prefix = "Invalid value for field [table]: ";
        if (name.isEmpty()) {
            throw DruidSqlException.invalidInput(prefix + "Value cannot be null or empty.");
        }
        if (name.startsWith(".")) {
            throw DruidSqlException.invalidInput(prefix + "Value [" + name + "] cannot start with '.'.");
        }
        if (name.contains("/")) {
            throw DruidSqlException.invalidInput(prefix + "Value [" + name + "] cannot contain '/'.");
        }
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            if (c != ' ' && Character.isWhitespace(c)) {
                throw DruidSqlException.invalidInput(
                        prefix + "Value [" + name + "] cannot contain whitespace character except space.");
            }
        }
    }

    private static int matching(List<Token> toks, int open) {
        int depth = 0;
        for (int k = open; k < toks.size(); k++) {
            if (toks.get(k).isSymbol("(")) {
                depth++;
            } else if (toks.get(k).isSymbol(")") && --depth == 0) {
                return k;
            }
        }
        return toks.size() - 1;
    }

    static Granularity granularity(String sql, List<Token> t) {
        if (t.isEmpty()) {
            throw badKeyword("<EOF>");
        }
        String text = sql.substring(t.get(0).start(), t.get(t.size() - 1).end());
        Token head = t.get(0);
        if (t.size() == 1 && head.kind() == Kind.STRING) {
            return literalGranularity(head.value());
        }
        if (t.size() == 1 && head.kind() == Kind.WORD) {
            return switch (head.upper()) {
                case "HOUR", "DAY", "MONTH", "YEAR", "ALL" -> Granularity.of(head.upper());
                default -> throw badKeyword(head.text());
            };
        }
        if (t.size() == 2 && head.isWord("ALL") && t.get(1).isWord("TIME")) {
            return Granularity.ALL;
        }
        // TIME_FLOOR(__time, 'P1D') / FLOOR(__time TO DAY)
        if (head.isWord("TIME_FLOOR") && t.size() == 6 && t.get(1).isSymbol("(") && t.get(3).isSymbol(",")
                && t.get(4).kind() == Kind.STRING && t.get(5).isSymbol(")") && isTime(t.get(2))) {
            return literalGranularity(t.get(4).value());
        }
        if (head.isWord("FLOOR") && t.size() == 6 && t.get(1).isSymbol("(") && t.get(3).isWord("TO")
                && t.get(4).kind() == Kind.WORD && t.get(5).isSymbol(")") && isTime(t.get(2))) {
            return literalGranularity(t.get(4).upper());
        }
        throw badKeyword(text);
    }

    private static boolean isTime(Token t) {
        return (t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_IDENT) && t.value().equals("__time");
    }

    private static Granularity literalGranularity(String s) {
        try {
            return Granularity.of(s);
        } catch (IllegalArgumentException e) {
            throw DruidSqlException.invalidSqlInput(String.format(Locale.ROOT, BAD_GRANULARITY_LITERAL, s));
        }
    }

    private static DruidSqlException badKeyword(String text) {
        return DruidSqlException.invalidSqlInput("Invalid granularity [" + text + "] after PARTITIONED BY.  "
                + "Expected HOUR, DAY, MONTH, YEAR, ALL TIME, FLOOR() or TIME_FLOOR()");
    }
}
