package io.sluice.planner.calcite;

import io.sluice.engine.catalog.DataSourceCatalog;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.sql.ExternRewriter.ExternTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;

/** The {@code druid} schema of one plan() call: the catalog's datasources as of now, plus that query's EXTERNs. */
public final class DruidSchema extends AbstractSchema {
    private final Map<String, Table> tables;

    public DruidSchema(DataSourceCatalog catalog, List<ExternTable> externs) {
        Map<String, Table> t = new HashMap<>();
        for (String ds : catalog.dataSources()) {
            Optional<RowSignature> sig = catalog.signature(ds);
            sig.ifPresent(s -> t.put(ds, DruidTable.dataSource(ds, s)));
        }
        for (ExternTable e : externs) {
            t.put(e.name(), DruidTable.extern(e));
        }
        this.tables = Map.copyOf(t);
    }

    @Override
    protected Map<String, Table> getTableMap() {
        return tables;
    }
}
