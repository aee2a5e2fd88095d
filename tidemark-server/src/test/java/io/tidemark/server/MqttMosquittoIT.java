package io.tidemark.server;

import static io.tidemark.server.MqttIngestIT.awaitMessages;
import static io.tidemark.server.MqttIngestIT.status;
import static io.tidemark.server.MqttIngestIT.stored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.mqtt.Mosquitto;
import io.tidemark.server.mqtt.TestPublisher;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT ingest from Debian's mosquitto (a broker Tidemark did not ship with, in its own process) with a user name and
 * password: JSON samples stored as published over MQTT 3.1.1 and 5, and across a server restart the broker keeps
 * the session and the messages published meanwhile. Skipped, saying so, when mosquitto is not installed.
 */
class MqttMosquittoIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String USER = "tidemark";
    private static final String PASSWORD = "s3cret pass";
    @TempDir
    static Path dir;
    private static Mosquitto broker;

    @BeforeAll
    static void startMosquitto() throws Exception {
        if (!Mosquitto.INSTALLED) {
            System.out.println(Mosquitto.SKIPPED);
        }
        Assumptions.assumeTrue(Mosquitto.INSTALLED, Mosquitto.SKIPPED);
        broker = Mosquitto.start(dir.resolve("mosquitto"), USER, PASSWORD);
    }

    @AfterAll
    static void stopMosquitto() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static ServerConfig.Builder config(String writer, int version, String password) {
        ServerConfig.Builder b = ServerConfig.builder();
        b.mqtt().broker(broker.url()).version(version).username(USER).password(password).token(writer)
                .clientId("tidemark-mosquitto-" + version).reconnectMinBackoff(Duration.ofMillis(50))
                .reconnectMaxBackoff(Duration.ofMillis(500)).subscription("line").topic("line/{device}")
                .archive("line").rtId("{device}");
        return b;
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(ints = {3, 5})
    void json_storedAsPublished_restartKeepsTheSessionAndTheMessagesMeanwhile(int version) throws Exception {
        Path data = dir.resolve("data-v" + version);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3600);
        Random random = new Random(version);
        Map<String, Map<String, Object>> expected = new TreeMap<>();
        String writer;
        String admin;
        try (TestPublisher device = new TestPublisher("127.0.0.1", broker.port(), USER, PASSWORD)) {
            try (ServerFixture f = new ServerFixture(TestStores.duckDb(data), ServerConfig.builder())) {
                writer = Tokens.issue(f.store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now()).secret();
                admin = Tokens.issue(f.store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
                f.client(admin).createArchive("line", Map.of("v", "BIGINT", "temp", "DOUBLE"));
                f.client(admin).activateArchive("line");
            }
            int message = 0;
            try (ServerFixture f = new ServerFixture(TestStores.duckDb(data), config(writer, version, PASSWORD))) {
                await("connected").atMost(WAIT).until(() -> f.server.mqtt().orElseThrow().connected());
                for (; message < 100; message++) {
                    device.publish("line/d" + message % 3, payload(message, t0, random, expected));
                }
                device.publish("line/d0", "{\"timestamp\": 1, \"v\": \"not a number\"}");
                awaitMessages(f, writer, 101);
                assertThat(stored(f.client(admin), "line", t0)).isEqualTo(expected);
                JsonNode sub = status(f, writer).path("subscriptions").get(0);
                assertThat(sub.path("rejected").toString()).contains("invalid_values");
            }
            for (; message < 200; message++) { // Tidemark is away: the broker keeps them in its session
                device.publish("line/d" + message % 3, payload(message, t0, random, expected));
            }
            try (ServerFixture f = new ServerFixture(TestStores.duckDb(data), config(writer, version, PASSWORD))) {
                TidemarkClient client = f.client(admin);
                awaitMessages(f, writer, 100);
                assertThat(stored(client, "line", t0)).isEqualTo(expected);
            }
        }
    }

    /** One message of 1 to 3 samples of message {@code i}, added to {@code expected}. */
    private static String payload(int i, Instant t0, Random random, Map<String, Map<String, Object>> expected) {
        int n = 1 + random.nextInt(3);
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < n; k++) {
            Instant ts = t0.plusMillis(i * 10L + k);
            double temp = random.nextInt(1000) / 8.0;
            b.append(k == 0 ? "" : ",").append("{\"timestamp\": \"").append(ts).append("\", \"v\": ").append(i)
                    .append(", \"temp\": ").append(temp).append('}');
            expected.put(ts + "|d" + i % 3, Map.of("v", (long) i, "temp", temp));
        }
        return b.append(']').toString();
    }

    @Test
    void connect_wrongPassword_notConnectedAndTheStatusSaysWhy() {
        Store store = TestStores.duckDb(dir.resolve("data-wrong"));
        String writer = Tokens.issue(store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now()).secret();
        try (ServerFixture f = new ServerFixture(store, config(writer, 5, "wrong"))) {
            await("a refused connection reported").atMost(WAIT).until(() -> !status(f, writer).path("lastError")
                    .isNull());
            JsonNode s = status(f, writer);
            assertThat(s.path("connected").asBoolean()).isFalse();
            assertThat(s.path("lastError").asText()).startsWith("connect_failed");
            assertThat(s.path("reconnects").asLong()).isPositive();
        }
    }
}
