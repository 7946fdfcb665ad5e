package io.sluice.planner;

import io.sluice.engine.catalog.DataSourceCatalog;
import io.sluice.engine.types.RowSignature;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** An in-memory catalog whose contents a test can change between plans. */
final class FakeCatalog implements DataSourceCatalog {
    private final Map<String, RowSignature> tables = new LinkedHashMap<>();

    FakeCatalog with(String name, RowSignature signature) {
        tables.put(name, signature);
        return this;
    }

    @Override
    public Set<String> dataSources() {
        return Set.copyOf(tables.keySet());
    }

    @Override
    public Optional<RowSignature> signature(String dataSource) {
        return Optional.ofNullable(tables.get(dataSource));
    }
}
