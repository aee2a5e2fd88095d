package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.mqtt.EmbeddedBroker;
import io.tidemark.server.mqtt.MqttStatus;
import io.tidemark.server.mqtt.TestPublisher;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.Stores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store goes away under MQTT ingest and comes back: embedded PostgreSQL is stopped while a device publishes with
 * QoS 1, then started again on the same port and data. Meanwhile Tidemark acknowledges nothing it could not write,
 * reconnects with backoff (status {@code store_unavailable}, metric {@code tidemark.mqtt.reconnects}); afterwards
 * every message the broker acknowledged to the device is stored, with nothing lost and nothing doubled.
 */
@Timeout(180)
class MqttStoreOutageIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final StoreTimeouts WAITS = new StoreTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(1));
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private EmbeddedPostgres pg;

    @AfterEach
    void stopPostgres() throws IOException {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void postgresStoppedAndRestarted_nothingAcknowledgedUnwritten_everyMessageStoredOnce() throws Exception {
        int port = freePort();
        Path data = dir.resolve("pgdata");
        pg = postgres(port, data);
        Store store = Stores.open(new StoreConfig(pg.getJdbcUrl("postgres", "postgres"), null, null, 4, null, WAITS));
        TenantId tenant = TenantId.of("plant");
        store.createTenant(tenant);
        store.archives().createArchive(tenant, ArchiveDefinition.raw("line", List.of(Column.of("v",
                ColumnType.BIGINT))));
        store.archives().activateArchive(tenant, "line");
        String writer = Tokens.issue(store, tenant, Role.WRITER, "mqtt", Instant.now()).secret();
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"))) {
            ServerConfig.Builder b = ServerConfig.builder().storeWaits(new ServerConfig.StoreWaits(WAITS,
                    Duration.ofMillis(200)));
            b.mqtt().broker(broker.url()).token(writer).clientId("tidemark-outage")
                    .reconnectMinBackoff(Duration.ofMillis(100)).reconnectMaxBackoff(Duration.ofSeconds(1))
                    .subscription("line").topic("line/{device}").archive("line").rtId("{device}");
            try (ServerFixture f = new ServerFixture(store, b);
                    TestPublisher device = new TestPublisher("127.0.0.1", broker.port())) {
                await("connected").atMost(WAIT).until(() -> f.server.mqtt().orElseThrow().connected());
                Map<String, Long> expected = new HashMap<>();
                for (int i = 0; i < 100; i++) {
                    publish(device, i, expected);
                }
                await("the first 100 acknowledged").atMost(WAIT).until(() -> messages(f) >= 100);

                pg.close();
                pg = null;
                for (int i = 100; i < 200; i++) {
                    publish(device, i, expected);
                }
                await("the ingest stopped for the store, twice").atMost(WAIT).until(() -> {
                    var c = f.server.meterRegistry().find("tidemark.mqtt.reconnects").tag("cause",
                            "store_unavailable").counter();
                    return c != null && c.count() >= 2;
                });
                MqttStatus down = f.server.mqtt().orElseThrow().status();
                assertThat(down.lastError()).as("no driver text for the tenant").startsWith("store_unavailable: "
                        + "STORE_UNAVAILABLE: the store is unavailable or did not answer in time").contains("(error id ");
                assertThat(down.subscriptions().get(0).rejected()).as("nothing refused for the outage").isEmpty();

                pg = postgres(port, data);
                for (int i = 200; i < 250; i++) {
                    publish(device, i, expected);
                }
                await("every message stored").atMost(WAIT).pollInterval(Duration.ofMillis(250))
                        .until(() -> stored(store, tenant).equals(expected));
                assertThat(f.server.mqtt().orElseThrow().connected()).isTrue();
                assertThat(f.server.mqtt().orElseThrow().status().subscriptions().get(0).rejected()).isEmpty();
            }
        }
    }

    private static void publish(TestPublisher device, int i, Map<String, Long> expected) {
        String ts = T0.plusSeconds(i).toString();
        device.publish("line/d" + i % 3, "{\"timestamp\": \"" + ts + "\", \"v\": " + i + "}");
        expected.put(ts + "|d" + i % 3, (long) i);
    }

    private static long messages(ServerFixture f) {
        return f.server.mqtt().orElseThrow().status().subscriptions().get(0).messages();
    }

    private static Map<String, Long> stored(Store store, TenantId tenant) {
        Map<String, Long> out = new HashMap<>();
        try {
            List<Sample> rows = store.archives().read(tenant, new ReadRequest("line", List.of(), T0,
                    T0.plusSeconds(3600), 10_000, null));
            for (Sample s : rows) {
                out.put(s.timestamp() + "|" + s.rtId(), ((Number) s.values().get("v")).longValue());
            }
        } catch (RuntimeException e) {
            return Map.of(); // the store is not back yet
        }
        return out;
    }

    private static EmbeddedPostgres postgres(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
