package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresRetentionServerIT extends AbstractRetentionServerIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
