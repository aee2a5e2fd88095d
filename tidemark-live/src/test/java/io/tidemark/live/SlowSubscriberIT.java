package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A subscriber whose executor does not run while 300 generations are cut: its pending output stays bounded, the
 * other subscriber gets every generation, and once it runs it gets the queued generations, then one merged
 * generation with the newest number whose result equals DuckDB's.
 */
class SlowSubscriberIT {
    private static final TenantId TENANT = TenantId.of("slow");
    private static final int BOUND = 50;
    private static final Map<String, String> QUERIES = Map.of(
            "groups", "SELECT s, COUNT(*) AS n, SUM(b) AS total, MIN(a) AS lo, MAX(a) AS hi FROM recent.m GROUP BY s",
            "rows", "SELECT rtId, timestamp, a, b FROM recent.m WHERE b > 3",
            "top", "SELECT rtId, MAX(b) AS m FROM recent.m WHERE timestamp > now() - INTERVAL '20' SECOND GROUP BY rtId ORDER BY m DESC, rtId LIMIT 3",
            "latest", "SELECT rtId, a FROM latest.m WHERE a > 0");
    private static DuckOracle duck;

    @BeforeAll
    static void open() throws Exception {
        duck = new DuckOracle();
    }

    @AfterAll
    static void close() throws Exception {
        duck.close();
    }

    /** Runs tasks only when told. */
    private static final class ManualExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        void runAll() {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
        }
    }

    static LongStream seeds() {
        return Seeds.fixedAndRandom("SlowSubscriberIT", 1L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void slowSubscriber_boundedThenOneMergedGeneration_equalsOracle(long seed) throws Exception {
        Random rnd = new Random(seed);
        MutableClock clock = new MutableClock(Samples.T0);
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run).maxPendingRows(BOUND).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofSeconds(60));
        RecordingListener fast = new RecordingListener();
        RecordingListener slow = new RecordingListener();
        ManualExecutor slowExecutor = new ManualExecutor();
        Subscription fastSub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), fast);
        Subscription slowSub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), slow, slowExecutor);
        QUERIES.forEach((id, sql) -> fastSub.register(QueryConfig.of(id, sql)));
        QUERIES.forEach((id, sql) -> {
            if (!id.equals("latest")) {
                slowSub.register(QueryConfig.of(id, sql));
            }
        });
        TreeMap<RowKey, Object[]> all = new TreeMap<>();
        List<Long> generations = new java.util.ArrayList<>();
        int maxPending = 0;
        for (int i = 0; i < 300; i++) {
            ingest(engine, rnd, clock, all);
            if (i == 150) {
                // Registered while the subscriber is behind: its snapshot folds into the merged generation.
                slowSub.register(QueryConfig.of("latest", QUERIES.get("latest")));
            }
            clock.advance(Duration.ofMillis(200 + rnd.nextInt(800)));
            long g = engine.cut(TENANT);
            if (g != LiveEngine.NO_GENERATION) {
                generations.add(g);
            }
            maxPending = Math.max(maxPending, slowSub.pendingRows());
            if (i % 25 == 0) {
                verify(fast, all, clock, seed, "fast subscriber, generation " + g);
            }
        }
        // A generation that changes none of its results (e.g. only the slow one's registration) has no marks for it.
        assertThat(generations).as("seed %d", seed).containsAll(fast.marks);
        assertThat(fast.marks.size()).as("seed %d: the fast subscriber keeps up", seed).isGreaterThan(generations.size() * 9 / 10);
        verify(fast, all, clock, seed, "fast subscriber at the end");
        // Queue ≤ bound + one generation; merged ≤ the results (a few dozen rows here), whatever the number of generations.
        assertThat(maxPending).as("seed %d: pending rows", seed).isLessThan(BOUND + 300);

        slowExecutor.runAll();

        long newest = generations.get(generations.size() - 1);
        assertThat(slow.lastMark()).as("seed %d", seed).isEqualTo(newest);
        assertThat(slow.marks.size()).as("seed %d: intermediate generations skipped", seed).isLessThan(generations.size());
        assertThat(slow.violations).as("seed %d", seed).isEmpty();
        assertThat(slowSub.pendingRows()).isZero();
        verify(slow, all, clock, seed, "slow subscriber after the merged generation");
    }

    private static void ingest(LiveEngine engine, Random rnd, MutableClock clock, TreeMap<RowKey, Object[]> all) {
        Samples b = Samples.batch();
        long now = Micros.toMicros(clock.instant());
        for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
            b.add("r" + rnd.nextInt(12), Micros.fromMicros(now - 1_000_000L * rnd.nextInt(70)),
                    (rnd.nextInt(41) - 20) / 2.0, (long) rnd.nextInt(10), List.of("p", "q", "r").get(rnd.nextInt(3)), null);
        }
        SampleBatch batch = b.build();
        engine.onCommit(TENANT, batch);
        for (int r = 0; r < batch.size(); r++) {
            Object[] row = {batch.rtId(r), batch.micros(r), batch.value(r, 0), batch.value(r, 1), batch.value(r, 2), null};
            all.put(RowKey.of(row), row);
        }
    }

    private static void verify(RecordingListener l, TreeMap<RowKey, Object[]> all, MutableClock clock, long seed, String what)
            throws Exception {
        long now = Micros.toMicros(clock.instant());
        Map<String, Object[]> latest = new HashMap<>();
        all.values().forEach(r -> latest.put((String) r[0], r));
        duck.load(all.tailMap(RowKey.floor(now - 60_000_000L), true).values(), latest.values());
        for (Map.Entry<String, String> q : QUERIES.entrySet()) {
            List<List<Object>> expected = duck.query(q.getValue(), clock.instant());
            List<List<Object>> actual = DuckOracle.normalizeAll(l.resultOf(q.getKey()).values());
            assertThat(DuckOracle.sameRows(expected, actual)).as("seed %d, %s, query %s: %s%n expected %s%n actual %s",
                    seed, what, q.getKey(), q.getValue(), expected, actual).isTrue();
        }
    }
}
