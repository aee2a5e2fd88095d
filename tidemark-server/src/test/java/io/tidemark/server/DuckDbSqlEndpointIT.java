package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class DuckDbSqlEndpointIT extends AbstractSqlEndpointIT {
    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }
}
