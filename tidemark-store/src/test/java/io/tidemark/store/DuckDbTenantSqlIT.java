package io.tidemark.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbTenantSqlIT extends TenantSqlContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }

    @Override
    protected boolean isolatesTenants() {
        return false;
    }

    /** DuckDB's default zone is the host's, which a test cannot change in-process: only the JVM's is not UTC. */
    @Override
    protected Store newStoreOutsideUtc() {
        return TestStores.duckDb(dir.resolve("zoned"));
    }
}
