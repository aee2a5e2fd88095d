package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit end to end, on both engines: many concurrent writers post small batches with overlapping keys into
 * one archive while one writer's batches are all refused (below the retention horizon). Every good batch is
 * acknowledged, every refused one is refused alone; the stored rows equal a live query's result at its last
 * {@code aggMarkEnd} (the live tables applied the batches in commit order), and each stored value is the value some
 * acknowledged batch wrote; the group-commit metric accounts for every written batch exactly once.
 */
class GroupCommitIT {
    private static final int WRITERS = 12;
    private static final int REQUESTS = 30;
    private static final int SAMPLES = 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern SUM = Pattern.compile("tidemark_ingest_group_batches_sum\\S* (\\S+)");
    private static final Pattern COUNT = Pattern.compile("tidemark_ingest_group_batches_count\\S* (\\S+)");
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"duckdb", "postgresql"})
    void concurrentSmallBatches_allAcknowledgedOrRefusedAlone_storeEqualsLive(String engine) throws Exception {
        Store store = engine.equals("duckdb") ? TestStores.duckDb(dir) : TestStores.postgres();
        try (ServerFixture f = new ServerFixture(store)) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient client = f.client(token);
            client.createArchive("g", Map.of("v", "DOUBLE", "w", "BIGINT"));
            client.activateArchive("g");
            f.graphql(token, "mutation { setArchiveRetention(name: \"g\", retention: \"P1D\") { name } }");
            Instant base = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
            LiveRecorder live = new LiveRecorder(true);
            try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(token).build())) {
                c.registerQuery(QueryConfig.of("all", "SELECT rtId, timestamp, v, w FROM recent.g"), live);
                live.await(WAIT, "the empty snapshot", r -> r.marked("all") != null);

                ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
                AtomicInteger refused = new AtomicInteger();
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    done.add(pool.submit(() -> {
                        Random random = new Random(writer);
                        for (int q = 0; q < REQUESTS; q++) {
                            List<Row> rows = new ArrayList<>();
                            for (int s = 0; s < SAMPLES; s++) {
                                rows.add(Row.of("r" + random.nextInt(10), base.plusSeconds(random.nextInt(60)),
                                        Map.of("v", (double) random.nextInt(1000), "w", (long) writer * 1000 + q)));
                            }
                            assertThat(client.publish("g", rows)).isPositive();
                        }
                        return null;
                    }));
                }
                done.add(pool.submit(() -> {
                    for (int q = 0; q < REQUESTS; q++) {
                        try {
                            client.publish("g", List.of(Row.of("old", base.minus(3, ChronoUnit.DAYS),
                                    Map.of("v", 1.0, "w", -1L))));
                        } catch (TidemarkClientException e) {
                            assertThat(e.code()).isEqualTo("INVALID_BATCH");
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
                for (Future<?> d : done) {
                    d.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
                pool.shutdown();
                assertThat(refused).hasValue(REQUESTS);

                Map<List<Object>, List<Object>> stored = new HashMap<>();
                for (Row r : client.streamData("g", List.of(), base.minusSeconds(1), base.plusSeconds(61), 100_000)) {
                    stored.put(List.of(r.rtId(), r.timestamp()), List.of(((Number) r.values().get("v")).doubleValue(),
                            ((Number) r.values().get("w")).longValue()));
                }
                assertThat(stored).isNotEmpty().allSatisfy((k, v) -> assertThat((Long) v.get(1)).isNotNegative());
                Function<Map<List<Object>, List<Object>>, Map<List<Object>, List<Object>>> shown = m -> {
                    Map<List<Object>, List<Object>> out = new HashMap<>();
                    m.values().forEach(row -> out.put(List.of(row.get(0), row.get(1)),
                            List.of(((Number) row.get(2)).doubleValue(), ((Number) row.get(3)).longValue())));
                    return out;
                };
                live.await(WAIT, "the live result to equal the stored rows",
                        r -> r.marked("all") != null && shown.apply(r.marked("all")).equals(stored));
                assertThat(live.violations()).isEmpty();
            }
            String metrics = f.send("GET", "/metrics", null, null, null).body();
            double sum = metric(SUM, metrics);
            double count = metric(COUNT, metrics);
            assertThat(sum).as("every written batch counted once in tidemark.ingest.group.batches")
                    .isEqualTo(WRITERS * REQUESTS);
            System.out.printf("group commit (%s): %d batches in %.0f transactions (%.1f per transaction)%n", engine,
                    WRITERS * REQUESTS, count, sum / count);
        } finally {
            store.close();
        }
    }

    private static double metric(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertThat(m.find()).as("%s in /metrics", p).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
