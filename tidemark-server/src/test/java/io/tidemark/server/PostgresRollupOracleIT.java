package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresRollupOracleIT extends AbstractRollupOracleIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
