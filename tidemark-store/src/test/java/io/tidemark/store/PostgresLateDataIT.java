package io.tidemark.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;

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
    protected void executeWithStoreClosed(List<String> statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
