package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresSqlEndpointIT extends AbstractSqlEndpointIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
