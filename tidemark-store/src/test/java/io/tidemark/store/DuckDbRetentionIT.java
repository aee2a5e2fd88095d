package io.tidemark.store;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class DuckDbRetentionIT extends RetentionContract {
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
}
