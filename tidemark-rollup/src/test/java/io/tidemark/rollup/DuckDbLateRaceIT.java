package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/**
 * DuckDB: one process owns the file, so a "fault" is a statement failing inside its transaction (the recompute's
 * INSERT after its DELETE), an aggregate failing, or the connection lost after an aggregate committed but before
 * its watermark moved — at random points, through the test interceptors.
 */
class DuckDbLateRaceIT extends AbstractLateRaceIT {
    private static final List<String> ROLLUPS = List.of("m1", "s5", "h1", "d1");

    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir, clock);
    }

    @Override
    protected void fault(Random rnd, InterceptingStore hooked) {
        String rollup = ROLLUPS.get(rnd.nextInt(ROLLUPS.size()));
        switch (rnd.nextInt(3)) {
            case 0 -> hooked.runtime.recomputeFaults.computeIfAbsent(rollup, r -> new AtomicInteger()).incrementAndGet();
            case 1 -> hooked.runtime.casFaults.computeIfAbsent(rollup, r -> new AtomicInteger()).incrementAndGet();
            default -> {
                if (!hooked.runtime.failingAggregates.remove(rollup)) {
                    hooked.runtime.failingAggregates.add(rollup);
                }
            }
        }
    }
}
