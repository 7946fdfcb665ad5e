package io.sluice.engine.types;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A column's native type, spelled as Druid spells it on the wire ({@code "STRING"}, {@code "LONG"},
 * {@code "ARRAY<STRING>"}, {@code "COMPLEX<json>"} …).
 *
 * <p>Runtime values: STRING → {@link String}, or {@code List<String>} for a multi-value row; LONG → {@link Long};
 * FLOAT → {@link Float}; DOUBLE → {@link Double}; arrays → immutable {@code List<?>} of the element type;
 * COMPLEX → type-specific object. SQL NULL is Java {@code null} everywhere (null and "" differ).
 */
public enum ColumnType {
    STRING("STRING", "VARCHAR"),
    LONG("LONG", "BIGINT"),
    FLOAT("FLOAT", "FLOAT"),
    DOUBLE("DOUBLE", "DOUBLE"),
    STRING_ARRAY("ARRAY<STRING>", "VARCHAR ARRAY"),
    LONG_ARRAY("ARRAY<LONG>", "BIGINT ARRAY"),
    DOUBLE_ARRAY("ARRAY<DOUBLE>", "DOUBLE ARRAY"),
    COMPLEX_JSON("COMPLEX<json>", "OTHER"),
    /** Intermediate aggregator state (sketches, distinct sets): opaque bytes in frames. */
    COMPLEX_STATE("COMPLEX<state>", "OTHER"),
    /** A DataSketches HLL sketch (compact bytes in frames and segments), as Druid's {@code HLLSketch}. */
    COMPLEX_HLL("COMPLEX<HLLSketch>", "OTHER"),
    /** A DataSketches Theta sketch (compact bytes in frames and segments), as Druid's {@code thetaSketch}. */
    COMPLEX_THETA("COMPLEX<thetaSketch>", "OTHER");

    private final String druidName;
    private final String defaultSqlTypeName;

    ColumnType(String druidName, String defaultSqlTypeName) {
        this.druidName = druidName;
        this.defaultSqlTypeName = defaultSqlTypeName;
    }

    @JsonValue
    public String druidName() {
        return druidName;
    }

    public String defaultSqlTypeName() {
        return defaultSqlTypeName;
    }

    public boolean isNumeric() {
        return this == LONG || this == FLOAT || this == DOUBLE;
    }

    /** Complex types whose values are opaque bytes: aggregator states and sketches. */
    public boolean isBinaryComplex() {
        return this == COMPLEX_STATE || this == COMPLEX_HLL || this == COMPLEX_THETA;
    }

    /** Sketch types, whose values a query can re-aggregate. */
    public boolean isSketch() {
        return this == COMPLEX_HLL || this == COMPLEX_THETA;
    }

    public boolean isArray() {
        return this == STRING_ARRAY || this == LONG_ARRAY || this == DOUBLE_ARRAY;
    }

    /** Parses Druid spellings, case-insensitively; accepts {@code STRING_ARRAY} style aliases too. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ColumnType fromString(String name) {
        String n = name.trim();
        String u = n.toUpperCase(Locale.ROOT);
        switch (u) {
            case "STRING", "VARCHAR":
                return STRING;
            case "LONG", "BIGINT":
                return LONG;
            case "FLOAT":
                return FLOAT;
            case "DOUBLE":
                return DOUBLE;
            case "ARRAY<STRING>", "STRING_ARRAY":
                return STRING_ARRAY;
            case "ARRAY<LONG>", "LONG_ARRAY":
                return LONG_ARRAY;
            case "ARRAY<DOUBLE>", "DOUBLE_ARRAY", "ARRAY<FLOAT>":
                return DOUBLE_ARRAY;
            case "COMPLEX<JSON>", "JSON", "NESTED_DATA":
                return COMPLEX_JSON;
            case "COMPLEX<STATE>":
                return COMPLEX_STATE;
            case "COMPLEX<HLLSKETCH>", "HLLSKETCH", "COMPLEX<HLLSKETCHBUILD>", "COMPLEX<HLLSKETCHMERGE>":
                return COMPLEX_HLL;
            case "COMPLEX<THETASKETCH>", "THETASKETCH":
                return COMPLEX_THETA;
            default:
                throw new IllegalArgumentException("Unknown column type [" + name + "]");
        }
    }
}
