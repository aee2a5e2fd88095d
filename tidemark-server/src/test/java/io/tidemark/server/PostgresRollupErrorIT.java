package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresRollupErrorIT extends AbstractRollupErrorIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
