package io.tidemark.server.sql;

import io.tidemark.live.LiveEngine;
import io.tidemark.sql.catalog.CatalogDatabase;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.Store;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every SQL session of one endpoint shares; {@code catalog} answers tools' catalog statements (psql's {@code \dt},
 * pgjdbc's metadata, Grafana's pickers) on per-tenant shadows, never on the store.
 */
record SqlContext(Store store, LiveEngine live, ServerConfig.Sql config, TenantSlots slots, SqlMetrics metrics,
        ScheduledExecutorService timers, CatalogDatabase catalog) {
}
