package io.tidemark.server;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;

class PostgresStreamCursorIT extends AbstractStreamCursorIT {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
