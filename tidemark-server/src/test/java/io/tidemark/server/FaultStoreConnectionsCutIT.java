package io.tidemark.server;

import static io.tidemark.server.FaultHarness.assertAcknowledgedStored;
import static io.tidemark.server.FaultHarness.assertRollupsEqualGroupBy;
import static io.tidemark.server.FaultHarness.liveOracle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.FaultHarness.Writer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The store's connections cut at random points on PostgreSQL: an admin connection runs {@code pg_terminate_backend}
 * on every backend of the server's database a few times while four writers ingest (re-sending a batch that failed
 * until it is acknowledged, as a client riding out a fault would), a live client watches and rollups tick every 200
 * ms in the same JVM. After the writers stop and the system settles: every acknowledged sample is stored, the live
 * result at the last aggMarkEnd equals a from-scratch evaluation, every rollup bucket below the watermark equals the
 * engine's GROUP BY (that case waits for issue 10 item 1), and {@code /health} answers 200 again. Replay a seed with {@code -Dfault.seed=N}.
 */
class FaultStoreConnectionsCutIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    static LongStream seeds() {
        return FaultHarness.seeds(3);
    }

    @ParameterizedTest(name = "PostgreSQL, seed {0}")
    @MethodSource("seeds")
    void postgres_backendsTerminatedUnderLoad_acknowledgedKept_liveEqualsTheOracle_healthUp(long seed)
            throws Exception {
        cutAndCheck(seed, false);
    }

    @ParameterizedTest(name = "PostgreSQL, seed {0}")
    @MethodSource("seeds")
    void postgres_backendsTerminatedUnderLoad_rollupsEqualTheGroupBy(long seed) throws Exception {
        cutAndCheck(seed, true);
    }

    private void cutAndCheck(long seed, boolean checkRollups) throws Exception {
        Random random = new Random(seed);
        String url = TestStores.postgresDatabase();
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofMillis(200)).liveWindow(FaultHarness.LIVE_WINDOW).build();
        try (Store store = TestStores.open(url);
                TidemarkServer server = TidemarkServer.builder(config).store(store).build().start();
                java.sql.Connection pgAdmin = DriverManager.getConnection(url)) {
            String token = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
            ConnectionConfig cc = ConnectionConfig.builder(server.uri()).token(token)
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
            TidemarkClient admin = TidemarkClient.create(cc);
            FaultHarness.createSchema(admin);
            LiveRecorder live = new LiveRecorder(true);
            try (Connection c = Connection.open(cc)) {
                c.registerQuery(QueryConfig.of("q", FaultHarness.LIVE_QUERY), live);
                live.await(WAIT, "the first snapshot", r -> r.marked("q") != null);
                List<Writer> writers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    writers.add(new Writer(w, seed, TidemarkClient.create(cc), true).start());
                }
                FaultHarness.awaitAcknowledged(writers, 1, WAIT);
                int cuts = 2 + random.nextInt(3);
                int terminated = 0;
                for (int i = 0; i < cuts; i++) {
                    FaultHarness.pause(200 + random.nextInt(1000));
                    terminated += terminateBackends(pgAdmin);
                }
                int acked = writers.stream().mapToInt(w -> w.acknowledged().size()).max().orElse(0);
                FaultHarness.awaitAcknowledged(writers, acked + 2, WAIT); // ingest recovered by itself
                writers.forEach(Writer::join);
                Instant stopped = Instant.now();
                System.out.printf("fault cut: %d cuts, %d backends terminated, %d failed requests re-sent%n", cuts,
                        terminated, writers.stream().mapToInt(Writer::failures).sum());
                assertThat(terminated).as("backends terminated").isPositive();

                awaitHealthy(server);
                Map<String, Double> stored = FaultHarness.stored(admin);
                assertAcknowledgedStored(stored, writers);
                Map<List<Object>, List<Object>> expected = liveOracle(stored);
                live.await(WAIT, "the live result equal to a from-scratch evaluation",
                        r -> Oracle.same(r.marked("q"), expected));
                assertThat(live.violations()).isEmpty();
                Map<String, Instant> watermarks = FaultHarness.settle(admin, stopped.minusSeconds(90), WAIT);
                if (checkRollups) {
                    assertRollupsEqualGroupBy(pgAdmin, "plant", watermarks);
                }
            }
        }
    }

    /** Terminates every other backend on the database (the server's pool and anything it is running). */
    private static int terminateBackends(java.sql.Connection pgAdmin) throws Exception {
        try (PreparedStatement ps = pgAdmin.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM "
                + "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** GET /health until it answers 200, at most {@link #WAIT}. */
    private static void awaitHealthy(TidemarkServer server) {
        HttpClient http = HttpClient.newHttpClient();
        await("/health answers 200 after the cuts").atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> http
                .send(HttpRequest.newBuilder(server.uri().resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }
}
