package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbLateDataIT extends AbstractLateDataIT {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir, clock);
    }

    /** Embedded DuckDB has one writer per file: "another node" is the same store (and its writer lock). */
    @Override
    protected Store secondStore() {
        return store;
    }
}
