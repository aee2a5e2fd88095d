package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbOrchestratorIT extends AbstractOrchestratorIT {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir, clock);
    }

    /** Embedded DuckDB has one writer per file, so "two nodes" share the one store (and its writer lock). */
    @Override
    protected Store secondStore() {
        return store;
    }
}
