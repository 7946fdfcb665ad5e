package io.sluice.engine.types;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ordered, named, typed columns. Serialises as Druid's signature array: {@code [{"name":"x","type":"LONG"}, …]}.
 * Column names are case-sensitive and unique.
 */
public final class RowSignature {
    private final List<ColumnSignature> columns;
    private final Map<String, Integer> index;

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public RowSignature(List<ColumnSignature> columns) {
        this.columns = List.copyOf(columns);
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < this.columns.size(); i++) {
            if (idx.put(this.columns.get(i).name(), i) != null) {
                throw new IllegalArgumentException("Duplicate column [" + this.columns.get(i).name() + "]");
            }
        }
        this.index = Map.copyOf(idx);
    }

    public static RowSignature empty() {
        return new RowSignature(List.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    @JsonValue
    public List<ColumnSignature> columns() {
        return columns;
    }

    public int size() {
        return columns.size();
    }

    public ColumnSignature column(int i) {
        return columns.get(i);
    }

    public String name(int i) {
        return columns.get(i).name();
    }

    public ColumnType type(int i) {
        return columns.get(i).type();
    }

    /** Position of the column, or -1. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    public Optional<ColumnType> typeOf(String name) {
        int i = indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(type(i));
    }

    public List<String> names() {
        List<String> out = new ArrayList<>(columns.size());
        for (ColumnSignature c : columns) {
            out.add(c.name());
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowSignature other && other.columns.equals(columns);
    }

    @Override
    public int hashCode() {
        return columns.hashCode();
    }

    @Override
    public String toString() {
        return columns.toString();
    }

    public static final class Builder {
        private final List<ColumnSignature> cols = new ArrayList<>();

        public Builder add(String name, ColumnType type) {
            cols.add(new ColumnSignature(name, type));
            return this;
        }

        public RowSignature build() {
            return new RowSignature(cols);
        }
    }
}
