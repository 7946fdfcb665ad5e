package io.sluice.engine.catalog;

import io.sluice.engine.types.RowSignature;
import java.util.Optional;
import java.util.Set;

/**
 * What the planner may read: the datasources that have visible (published, used, not overshadowed) segments, and
 * the signature of each ({@code __time} LONG first, then the union of the segments' columns, newest segment's type
 * winning).
 */
public interface DataSourceCatalog {
    Set<String> dataSources();

    Optional<RowSignature> signature(String dataSource);
}
