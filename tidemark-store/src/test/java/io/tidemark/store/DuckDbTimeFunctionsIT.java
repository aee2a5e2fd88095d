package io.tidemark.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DuckDbTimeFunctionsIT extends TimeFunctionsContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }
}
