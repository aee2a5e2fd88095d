package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresLateDataIT extends AbstractLateDataIT {
    private String url;

    @Override
    protected Store newStore() {
        url = TestStores.postgresDatabase();
        return TestStores.open(url, clock);
    }

    /** A second pool on the same database, as a second Tidemark node would open it. */
    @Override
    protected Store secondStore() {
        return TestStores.open(url, clock);
    }
}
