package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revoked token's live connections end with 4401 "token revoked" (docs/live-protocol.md): at once on the server
 * that handled the revocation, within {@code auth.revalidate-interval} when it was revoked in the store directly or
 * on another server sharing the store. Other tokens' connections keep streaming.
 */
class RevokedTokenLiveIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LATEST = "SELECT rtId, temp FROM latest.plant";
    @TempDir
    Path dir;

    /** Re-validation effectively off: only the revoking server's own hook can close the connection. */
    @Test
    void revokeTokenThroughGraphQl_closesItsLiveConnectionAtOnce_othersKeepStreaming() {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .authRevalidateInterval(Duration.ofHours(1)))) {
            String admin = f.token("plant", Role.ADMIN);
            Tokens.Issued doomed = f.issue("plant", Role.READER);
            String kept = f.token("plant", Role.READER);
            TidemarkClient c = f.client(admin);
            createPlant(c);
            LiveRecorder revoked = new LiveRecorder(true);
            LiveRecorder other = new LiveRecorder(true);
            try (Connection a = connect(f, doomed.secret()); Connection b = connect(f, kept)) {
                a.registerQuery(QueryConfig.of("q", LATEST), revoked);
                b.registerQuery(QueryConfig.of("q", LATEST), other);
                publish(c, "s1", 1.0);
                revoked.await(WAIT, "the first row", r -> rows(r) == 1);
                other.await(WAIT, "the first row", r -> rows(r) == 1);

                assertThat(c.graphql("mutation($id: String!) { revokeToken(id: $id) { id revokedAt } }",
                        Map.of("id", doomed.info().id())).path("revokeToken").path("revokedAt").isNull()).isFalse();

                revoked.await(WAIT, "the revoked token's query to end", r -> r.error("q") != null);
                assertThat(revoked.error("q").code()).isEqualTo("TOKEN_REVOKED");
                assertThat(revoked.error("q").getMessage()).contains("4401", "token revoked");
                publish(c, "s2", 2.0);
                other.await(WAIT, "the row after the revocation", r -> rows(r) == 2);
                assertThat(other.error("q")).isNull();
                assertThat(rows(revoked)).isEqualTo(1);
            }
            assertThat(f.graphql(doomed.secret(), "{ archives { name } }").statusCode()).isEqualTo(401);
            assertThat(revoked.violations()).isEmpty();
        }
    }

    /** Revoked straight in the store (as `token revoke` on the store does): the periodic re-validation ends it. */
    @Test
    void tokenRevokedInTheStore_liveConnectionClosedByTheNextRevalidation() {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .authRevalidateInterval(Duration.ofMillis(200)))) {
            String admin = f.token("plant", Role.ADMIN);
            Tokens.Issued doomed = f.issue("plant", Role.READER);
            createPlant(f.client(admin));
            LiveRecorder rec = new LiveRecorder(true);
            try (Connection a = connect(f, doomed.secret())) {
                a.registerQuery(QueryConfig.of("q", LATEST), rec);
                publish(f.client(admin), "s1", 1.0);
                rec.await(WAIT, "the first row", r -> rows(r) == 1);
                f.store.tokens().revoke(doomed.info().id(), Instant.now());
                rec.await(WAIT, "the revoked token's query to end", r -> r.error("q") != null);
                assertThat(rec.error("q").code()).isEqualTo("TOKEN_REVOKED");
            }
            assertThat(f.server.meterRegistry().get("tidemark.live.revoked.closes").counter().count()).isEqualTo(1);
        }
    }

    /** Two servers on one PostgreSQL store: revoked through A, the connection on B ends within B's interval. */
    @Test
    void twoServersOnePostgresStore_revokedOnA_liveConnectionOnBCloses() throws Exception {
        String url = TestStores.postgresDatabase();
        ServerConfig.Builder cfg = ServerConfig.builder().liveArchiveSync(Duration.ofMillis(200))
                .authRevalidateInterval(Duration.ofMillis(300));
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cfg);
                ServerFixture b = new ServerFixture(TestStores.open(url), cfg)) {
            String admin = a.token("plant", Role.ADMIN);
            Tokens.Issued doomed = a.issue("plant", Role.READER);
            String kept = a.token("plant", Role.READER);
            TidemarkClient onA = a.client(admin);
            createPlant(onA);
            awaitValid(b.client(admin), LATEST);
            LiveRecorder revoked = new LiveRecorder(true);
            LiveRecorder other = new LiveRecorder(true);
            try (Connection onB = connect(b, doomed.secret()); Connection keptOnB = connect(b, kept)) {
                onB.registerQuery(QueryConfig.of("q", LATEST), revoked);
                keptOnB.registerQuery(QueryConfig.of("q", LATEST), other);
                publish(b.client(admin), "s1", 1.0);
                revoked.await(WAIT, "the first row on B", r -> rows(r) == 1);

                onA.graphql("mutation($id: String!) { revokeToken(id: $id) { id } }", Map.of("id", doomed.info().id()));

                revoked.await(WAIT, "B to close the revoked token's connection", r -> r.error("q") != null);
                assertThat(revoked.error("q").code()).isEqualTo("TOKEN_REVOKED");
                publish(b.client(admin), "s2", 2.0);
                other.await(WAIT, "the other token's rows on B", r -> rows(r) == 2);
                assertThat(other.error("q")).isNull();
            }
        }
    }

    private static void createPlant(TidemarkClient admin) {
        admin.createArchive("plant", Map.of("temp", "DOUBLE"));
        admin.activateArchive("plant");
    }

    private static void publish(TidemarkClient c, String rtId, double temp) {
        c.publish("plant", List.of(Row.of(rtId, Instant.now().truncatedTo(ChronoUnit.MILLIS), Map.of("temp", temp))));
    }

    private static int rows(LiveRecorder r) {
        Map<List<Object>, List<Object>> m = r.marked("q");
        return m == null ? 0 : m.size();
    }

    private static Connection connect(ServerFixture f, String token) {
        return Connection.open(ConnectionConfig.builder(f.uri()).token(token)
                .capabilities(Set.of(ConnectionConfig.AGG_MARK_END)).build());
    }

    /** Polls validateLiveQuery until B knows the table (its archive sync ran), at most {@link #WAIT}. */
    private static void awaitValid(TidemarkClient c, String sql) {
        await("the second server made the archive live: " + sql).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> c.graphql("query($s: String!) { v: validateLiveQuery(sql: $s) { valid } }",
                        Map.of("s", sql)).path("v").path("valid").asBoolean());
    }
}
