package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stalled and slow sockets under ingest: one client behind a proxy that freezes (the connection stays open, no byte
 * passes either way), one client that stops reading (its listener blocks, TCP fills, the server passes its outbound
 * bound and parks it), and two healthy clients. Every generation any client sees must equal the from-scratch result
 * of a prefix of the published batches — never a wrong result; the healthy ones get there generation by generation,
 * the frozen one by reconnecting (a new snapshot), the slow one by a merged generation once it reads again (or, if
 * the server closed it, by reconnecting). Replay a seed with {@code -Dfault.seed=N}.
 */
class FaultStalledSocketsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int SENSORS = 3_000;
    private static final int BATCHES = 20;
    private static final long OUTBOUND_BOUND = 64 * 1024;
    @TempDir
    Path dir;

    static LongStream seeds() {
        return FaultHarness.seeds(5);
    }

    @ParameterizedTest(name = "DuckDB, seed {0}")
    @MethodSource("seeds")
    void frozenAndSlowClients_healthyOnesSeeEveryGenerationRight_stalledOnesEndEqualToTheOracle(long seed)
            throws Exception {
        Random random = new Random(seed);
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir.resolve("s" + seed)), ServerConfig.builder()
                .liveOutboundBytes(OUTBOUND_BOUND).liveMaxPendingRows(SENSORS).liveWindow(FaultHarness.LIVE_WINDOW));
                FreezingProxy proxy = new FreezingProxy(f.server.port())) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            FaultHarness.createSchema(http);
            // Healthy clients keep the default heartbeat (a ping every 10 s; the server's timeout is 30 s), so a
            // loaded machine never makes them reconnect. The slow client catches up with a merged generation, or, if
            // its stall outlasts the server's heartbeat timeout, is closed with 4408 and comes back with a snapshot.
            ConnectionConfig healthy = ConnectionConfig.builder(f.uri()).token(token).build();
            ConnectionConfig direct = ConnectionConfig.builder(f.uri()).token(token)
                    .heartbeatInterval(Duration.ofMillis(500))
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
            ConnectionConfig proxied = ConnectionConfig.builder(URI.create("http://127.0.0.1:" + proxy.port()))
                    .token(token).heartbeatInterval(Duration.ofMillis(500))
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
            LiveRecorder fast1 = new LiveRecorder(true);
            LiveRecorder fast2 = new LiveRecorder(true);
            LiveRecorder frozen = new LiveRecorder(true);
            LiveSlowConsumerIT.Stalling slow = new LiveSlowConsumerIT.Stalling();
            QueryConfig q = QueryConfig.of("q", FaultHarness.LIVE_QUERY);
            try (Connection c1 = Connection.open(healthy); Connection c2 = Connection.open(healthy);
                    Connection cs = Connection.open(direct); Connection cf = Connection.open(proxied)) {
                c1.registerQuery(q, fast1);
                c2.registerQuery(q, fast2);
                cs.registerQuery(q, slow);
                cf.registerQuery(q, frozen);
                for (LiveRecorder r : List.of(fast1, fast2, frozen, slow.rec)) {
                    r.await(WAIT, "the first snapshot", x -> x.marked("q") != null);
                }

                CountDownLatch release = new CountDownLatch(1);
                slow.stalled = release;
                int freezeAt = 3 + random.nextInt(BATCHES - 6);
                Map<String, Row> table = new HashMap<>();
                List<Map<List<Object>, List<Object>>> prefixes = new ArrayList<>();
                prefixes.add(oracle(table));
                Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
                List<Row> all = new ArrayList<>();
                for (int i = 1; i <= BATCHES; i++) {
                    List<Row> batch = batch(random, base, i, all);
                    http.publish(FaultHarness.RAW, batch);
                    batch.forEach(r -> table.put(FaultHarness.key(r.timestamp(), r.rtId()), r));
                    all.addAll(batch);
                    prefixes.add(oracle(table));
                    if (i == freezeAt) {
                        proxy.freeze();
                    }
                }
                Map<List<Object>, List<Object>> last = prefixes.get(BATCHES);
                fast1.await(WAIT, "healthy client 1 at the last batch", r -> Oracle.same(r.marked("q"), last));
                fast2.await(WAIT, "healthy client 2 at the last batch", r -> Oracle.same(r.marked("q"), last));
                frozen.await(WAIT, "the frozen client reconnected with a snapshot equal to the oracle",
                        r -> r.snapshots("q") >= 2 && Oracle.same(r.marked("q"), last));
                slow.stalled = null;
                release.countDown();
                slow.rec.await(WAIT, "the slow client caught up", r -> Oracle.same(r.marked("q"), last));

                for (LiveRecorder r : List.of(fast1, fast2, frozen, slow.rec)) {
                    assertEveryGenerationIsAPrefix(r, prefixes);
                    assertThat(r.violations()).isEmpty();
                }
                System.out.printf("fault stall: frozen at batch %d; generations: healthy %d and %d, frozen %d (%d "
                        + "snapshots), slow %d (%d snapshots)%n", freezeAt, fast1.generations().size(),
                        fast2.generations().size(), frozen.generations().size(), frozen.snapshots("q"),
                        slow.rec.generations().size(), slow.rec.snapshots("q"));
                assertThat(fast1.snapshots("q")).as("healthy clients never reconnect").isEqualTo(1);
                assertThat(fast2.snapshots("q")).as("healthy clients never reconnect").isEqualTo(1);
            }
        }
    }

    /**
     * {@code SENSORS} new samples one millisecond after the previous batch, and about one in ten an earlier key of
     * the same rtId sent again with a new value (a late re-send).
     */
    private static List<Row> batch(Random random, Instant base, int seq, List<Row> earlier) {
        Map<String, Row> rows = new java.util.LinkedHashMap<>();
        for (int k = 0; k < SENSORS; k++) {
            Instant ts = base.plusMillis(seq);
            if (!earlier.isEmpty() && random.nextInt(10) == 0) {
                ts = earlier.get(random.nextInt(earlier.size())).timestamp();
            }
            String rtId = "s" + k;
            rows.put(FaultHarness.key(ts, rtId), Row.of(rtId, ts, Map.of("v", (random.nextInt(801) - 400) * 0.25)));
        }
        return new ArrayList<>(rows.values());
    }

    /** {@link FaultHarness#LIVE_QUERY} from scratch over the table of last values per key. */
    private static Map<List<Object>, List<Object>> oracle(Map<String, Row> table) {
        Map<String, Double> stored = new HashMap<>();
        table.forEach((k, r) -> stored.put(k, ((Number) r.values().get("v")).doubleValue()));
        return FaultHarness.liveOracle(stored);
    }

    /** Every generation the client saw equals the oracle of some prefix of the batches, in publishing order. */
    private static void assertEveryGenerationIsAPrefix(LiveRecorder r, List<Map<List<Object>, List<Object>>> prefixes) {
        int at = 0;
        for (LiveRecorder.Snapshot g : r.generations()) {
            Map<List<Object>, List<Object>> result = g.results().get("q");
            if (result == null) {
                continue;
            }
            int from = at;
            while (at < prefixes.size() && !Oracle.same(result, prefixes.get(at))) {
                at++;
            }
            assertThat(at).as("generation %d (%d rows) equals the oracle of a prefix of batches, at or after %d",
                    g.generation(), result.size(), from).isLessThan(prefixes.size());
        }
    }
}
