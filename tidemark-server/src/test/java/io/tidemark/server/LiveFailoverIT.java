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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
