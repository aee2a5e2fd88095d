package io.tidemark.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreIT extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return TestStores.duckDb(dir);
    }
}
