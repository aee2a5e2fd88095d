package io.tidemark.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;

class PostgresLateDataIT extends LateDataContract {
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

    @Override
    protected void downgradeToV1() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String sql : V1_DOWNGRADE) {
                s.execute(sql);
            }
        }
    }
}
