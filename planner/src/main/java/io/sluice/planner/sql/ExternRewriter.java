package io.sluice.planner.sql;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.sql.SqlTokenizer.Kind;
import io.sluice.planner.sql.SqlTokenizer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Replaces each {@code TABLE(EXTERN(...)) [EXTEND (...)]} in a query with a quoted reference to a synthetic table
 * ({@code "__extern_0"}, padded with spaces so positions after it do not move), validating the JSON arguments as
 * Druid does. Also refuses system tables, which the MSQ engine cannot read.
 */
public final class ExternRewriter {
    public static final String PREFIX = "__extern_";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SOURCE_TYPES = List.of("combining", "http", "inline", "local", "nil", "sql");
    private static final List<String> FORMAT_TYPES = List.of("csv", "json", "regex", "tsv");

    /** One EXTERN call: verbatim JSON and the row signature. */
    public record ExternTable(String name, ObjectNode inputSource, ObjectNode inputFormat, RowSignature signature) {}

    public record Result(String sql, List<ExternTable> externs) {}

    private ExternRewriter() {}

    public static Result rewrite(String body) {
        List<Token> toks = SqlTokenizer.tokenize(body);
        checkSystemTables(toks);
        StringBuilder sb = new StringBuilder(body);
        List<ExternTable> externs = new ArrayList<>();
        for (int i = 0; i + 3 < toks.size(); i++) {
            if (!(toks.get(i).isWord("TABLE") && toks.get(i + 1).isSymbol("(") && toks.get(i + 2).isWord("EXTERN")
                    && toks.get(i + 3).isSymbol("("))) {
                continue;
            }
            int externClose = matching(toks, i + 3);
            int tableClose = externClose + 1;
            if (tableClose >= toks.size() || !toks.get(tableClose).isSymbol(")")) {
                continue;
            }
            Map<String, String> args = arguments(toks.subList(i + 4, externClose));
            int end = tableClose;
            List<ColumnSignature> extend = null;
            if (end + 2 < toks.size() && toks.get(end + 1).isWord("EXTEND") && toks.get(end + 2).isSymbol("(")) {
                int close = matching(toks, end + 2);
                extend = extendColumns(toks.subList(end + 3, close));
                end = close;
            }
            String name = PREFIX + externs.size();
            externs.add(table(name, args, extend));
            int start = toks.get(i).start();
            SqlTokenizer.blank(sb, start, toks.get(end).end());
            String ref = "\"" + name + "\"";
            sb.replace(start, start + ref.length(), ref);
            i = end;
        }
        return new Result(sb.toString(), externs);
    }

    private static void checkSystemTables(List<Token> toks) {
        for (int i = 0; i + 2 < toks.size(); i++) {
            Token t = toks.get(i);
            if ((t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_IDENT)
                    && (t.value().equalsIgnoreCase("INFORMATION_SCHEMA") || t.value().equals("sys"))
                    && toks.get(i + 1).isSymbol(".")
                    && (toks.get(i + 2).kind() == Kind.WORD || toks.get(i + 2).kind() == Kind.QUOTED_IDENT)) {
                throw DruidSqlException.invalidSqlInput("Cannot query table(s) [" + t.value() + "."
                        + toks.get(i + 2).value() + "] with SQL engine [msq-task]");
            }
        }
    }

    private static Map<String, String> arguments(List<Token> t) {
        List<String> names = List.of("inputSource", "inputFormat", "signature");
        Map<String, String> out = new HashMap<>();
        int pos = 0;
        int k = 0;
        while (k < t.size()) {
            String name = null;
            if (k + 1 < t.size() && t.get(k + 1).isSymbol("=>")) {
                name = t.get(k).value();
                k += 2;
            }
            if (k >= t.size() || t.get(k).kind() != Kind.STRING) {
                throw DruidSqlException.invalidSqlInput(
                        "EXTERN arguments must be string literals: EXTERN(inputSource, inputFormat[, signature])");
            }
            if (name == null) {
                if (pos >= names.size()) {
                    throw DruidSqlException.invalidSqlInput("EXTERN takes at most 3 arguments");
                }
                name = names.get(pos);
            }
            pos++;
            out.put(name, t.get(k).value());
            k++;
            if (k < t.size() && t.get(k).isSymbol(",")) {
                k++;
            }
        }
        return out;
    }

    private static ExternTable table(String name, Map<String, String> args, List<ColumnSignature> extend) {
        ObjectNode source = parseObject("inputSource", args.get("inputSource"), SOURCE_TYPES,
                "org.apache.druid.data.input.InputSource");
        ObjectNode format = parseObject("inputFormat", args.get("inputFormat"), FORMAT_TYPES,
                "org.apache.druid.data.input.InputFormat");
        RowSignature signature;
        if (args.containsKey("signature")) {
            if (extend != null) {
                throw DruidSqlException.invalidInput(
                        "EXTERN requires either a [signature] value or an EXTEND clause, but not both");
            }
            signature = signature(args.get("signature"));
        } else if (extend != null) {
            signature = new RowSignature(extend);
        } else {
            throw DruidSqlException.invalidInput(
                    "EXTERN requires either a [signature] value or an EXTEND clause");
        }
        return new ExternTable(name, source, format, signature);
    }

