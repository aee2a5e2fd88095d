package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed document's example: per group a total count and a count above a limit, as two queries of one subscriber,
 * fed by two ingest threads at once while a third thread cuts. At every mark, above ≤ total for every group: the
 * two queries are read as one consistent state.
 */
class ConcurrentIngestTest {
    private static final TenantId TENANT = TenantId.of("plant");

    static LongStream seeds() {
        return Seeds.fixedAndRandom("ConcurrentIngestTest", 1L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void twoIngestThreads_atEveryMark_aboveNeverExceedsTotal(long seed) throws Exception {
        MutableClock clock = new MutableClock(Samples.T0);
        ExecutorService delivery = Executors.newSingleThreadExecutor();
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(delivery).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofHours(1));
        List<String> broken = new ArrayList<>();
        RecordingListener listener = new RecordingListener((g, l) -> {
            Map<Object, Long> total = counts(l.results.getOrDefault("total", Map.of()));
            Map<Object, Long> above = counts(l.results.getOrDefault("above", Map.of()));
            above.forEach((group, n) -> {
                if (n > total.getOrDefault(group, 0L)) {
                    broken.add("generation " + g + ", group " + group + ": above " + n + " > total " + total.get(group));
                }
            });
        });
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        sub.register(QueryConfig.of("total", "SELECT s, COUNT(*) AS n FROM recent.m GROUP BY s"));
        sub.register(QueryConfig.of("above", "SELECT s, COUNT(*) AS n FROM recent.m WHERE b > 10 GROUP BY s"));

        Thread[] ingest = {ingestThread(engine, "x", seed), ingestThread(engine, "y", seed + 1)};
        for (Thread t : ingest) {
            t.start();
        }
        int cuts = 0;
        while (ingest[0].isAlive() || ingest[1].isAlive()) {
            engine.cut(TENANT);
            cuts++;
        }
        for (Thread t : ingest) {
            t.join();
        }
        // A generation reaches a subscriber only when its queries' results change, and the last batches may change
        // none (a replaced sample with the same counts): one more row makes the last generation certain to.
        engine.onCommit(TENANT, Samples.batch().add("z0", Samples.T0, 1.0, 11L, "g1", null).build());
        long last = engine.cut(TENANT);
        delivery.shutdown();
        assertThat(delivery.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(broken).as("seed %d", seed).isEmpty();
        assertThat(listener.violations).as("seed %d", seed).isEmpty();
        assertThat(listener.marks.size()).as("seed %d, %d cuts", seed, cuts).isGreaterThan(1);
        Map<Object, Long> total = counts(listener.resultOf("total"));
        assertThat(total.values().stream().mapToLong(Long::longValue).sum()).as("seed %d", seed)
                .isEqualTo(2 * 4 * 50L + 1);
        assertThat(last).isNotEqualTo(LiveEngine.NO_GENERATION).isEqualTo(engine.generation(TENANT));
        assertThat(listener.lastMark()).isEqualTo(last);
    }

    /** 2,000 batches of 5 samples over 200 keys of its own rtIds: many replacements, 200 rows in the end. */
    private static Thread ingestThread(LiveEngine engine, String prefix, long seed) {
        return new Thread(() -> {
            Random rnd = new Random(seed);
            for (int i = 0; i < 2_000; i++) {
                Samples b = Samples.batch();
                for (int k = 0; k < 5; k++) {
                    int key = rnd.nextInt(200);
                    Instant t = Samples.T0.minusSeconds(key / 4);
                    b.add(prefix + (key % 4), t, 1.0, (long) rnd.nextInt(20), List.of("g1", "g2", "g3").get(rnd.nextInt(3)), null);
                }
                engine.onCommit(TENANT, b.build());
            }
        }, "ingest-" + prefix);
    }

    private static Map<Object, Long> counts(Map<List<Object>, List<Object>> result) {
        Map<Object, Long> out = new HashMap<>();
        result.forEach((k, v) -> out.put(k.get(0), (Long) v.get(1)));
        return out;
    }
}
