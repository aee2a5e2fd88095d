package io.tidemark.server.sql;

import io.tidemark.live.LiveEngine;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.Store;
import java.util.concurrent.ScheduledExecutorService;

/** What every SQL session of one endpoint shares. */
record SqlContext(Store store, LiveEngine live, ServerConfig.Sql config, TenantSlots slots, SqlMetrics metrics,
        ScheduledExecutorService timers) {
}
