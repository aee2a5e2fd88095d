package io.tidemark.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreIT extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }

    @Override
    protected void recordSchemaVersion(int version) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tidemark.duckdb"));
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO tidemark.tidemark.schema_version VALUES (" + version + ")");
        }
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return TestStores.duckDb(dir);
    }
}
