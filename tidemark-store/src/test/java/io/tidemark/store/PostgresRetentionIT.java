package io.tidemark.store;

import java.time.Clock;

class PostgresRetentionIT extends RetentionContract {
    private String url;

    @Override
    protected Store newStore(Clock clock) {
        url = TestStores.postgresDatabase();
        return TestStores.open(url, clock);
    }

    @Override
    protected Store reopen(Store s, Clock clock) {
        s.close();
        return TestStores.open(url, clock);
    }
}
