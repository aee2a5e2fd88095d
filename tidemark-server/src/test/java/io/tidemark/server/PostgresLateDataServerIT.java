package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresLateDataServerIT extends AbstractLateDataServerIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
