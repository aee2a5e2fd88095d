package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java client's failover servers ({@code ConnectionConfig.Builder#failover}): two servers on one PostgreSQL
 * store; a live connection to the first moves to the second when the first goes away, registers its queries there
 * and gets fresh snapshots; a first connect to a server that does not answer goes on to the next one.
 */
class LiveFailoverIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TidemarkServer start(Store store) {
        return TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).liveArchiveSync(Duration.ofMillis(200)).build()).store(store)
                .build().start();
    }

    @Test
    void serverGone_connectionMovesToTheFailoverServer_queriesSnapshotAgainThere() {
        String url = TestStores.postgresDatabase();
        try (Store storeA = TestStores.open(url); Store storeB = TestStores.open(url)) {
            TidemarkServer a = start(storeA);
            String token = Tokens.issue(storeA, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
            TidemarkClient http = TidemarkClient.create(ConnectionConfig.builder(a.uri()).token(token).build());
            http.createArchive("temps", Map.of("temp", "DOUBLE"));
            http.activateArchive("temps");
            Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            http.publish("temps", List.of(Row.of("s1", t, Map.of("temp", 1.0))));
            // In single-node mode a server sees only its own ingest: B starts once A stored the row, and loads it.
            try (TidemarkServer b = start(storeB)) {
                ConnectionConfig config = ConnectionConfig.builder(a.uri()).token(token).failover(List.of(b.uri()))
                        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400)).build();
                LiveRecorder rec = new LiveRecorder(true);
                String sql = "SELECT rtId, temp FROM recent.temps";
                try (Connection c = Connection.open(config)) {
                    c.registerQuery(QueryConfig.of("q", sql), rec);
                    rec.await(WAIT, "the snapshot on A", r -> r.marked("q") != null && r.marked("q").size() == 1);

                    a.close();
                    // B loads the stored window when it makes the archive live; the query restarts there.
                    rec.await(WAIT, "a second snapshot, from B", r -> r.snapshots("q") == 2
                            && r.marked("q") != null && r.marked("q").size() == 1);
                    TidemarkClient onB = TidemarkClient.create(ConnectionConfig.builder(b.uri()).token(token).build());
                    onB.publish("temps", List.of(Row.of("s2", t.plusMillis(1), Map.of("temp", 2.0))));
                    rec.await(WAIT, "B's batch", r -> r.marked("q") != null && r.marked("q").size() == 2);
                    assertThat(rec.violations()).isEmpty();
                    assertThat(c.isConnected()).isTrue();
                }

                // A first connect to a server that is gone goes on to the next one.
                LiveRecorder second = new LiveRecorder(true);
                ConnectionConfig deadFirst = ConnectionConfig.builder(URI.create("http://127.0.0.1:" + freePort()))
                        .token(token).failover(List.of(b.uri())).build();
                try (Connection c = Connection.open(deadFirst)) {
                    c.registerQuery(QueryConfig.of("q", sql), second);
                    second.await(WAIT, "the snapshot on B", r -> r.marked("q") != null && r.marked("q").size() == 2);
                }
            } finally {
                a.close();
            }
        }
    }

    /**
     * Many queries, generations cut every millisecond: after the move to B, the queries registered again snapshot in
     * several of B's generations, and the client delivers them as one — at every aggMarkEnd either no query or every
     * query has restarted (without the client's holding back of inner marks, some generations would show some queries
     * with B's state and the others with A's).
     */
    @Test
    void failover_manyQueries_everyAggMarkEndSeesEitherNoneOrAllRestarted() throws Exception {
        String url = TestStores.postgresDatabase();
        int queries = 30;
        try (Store storeA = TestStores.open(url); Store storeB = TestStores.open(url)) {
            TidemarkServer a = startFast(storeA);
            String token = Tokens.issue(storeA, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
            TidemarkClient http = TidemarkClient.create(ConnectionConfig.builder(a.uri()).token(token).build());
            http.createArchive("temps", Map.of("temp", "DOUBLE"));
            http.activateArchive("temps");
            http.publish("temps", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                    Map.of("temp", 1.0))));
            try (TidemarkServer b = startFast(storeB)) {
                SnapshotCounter counter = new SnapshotCounter(queries);
                ConnectionConfig config = ConnectionConfig.builder(a.uri()).token(token).failover(List.of(b.uri()))
                        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400)).build();
                try (Connection c = Connection.open(config)) {
                    for (int q = 0; q < queries; q++) {
                        c.registerQuery(QueryConfig.of("q" + q, "SELECT rtId, temp + " + q + " AS v FROM recent.temps"),
                                counter);
                    }
                    counter.awaitMarks(WAIT, 1);
                    a.close();
                    counter.awaitMarks(WAIT, 2);
                }
                assertThat(counter.violations()).isEmpty();
            } finally {
                a.close();
            }
        }
    }

    private static TidemarkServer startFast(Store store) {
        return TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).livePublishInterval(Duration.ofMillis(1)).build()).store(store)
                .build().start();
    }

    /** Counts each query's snapshots; at each aggMarkEnd checks that no query is a restart behind another. */
    private static final class SnapshotCounter implements io.tidemark.client.QueryListener {
        private final int queries;
        private final Map<String, Integer> snapshots = new java.util.HashMap<>();
        private final List<String> violations = new java.util.ArrayList<>();

        SnapshotCounter(int queries) {
            this.queries = queries;
        }

        @Override
        public synchronized void snapshotBegin(String queryId, io.tidemark.client.QuerySchema schema) {
            snapshots.merge(queryId, 1, Integer::sum);
        }

        @Override
        public synchronized void aggMarkEnd(long generation) {
            int max = snapshots.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int min = snapshots.size() < queries ? 0 : snapshots.values().stream().mapToInt(Integer::intValue).min()
                    .orElse(0);
            if (max >= 2 && min < max) {
                violations.add("aggMarkEnd(" + generation + "): some queries restarted, others not: " + snapshots);
            }
            notifyAll();
        }

        @Override
        public synchronized void exceptionRaised(String queryId, io.tidemark.client.TidemarkClientException error) {
            violations.add(queryId + ": " + error);
        }

        /** Waits until every query had {@code n} snapshots and an aggMarkEnd followed. */
        synchronized void awaitMarks(Duration max, int n) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (snapshots.size() < queries || snapshots.values().stream().anyMatch(v -> v < n)) {
                long left = deadline - System.nanoTime();
                assertThat(left).as("every query's snapshot number %d: %s", n, snapshots).isPositive();
                wait(Math.max(1, left / 1_000_000));
            }
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
