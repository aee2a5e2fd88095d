package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.mqtt.EmbeddedBroker;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once MQTT ingest across a crash: {@code tidemark serve} as its own JVM consumes a QoS 1 stream from the
 * embedded broker and is killed with SIGKILL mid-stream while the device keeps publishing; started again with the
 * same client identifier, it gets the broker's kept session back, and every message the device got a PUBACK for is
 * stored — each sample exactly once per key, with its value — and nothing that was not published. Replay a run with
 * {@code -Dmqtt.kill.seed=N}.
 */
class MqttKillIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SAMPLES_PER_MESSAGE = 5;
    private static final int DEVICES = 4;
    private static final int MAX_ROWS = 100_000;
    @TempDir
    Path dir;
    @RegisterExtension
    final ServerProcesses servers = new ServerProcesses();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void serve_sigkillMidStream_everyAcknowledgedMessageStoredOncePerKey() throws Exception {
        long seed = Long.getLong("mqtt.kill.seed", System.nanoTime());
        System.out.println("mqtt kill: seed " + seed);
        Random random = new Random(seed);
        Path data = dir.resolve("data");
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        String writer;
        String admin;
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(data))) {
            writer = Tokens.issue(f.store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now()).secret();
            admin = Tokens.issue(f.store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
            TidemarkClient c = f.client(admin);
            c.createArchive("line", Map.of("v", "BIGINT"));
            c.activateArchive("line");
        }
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"))) {
            List<String> args = List.of("--data-dir", data.toString(), "--set", "mqtt.broker=" + broker.url(),
                    "--set", "mqtt.token=" + writer, "--set", "mqtt.client-id=tidemark-kill",
                    "--set", "mqtt.reconnect.max-backoff=500ms",
                    "--set", "mqtt.subscription.line.topic=line/{device}",
                    "--set", "mqtt.subscription.line.archive=line",
                    "--set", "mqtt.subscription.line.rt-id={device}");
            NodeProcess first = servers.start("first", args);
            await("the first process subscribed", () -> status(first, admin).path("connected").asBoolean());

            Publisher device = new Publisher(broker.port(), t0);
            device.start();
            await("the first process acknowledged 300 messages", () -> messages(first, admin) >= 300);
            Thread.sleep(random.nextInt(500));
            first.kill(); // SIGKILL
            int atKill = device.acknowledged.size();
            await("the device published 200 more while Tidemark was down",
                    () -> device.acknowledged.size() >= atKill + 200);
            device.stop();
            System.out.printf("mqtt kill: killed after %d acknowledged publications, %d in all%n", atKill,
                    device.acknowledged.size());

            NodeProcess second = servers.start("second", args);
            TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(second.uri()).token(admin)
                    .build());
            Map<String, Long> expected = new HashMap<>();
            for (int i : device.acknowledged) {
                expected.putAll(samples(i, t0));
            }
            Map<String, Long> published = new HashMap<>();
            for (int i = 0; i < device.next.get(); i++) {
                published.putAll(samples(i, t0));
            }
            await("every acknowledged sample stored", () -> stored(client, t0).keySet()
                    .containsAll(expected.keySet()));
            List<Row> rows = rows(client, t0);
            Map<String, Long> stored = stored(client, t0);
            assertThat(rows).as("one row per key").hasSize(stored.size());
            assertThat(stored).as("acknowledged samples with their values").containsAllEntriesOf(expected);
            assertThat(published).as("nothing that was not published").containsAllEntriesOf(stored);
            assertThat(Files.readString(second.logFile())).as("the broker kept the session")
                    .contains("session_present=\"true\"");
        }
    }

    /** The samples of message {@code i}: {@code timestamp|rtId} → value. */
    private static Map<String, Long> samples(int i, Instant t0) {
        Map<String, Long> out = new HashMap<>();
        for (int k = 0; k < SAMPLES_PER_MESSAGE; k++) {
            out.put(t0.plusMillis((long) i * SAMPLES_PER_MESSAGE + k) + "|d" + i % DEVICES, (long) i);
        }
        return out;
    }

    private static String payload(int i, Instant t0) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < SAMPLES_PER_MESSAGE; k++) {
            b.append(k == 0 ? "" : ",").append("{\"timestamp\":").append(t0.toEpochMilli() + (long) i
                    * SAMPLES_PER_MESSAGE + k).append(",\"v\":").append(i).append('}');
        }
        return b.append(']').toString();
    }

    /** A device publishing message 0, 1, 2… with QoS 1, one at a time, keeping those the broker acknowledged. */
    private static final class Publisher {
        final ConcurrentLinkedQueue<Integer> acknowledged = new ConcurrentLinkedQueue<>();
        final AtomicInteger next = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Mqtt5BlockingClient client;
        private final Instant t0;
        private final Thread thread;

        Publisher(int port, Instant t0) {
            this.t0 = t0;
            client = MqttClient.builder().useMqttVersion5().identifier("kill-device").serverHost("127.0.0.1")
                    .serverPort(port).buildBlocking();
            client.connectWith().cleanStart(true).send();
            thread = new Thread(this::run, "mqtt-kill-device");
        }

        void start() {
            thread.start();
        }

        private void run() {
            while (!stop.get()) {
                int i = next.getAndIncrement();
                client.publishWith().topic("line/d" + i % DEVICES).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload(i, t0).getBytes(StandardCharsets.UTF_8)).send(); // returns on PUBACK
                acknowledged.add(i);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(thread.isAlive()).as("the device stopped").isFalse();
            client.disconnect();
        }
    }

    private static List<Row> rows(TidemarkClient client, Instant t0) {
        List<Row> rows = client.streamData("line", List.of(), t0, t0.plus(Duration.ofHours(1)), MAX_ROWS);
        assertThat(rows).as("fewer rows than one request returns").hasSizeLessThan(MAX_ROWS);
        return rows;
    }

    private static Map<String, Long> stored(TidemarkClient client, Instant t0) {
        Map<String, Long> out = new HashMap<>();
        for (Row r : rows(client, t0)) {
            out.put(r.timestamp() + "|" + r.rtId(), ((Number) r.values().get("v")).longValue());
        }
        return out;
    }

    private long messages(NodeProcess s, String token) {
        return status(s, token).path("subscriptions").path(0).path("messages").asLong();
    }

    private JsonNode status(NodeProcess s, String token) {
        HttpRequest req = HttpRequest.newBuilder(s.uri().resolve("/graphql")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"{ mqtt { connected subscriptions { messages "
                        + "} } }\"}")).build();
        try {
            return JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).path("data")
                    .path("mqtt");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(condition);
    }
}
