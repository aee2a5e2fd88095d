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
}
