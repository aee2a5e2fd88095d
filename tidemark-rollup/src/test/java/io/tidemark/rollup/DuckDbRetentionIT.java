package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbRetentionIT extends AbstractRetentionIT {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir, clock);
    }
}