    private static ObjectNode parseObject(String field, String json, List<String> knownTypes, String javaType) {
        if (json == null) {
            throw DruidSqlException.invalidInput("Invalid value for the field [" + field + "]. Reason: [null]");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw reason(field, e.getMessage());
        }
        if (!(node instanceof ObjectNode obj)) {
            throw reason(field, "Cannot deserialize value of type `" + javaType + "` from " + json);
        }
        JsonNode type = obj.get("type");
        String typeName = type == null ? null : type.asText();
        if (typeName == null || !knownTypes.contains(typeName)) {
            JsonLocation loc = typeLocation(json);
            String shown = typeName == null ? "missing type id property 'type'" : null;
            String msg = typeName == null
                    ? "Could not resolve subtype of [simple type, class " + javaType + "]: " + shown
                    : "Please make sure to load all the necessary extensions and jars with type '" + typeName
                            + "' on 'druid/broker' service. Could not resolve type id '" + typeName
                            + "' as a subtype of `" + javaType + "` known type ids = " + knownTypes;
            msg += "\n at [Source: (String)\"" + json + "\"; line: " + loc.getLineNr() + ", column: "
                    + loc.getColumnNr() + "]";
            throw reason(field, msg);
        }
        return obj;
    }

    private static JsonLocation typeLocation(String json) {
        try (JsonParser p = JSON.getFactory().createParser(json)) {
            p.nextToken();
            int depth = 0;
            while (p.nextToken() != null) {
                switch (p.currentToken()) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        if (depth == 0 && "type".equals(p.currentName())) {
                            p.nextToken();
                            return p.currentTokenLocation();
                        }
                    }
                    default -> {}
                }
            }
            return p.currentLocation();
        } catch (java.io.IOException e) {
            return JsonLocation.NA;
        }
    }

    private static DruidSqlException reason(String field, String reason) {
        return DruidSqlException.invalidInput("Invalid value for the field [" + field + "]. Reason: [" + reason + "]");
    }

    private static RowSignature signature(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw reason("signature", e.getMessage());
        }
        if (!node.isArray()) {
            throw reason("signature", "Cannot deserialize value of type `RowSignature` from " + json);
        }
        List<ColumnSignature> cols = new ArrayList<>();
        for (JsonNode c : node) {
            String name = c.path("name").asText(null);
            JsonNode type = c.get("type");
            if (type == null || type.isNull()) {
                throw new DruidSqlException("general", "USER", "UNCATEGORIZED",
                        "Uncategorized calcite error message: [org.apache.druid.java.util.common.ISE: "
                                + "Encountered null type for column[" + name + "]]",
                        Map.of());
            }
            try {
                cols.add(new ColumnSignature(name, ColumnType.fromString(type.asText())));
            } catch (IllegalArgumentException e) {
                throw reason("signature", e.getMessage());
            }
        }
        try {
            return new RowSignature(cols);
        } catch (IllegalArgumentException e) {
            throw reason("signature", e.getMessage());
        }
    }

    private static final Set<String> ARRAY_WORDS = Set.of("ARRAY");

    private static List<ColumnSignature> extendColumns(List<Token> t) {
        List<ColumnSignature> cols = new ArrayList<>();
        int k = 0;
        while (k < t.size()) {
            String name = t.get(k).value();
            k++;
            StringBuilder type = new StringBuilder();
            while (k < t.size() && !t.get(k).isSymbol(",")) {
                type.append(type.length() == 0 ? "" : " ").append(t.get(k).upper());
                k++;
            }
            k++;
            cols.add(new ColumnSignature(name, sqlType(name, type.toString())));
        }
        return cols;
    }

    private static ColumnType sqlType(String column, String type) {
        boolean array = false;
        String base = type;
        for (String w : ARRAY_WORDS) {
            if (base.endsWith(" " + w)) {
                array = true;
                base = base.substring(0, base.length() - w.length() - 1);
            }
        }
        ColumnType scalar = switch (base.replaceAll("\\(.*\\)", "").trim().toUpperCase(Locale.ROOT)) {
            case "VARCHAR", "CHAR", "STRING" -> ColumnType.STRING;
            case "BIGINT", "INTEGER", "INT", "SMALLINT", "TINYINT", "BOOLEAN", "TIMESTAMP", "LONG" -> ColumnType.LONG;
            case "FLOAT", "REAL" -> ColumnType.FLOAT;
            case "DOUBLE", "DECIMAL" -> ColumnType.DOUBLE;
            case "TYPE('COMPLEX<JSON>')", "JSON", "OTHER" -> ColumnType.COMPLEX_JSON;
            default -> throw DruidSqlException.invalidSqlInput(
                    "Unsupported type [" + type + "] for column [" + column + "] in EXTEND");
        };
        if (!array) {
            return scalar;
        }
        return switch (scalar) {
            case STRING -> ColumnType.STRING_ARRAY;
            case LONG -> ColumnType.LONG_ARRAY;
            default -> ColumnType.DOUBLE_ARRAY;
        };
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
}
