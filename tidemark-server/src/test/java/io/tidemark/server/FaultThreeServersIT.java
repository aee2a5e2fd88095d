package io.tidemark.server;

import static io.tidemark.server.FaultHarness.assertAcknowledgedStored;
import static io.tidemark.server.FaultHarness.assertRollupsEqualGroupBy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.FaultHarness.Writer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three {@code tidemark serve} processes on one PostgreSQL database (single-node mode: several servers on one
 * store), under load from writers that post to all three and, when a send fails, re-send the batch to the next
 * server. First a rolling restart (each server in turn stopped with SIGTERM and started again on its ports, writers
 * going on), then {@code kill -9} of a random server at a random point, which is started again. Then: every
 * acknowledged sample is stored once, with its last acknowledged value, and nothing else; after the rollups settle
 * (three orchestrators, watermarks by compare-and-set) every bucket below the watermark equals PostgreSQL's own
 * GROUP BY of the raw rows. Replay a seed with {@code -Dfault.seed=N}.
 */
class FaultThreeServersIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TENANT = "default";
    private static final int SERVERS = 3;
    /** Acknowledged batches (all writers) each phase waits for while a server is down or back. */
    private static final int PROGRESS = 6;
    /**
     * Each writer's pause after an acknowledged batch: at most about 12 batches (2,100 samples) a second in all, so
     * that the run stays below the 100,000 rows {@link FaultHarness#storedRows} reads in one request.
     */
    private static final Duration PACE = Duration.ofMillis(250);

    @RegisterExtension
    final ServerProcesses servers = new ServerProcesses();

    static LongStream seeds() {
        return FaultHarness.seeds(1);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void rollingRestartThenKill9_underLoadOnAllThree_acknowledgedStoredOnce_rollupsEqualTheGroupBy(long seed)
            throws Exception {
        Random random = new Random(seed);
        long t0 = System.nanoTime();
        String url = TestStores.postgresDatabase();
        String token = adminToken(url);
        List<NodeProcess> nodes = servers.start(SERVERS, List.of("--jdbc-url", url, "--set", "bootstrap.token=false",
                "--set", "rollup.interval=200ms"));
        nodes.forEach(n -> phase(t0, n.name() + " started in " + n.lastStart().toMillis() + " ms"));
        List<TidemarkClient> clients = nodes.stream().map(n -> client(n, token)).toList();
        FaultHarness.createSchema(clients.get(0));

        List<Writer> writers = new ArrayList<>();
        for (int w = 0; w < SERVERS; w++) {
            writers.add(new Writer(w, seed, rotated(clients, w), true).pace(PACE).start());
        }
        FaultHarness.awaitAcknowledged(writers, 2, WAIT);
        phase(t0, "writers running on all three");

        for (NodeProcess n : nodes) {
            assertThat(n.stop()).as("%s's exit code after SIGTERM", n.name()).isEqualTo(143);
            awaitProgress(writers, n.name() + " stopped");
            n.restart();
            awaitProgress(writers, n.name() + " restarted");
            phase(t0, n.name() + " restarted in " + n.lastStart().toMillis() + " ms");
        }

        NodeProcess victim = nodes.get(random.nextInt(SERVERS));
        FaultHarness.pause(random.nextInt(1000));
        victim.kill();
        Instant killed = Instant.now();
        awaitProgress(writers, victim.name() + " killed");
        victim.restart();
        awaitProgress(writers, victim.name() + " restarted after the kill");
        writers.forEach(Writer::join);
        phase(t0, victim.name() + " killed and restarted; " + acknowledged(writers) + " batches acknowledged, "
                + writers.stream().mapToInt(Writer::failures).sum() + " failed sends");
        assertThat(writers).as("every writer's server went down under it at least once, and it re-sent elsewhere")
                .allMatch(w -> w.failures() > 0);

        List<Row> rows = FaultHarness.storedRows(clients.get(random.nextInt(SERVERS)));
        Map<String, Double> stored = FaultHarness.stored(rows);
        assertThat(rows).as("one row per sample key").hasSize(stored.size());
        assertAcknowledgedStored(stored, writers);
        phase(t0, stored.size() + " stored samples checked against the writers' ledger");

        Map<String, Instant> watermarks = FaultHarness.settle(clients.get(random.nextInt(SERVERS)),
                killed.minusSeconds(90), WAIT);
        try (java.sql.Connection jdbc = DriverManager.getConnection(url)) {
            assertRollupsEqualGroupBy(jdbc, TENANT, watermarks);
        }
        phase(t0, "rollups settled and equal the GROUP BY");
    }

    /** An admin token for {@link #TENANT}, issued in the store before any server runs (none prints one). */
    private static String adminToken(String url) throws Exception {
        try (Store store = TestStores.open(url)) {
            return Tokens.issue(store, TenantId.of(TENANT), Role.ADMIN, "test", Instant.now()).secret();
        }
    }

    private static TidemarkClient client(NodeProcess n, String token) {
        return TidemarkClient.create(ConnectionConfig.builder(n.uri()).token(token)
                .requestTimeout(Duration.ofSeconds(30)).build());
    }

    /** {@code clients} starting at {@code first}: writer {@code w} begins on server {@code w}. */
    private static List<TidemarkClient> rotated(List<TidemarkClient> clients, int first) {
        List<TidemarkClient> out = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            out.add(clients.get((first + i) % clients.size()));
        }
        return out;
    }

    private static int acknowledged(List<Writer> writers) {
        return writers.stream().mapToInt(w -> w.acknowledged().size()).sum();
    }

    /** Waits (bounded) until the writers together have {@link #PROGRESS} more acknowledged batches. */
    private static void awaitProgress(List<Writer> writers, String after) {
        int from = acknowledged(writers);
        await("writers acknowledged " + PROGRESS + " more batches after " + after).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20)).until(() -> acknowledged(writers) >= from + PROGRESS);
    }

    private static void phase(long t0, String what) {
        System.out.printf("three servers: %s at %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }
}
