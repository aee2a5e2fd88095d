package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DOUBLE SUM / AVG under many additions and retractions: non-dyadic values (thirds, sevenths) of very different
 * magnitudes come and go (replaced, expired, leaving a time window) thousands of times in groups that never empty, then
 * only small values remain. A running sum that adds and subtracts plainly would keep the rounding of every large value
 * it ever saw (about 1e-4 each here); the engine's compensated sum must match DuckDB's sum over the rows present to a
 * relative 1e-9 at every check.
 */
class DoubleSumDriftIT {
    private static final TenantId TENANT = TenantId.of("drift");
    private static final Map<String, String> QUERIES = Map.of(
            "recent", "SELECT s, SUM(a) AS total, AVG(a) AS mean, COUNT(*) AS n FROM recent.m GROUP BY s",
            "window", "SELECT s, SUM(a) AS total FROM recent.m WHERE timestamp > now() - INTERVAL '4' SECOND GROUP BY s",
            "filtered", "SELECT SUM(a) FILTER (WHERE b > 2) AS total, AVG(a) AS mean FROM recent.m",
            "latest", "SELECT s, SUM(a) AS total, AVG(a) AS mean FROM latest.m GROUP BY s");

    static LongStream seeds() {
        return Seeds.fixedAndRandom("DoubleSumDriftIT", 1L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void manyRetractions_nonDyadicDoubles_sumsMatchDuckDb(long seed) throws Exception {
        Random rnd = new Random(seed);
        MutableClock clock = new MutableClock(Samples.T0);
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofSeconds(10));
        RecordingListener listener = new RecordingListener();
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        QUERIES.forEach((id, sql) -> sub.register(QueryConfig.of(id, sql)));
        TreeMap<RowKey, Object[]> all = new TreeMap<>();
        int steps = 2_500;
        try (DuckOracle duck = new DuckOracle()) {
            for (int step = 0; step < steps; step++) {
                boolean settle = step >= steps - 15;
                ingest(engine, rnd, clock, all, settle);
                clock.advance(Duration.ofMillis(500 + rnd.nextInt(1000)));
                engine.cut(TENANT);
                if (step % 250 == 0 || step == steps - 1) {
                    verify(duck, listener, all, clock, seed, step);
                }
            }
        }
        assertThat(listener.violations).as("seed %d", seed).isEmpty();
        assertThat(listener.errors).as("seed %d", seed).isEmpty();
    }

    /**
     * 1–12 samples over 6 series in 2 groups: a third of them huge (~1e12 / 3, all positive, so that DuckDB's own plain
     * sum over the rows present suffers no cancellation), the rest small sevenths of either sign.
     */
    private static void ingest(LiveEngine engine, Random rnd, MutableClock clock, TreeMap<RowKey, Object[]> all,
            boolean onlySmall) {
        Samples b = Samples.batch();
        long now = Micros.toMicros(clock.instant());
        for (int k = 0; k < 1 + rnd.nextInt(12); k++) {
            boolean huge = !onlySmall && rnd.nextInt(3) == 0;
            double a = huge ? (1e12 + rnd.nextInt(1_000_000)) / 3.0
                    : (rnd.nextInt(20_001) - 10_000) / 7.0;
            Instant t = Micros.fromMicros(now - 1_000_000L * rnd.nextInt(9));
            b.add("r" + rnd.nextInt(6), t, a, (long) rnd.nextInt(5), rnd.nextBoolean() ? "p" : "q", null);
        }
        SampleBatch batch = b.build();
        engine.onCommit(TENANT, batch);
        for (int r = 0; r < batch.size(); r++) {
            Object[] row = {batch.rtId(r), batch.micros(r), batch.value(r, 0), batch.value(r, 1), batch.value(r, 2), null};
            all.put(RowKey.of(row), row);
        }
    }

    private static void verify(DuckOracle duck, RecordingListener l, TreeMap<RowKey, Object[]> all, MutableClock clock,
            long seed, int step) throws Exception {
        long now = Micros.toMicros(clock.instant());
        Map<String, Object[]> latest = new HashMap<>();
        all.values().forEach(r -> latest.put((String) r[0], r));
        duck.load(all.tailMap(RowKey.floor(now - 10_000_000L), true).values(), latest.values());
        for (Map.Entry<String, String> q : QUERIES.entrySet()) {
            List<List<Object>> expected = duck.query(q.getValue(), clock.instant());
            List<List<Object>> actual = DuckOracle.normalizeAll(l.resultOf(q.getKey()).values());
            assertThat(DuckOracle.sameRows(expected, actual)).as("seed %d, step %d, query %s: %s%n expected %s%n actual %s",
                    seed, step, q.getKey(), q.getValue(), expected, actual).isTrue();
        }
    }
}
