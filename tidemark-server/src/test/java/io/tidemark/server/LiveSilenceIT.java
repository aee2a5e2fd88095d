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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's silence detection: the connection stays open but nothing comes back (a frozen proxy between client
 * and server: no close, no reset, no pongs). After three heartbeat intervals the client gives the socket up,
 * reconnects, registers its query again, and carries on with data published meanwhile.
 */
class LiveSilenceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;

    @Test
    void serverGoesSilent_clientReconnectsAfterThreeHeartbeats_andTheQueryRestartsWithASnapshot() throws Exception {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir));
                FreezingProxy proxy = new FreezingProxy(f.server.port())) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            LiveQueriesIT.createPlantArchive(http, "quiet");
            http.publish("quiet", List.of(row("s1", 20.0)));
            ConnectionConfig config = ConnectionConfig.builder(URI.create("http://127.0.0.1:" + proxy.port()))
                    .token(token).heartbeatInterval(Duration.ofMillis(200))
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
            LiveRecorder rec = new LiveRecorder(true);
            try (Connection c = Connection.open(config)) {
                c.registerQuery(QueryConfig.of("q", "SELECT rtId, temp FROM latest.quiet"), rec);
                rec.await(WAIT, "the first snapshot", r -> r.marked("q") != null && r.marked("q").size() == 1);
                int before = proxy.accepted();

                proxy.freeze();
                http.publish("quiet", List.of(row("s2", 21.0)));

                rec.await(WAIT, "a second snapshot after the reconnect, with the row published while silent",
                        r -> r.snapshots("q") == 2 && r.marked("q") != null && r.marked("q").size() == 2);
                assertThat(proxy.accepted()).as("a new TCP connection").isGreaterThan(before);
                assertThat(c.isConnected()).isTrue();
                assertThat(rec.violations()).isEmpty();
            }
        }
    }

    private static Row row(String rtId, double temp) {
        return Row.of(rtId, Instant.now().truncatedTo(ChronoUnit.MILLIS), Map.of("site", "x", "temp", temp));
    }
}
