package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresExportIT extends AbstractExportIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
