package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.RowSignature;
import java.util.List;

/** Literal rows (SQL VALUES, or a query without FROM such as {@code SELECT 1}). Values as in {@code Literal}. */
public record InlineRowsInputSpec(RowSignature signature, List<List<Object>> rows) implements InputSpec {
    public InlineRowsInputSpec {
        requireNonNull(signature, "signature is null");
        rows = List.copyOf(rows);
    }
}
