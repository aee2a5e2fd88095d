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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client survives a server restart (same data directory, same port): it reconnects and re-registers. */
class LiveReconnectIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;

    private static TidemarkServer start(Store store, int port) {
        return TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(port).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build()).store(store).build().start();
    }

    @Test
    void serverRestart_clientReconnects_andEveryQueryRestartsWithASnapshotOfTheStoredWindow() {
        Store store = TestStores.duckDb(dir);
        TidemarkServer first = start(store, 0);
        int port = first.port();
        String token = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
        ConnectionConfig config = ConnectionConfig.builder(first.uri()).token(token)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400)).build();
        TidemarkClient http = TidemarkClient.create(config);
        LiveQueriesIT.createPlantArchive(http, "p");
        Random random = new Random(3);
        Instant now = Instant.now();
        List<List<Row>> published = new ArrayList<>();
        List<Row> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            List<Row> rows = LiveQueriesIT.batch(random, i, now, all);
            http.publish("p", rows);
            published.add(rows);
            all.addAll(rows);
        }
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = Connection.open(config)) {
            c.registerQuery(QueryConfig.of("bySite", LiveQueriesIT.BY_SITE.formatted("p")), rec);
            c.registerQuery(QueryConfig.of("warm", LiveQueriesIT.WARM.formatted("p")), rec);
            Oracle before = Oracle.of(published);
            rec.await(WAIT, "the first snapshots", r -> Oracle.same(r.marked("bySite"), before.bySite())
                    && Oracle.same(r.marked("warm"), before.warm()));

            first.close();
            store.close();

            Store again = TestStores.duckDb(dir);
            try (TidemarkServer second = start(again, port)) {
                rec.await(WAIT, "snapshots after the reconnect", r -> r.snapshots("bySite") == 2
                        && r.snapshots("warm") == 2 && Oracle.same(r.marked("bySite"), before.bySite())
                        && Oracle.same(r.marked("warm"), before.warm()));
                List<Row> more = LiveQueriesIT.batch(random, 99, Instant.now(), all);
                c.publish("p", more);
                published.add(more);
                Oracle after = Oracle.of(published);
                rec.await(WAIT, "data published after the restart", r -> Oracle.same(r.marked("bySite"),
                        after.bySite()) && Oracle.same(r.marked("warm"), after.warm()));
                assertThat(rec.violations()).isEmpty();
            } finally {
                again.close();
            }
        }
    }
}
