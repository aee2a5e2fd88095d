package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two servers on one PostgreSQL database, as a scale-out deployment runs them: archives created or deleted through
 * one become live or end on the other, with the live window loaded from the store.
 */
class TwoServersOneStoreIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String LATEST = "SELECT rtId, temp FROM latest.%s";

    @Test
    void archiveCreatedOnA_isLiveOnBWithItsStoredRows_andItsDeletionEndsBsQuery() throws Exception {
        String url = TestStores.postgresDatabase();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), sync(Duration.ofMillis(200)))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("shared", Map.of("temp", "DOUBLE"));
            onA.activateArchive("shared");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            onA.publish("shared", List.of(Row.of("s1", now, Map.of("temp", 1.5)),
                    Row.of("s2", now, Map.of("temp", 2.5))));
            // B starts once the rows are stored: a B already running could sync the new archive between its creation
            // and the publish, load an empty window and, as documented, never see a batch ingested through A.
            try (ServerFixture b = new ServerFixture(TestStores.open(url), sync(Duration.ofMillis(200)))) {
                archiveIsLiveOnB(onA, b, token);
            }
        }
    }

    private static void archiveIsLiveOnB(TidemarkClient onA, ServerFixture b, String token) throws Exception {
        awaitValid(b.client(token), LATEST.formatted("shared"));
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = connect(b, token)) {
            c.registerQuery(QueryConfig.of("q", LATEST.formatted("shared")), rec);
            rec.await(WAIT, "the rows ingested through A", r -> r.marked("q") != null
                    && r.marked("q").size() == 2);
            assertThat(rec.marked("q")).containsEntry(List.of("s1"), List.of("s1", 1.5))
                    .containsEntry(List.of("s2"), List.of("s2", 2.5));

            onA.deleteArchive("shared");
            rec.await(WAIT, "the query to end", r -> r.error("q") != null);
            assertThat(rec.error("q").code()).isEqualTo("NOT_FOUND");
        }
        assertThat(rec.violations()).isEmpty();
    }

    @Test
    void batchIngestedOnB_intoAnArchiveCreatedOnA_isLiveOnBAtOnce_withoutWaitingForTheSync() {
        String url = TestStores.postgresDatabase();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), sync(Duration.ofHours(1)));
                ServerFixture b = new ServerFixture(TestStores.open(url), sync(Duration.ofHours(1)))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("fresh", Map.of("temp", "DOUBLE"));
            onA.activateArchive("fresh");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            onA.publish("fresh", List.of(Row.of("s1", now, Map.of("temp", 1.0))));

            TidemarkClient onB = b.client(token);
            onB.publish("fresh", List.of(Row.of("s2", now, Map.of("temp", 2.0))));

            LiveRecorder rec = new LiveRecorder(true);
            try (Connection c = connect(b, token)) {
                c.registerQuery(QueryConfig.of("q", LATEST.formatted("fresh")), rec);
                rec.await(WAIT, "both rows", r -> r.marked("q") != null && r.marked("q").size() == 2);
                assertThat(rec.marked("q")).containsEntry(List.of("s1"), List.of("s1", 1.0))
                        .containsEntry(List.of("s2"), List.of("s2", 2.0));
            }
        }
    }

    private static ServerConfig.Builder sync(Duration every) {
        return ServerConfig.builder().liveArchiveSync(every);
    }

    private static Connection connect(ServerFixture f, String token) {
        return Connection.open(ConnectionConfig.builder(f.uri()).token(token)
                .capabilities(Set.of(ConnectionConfig.AGG_MARK_END)).build());
    }

    /** Polls validateLiveQuery until the server knows the query's table (its sync ran), at most {@link #WAIT}. */
    private static void awaitValid(TidemarkClient c, String sql) {
        await("the second server made the archive live: " + sql).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> c.graphql("query($s: String!) { v: validateLiveQuery(sql: $s) { valid } }",
                        Map.of("s", sql)).path("v").path("valid").asBoolean());
    }
}
