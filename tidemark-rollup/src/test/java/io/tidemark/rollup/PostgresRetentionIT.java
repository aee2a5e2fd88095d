package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresRetentionIT extends AbstractRetentionIT {
    @Override
    protected Store newStore() {
        return TestStores.open(TestStores.postgresDatabase(), clock);
    }
}
