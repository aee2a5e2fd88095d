package io.tidemark.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

class DuckDbLateDataIT extends LateDataContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore(Clock clock) {
        return TestStores.duckDb(dir, clock);
    }

    @Override
    protected Store reopen(Store s, Clock clock) {
        s.close();
        return TestStores.duckDb(dir, clock);
    }

    @Override
    protected void executeWithStoreClosed(List<String> statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tidemark.duckdb"));
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql.replace("tidemark.", "tidemark.tidemark."));
            }
        }
    }
}
