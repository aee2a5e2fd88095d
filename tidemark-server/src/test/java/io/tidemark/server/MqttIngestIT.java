package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.mqtt.EmbeddedBroker;
import io.tidemark.server.mqtt.MqttConfig;
import io.tidemark.server.mqtt.TestPublisher;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT ingest end to end against a real broker (HiveMQ CE embedded, MQTT 3.1.1 and 5) and a real DuckDB store: what a
 * device published and the broker acknowledged is what the archive holds (the oracle), bad messages are refused
 * alone, counted by reason and never hold up the subscription, Sparkplug B aliases come from BIRTH messages, and the
 * status is visible over GraphQL and in the metrics.
 */
class MqttIngestIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** A store with a writer token and a server whose MQTT ingest writes with it. */
    private record Setup(ServerFixture fixture, TidemarkClient admin, String writer) {}

    private static Setup serve(String name, Consumer<MqttConfig.Builder> mqtt) {
        Store store = TestStores.duckDb(dir.resolve(name));
        String writer = Tokens.issue(store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now()).secret();
        String admin = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
        ServerConfig.Builder b = ServerConfig.builder();
        b.mqtt().broker(broker.url()).token(writer).clientId("tidemark-" + name)
                .reconnectMinBackoff(Duration.ofMillis(50)).reconnectMaxBackoff(Duration.ofMillis(500));
        mqtt.accept(b.mqtt());
        ServerFixture f = new ServerFixture(store, b);
        await("MQTT connected").atMost(WAIT).until(() -> f.server.mqtt().orElseThrow().connected());
        return new Setup(f, f.client(admin), writer);
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(ints = {3, 5})
    void json_topicVariablesArraysAndBadMessages_storedAsPublished_badOnesCountedAlone(int version) throws Exception {
        Setup s = serve("json-v" + version, m -> m.version(version).subscription("plant")
                .topic("plant/{site}/{device}/data").archive("{site}").rtId("{device}"));
        try (ServerFixture f = s.fixture(); TestPublisher device = new TestPublisher("127.0.0.1", broker.port())) {
            for (String site : List.of("north", "south")) {
                s.admin().createArchive(site, Map.of("temp", "DOUBLE", "on", "BOOLEAN", "count", "BIGINT"));
                s.admin().activateArchive(site);
            }
            Random random = new Random(42);
            Map<String, Map<String, Map<String, Object>>> expected = new HashMap<>(); // site -> key -> values
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(600);
            int bad = 0;
            for (int i = 0; i < 200; i++) {
                String site = random.nextBoolean() ? "north" : "south";
                String dev = "d" + random.nextInt(5);
                String topic = "plant/" + site + "/" + dev + "/data";
                if (i % 20 == 7) {
                    device.publish(topic, badPayload(bad++, t0));
                    continue;
                }
                int n = 1 + random.nextInt(3);
                List<String> objects = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    Instant ts = t0.plusMillis(random.nextInt(600_000));
                    double temp = random.nextInt(4000) / 4.0;
                    long count = random.nextInt(1000);
                    boolean on = random.nextBoolean();
                    objects.add("{\"timestamp\": \"" + ts + "\", \"temp\": " + temp + ", \"on\": " + on
                            + ", \"count\": " + count + "}");
                    expected.computeIfAbsent(site, x -> new TreeMap<>()).put(ts + "|" + dev,
                            Map.of("temp", temp, "on", on, "count", count));
                }
                device.publish(topic, n == 1 && random.nextBoolean() ? objects.get(0) : "[" + String.join(", ",
                        objects) + "]");
            }
            int bads = bad;
            awaitMessages(f, s.writer(), 200);
            for (String site : List.of("north", "south")) {
                assertThat(stored(s.admin(), site, t0)).as(site).isEqualTo(expected.get(site));
            }
            JsonNode sub = status(f, s.writer()).path("subscriptions").get(0);
            assertThat(sub.path("samples").asLong()).isEqualTo(expected.values().stream().mapToLong(Map::size)
                    .sum());
            Map<String, Long> rejected = new TreeMap<>();
            sub.path("rejected").forEach(r -> rejected.put(r.path("reason").asText(), r.path("count").asLong()));
            assertThat(rejected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(bads);
            assertThat(rejected).containsKeys("malformed", "invalid_values", "rt_id_conflict", "empty");
            assertThat(f.server.meterRegistry().get("tidemark.mqtt.rejected").tag("reason", "malformed").counter()
                    .count()).isEqualTo(rejected.get("malformed").doubleValue());
            assertThat(f.server.meterRegistry().get("tidemark.mqtt.connected").gauge().value()).isEqualTo(1.0);
        }
    }

    /** Bad messages of several kinds, in turn. */
    private static String badPayload(int i, Instant t0) {
        return switch (i % 5) {
            case 0 -> "not json";
            case 1 -> "{\"timestamp\": \"" + t0 + "\", \"temp\": \"warm\"}";
            case 2 -> "{\"timestamp\": \"" + t0 + "\", \"rtId\": \"elsewhere\", \"temp\": 1.5}";
            case 3 -> "[]";
            default -> "{\"timestamp\": \"" + t0 + "\", \"pressure\": 3}";
        };
    }

    @Test
    void json_withoutTimestamp_getsTheReceiveTime_unknownArchiveRefused() throws Exception {
        Setup s = serve("receive-time", m -> m.subscription("line").topic("line/{archive}").archive("{archive}"));
        try (ServerFixture f = s.fixture(); TestPublisher device = new TestPublisher("127.0.0.1", broker.port())) {
            s.admin().createArchive("press", Map.of("force", "DOUBLE"));
            s.admin().activateArchive("press");
            Instant before = Instant.now().minusSeconds(1);
            device.publish("line/press", "{\"rtId\": \"p1\", \"force\": 12.5}");
            device.publish("line/nosuch", "{\"rtId\": \"p1\", \"force\": 1}");
            device.publish("line/press", "{\"rtId\": \"p2\", \"force\": 13}");
            awaitMessages(f, s.writer(), 3);
            List<Row> rows = s.admin().streamData("press", List.of(), before, Instant.now().plusSeconds(1), 10);
            assertThat(rows).extracting(Row::rtId).containsExactlyInAnyOrder("p1", "p2");
            assertThat(rows).allSatisfy(r -> assertThat(r.timestamp()).isBetween(before, Instant.now()));
            assertThat(status(f, s.writer()).path("subscriptions").get(0).path("rejected").toString())
                    .contains("unknown_archive");
        }
    }

    @Test
    void sparkplug_birthDefinesAliases_dataStored_unknownAliasRefusedAndRebirthRequested() throws Exception {
        Setup s = serve("sparkplug", m -> m.subscription("edge").format(MqttConfig.Format.SPARKPLUG)
                .topic("spBv1.0/factory/#").archive("machines"));
        try (ServerFixture f = s.fixture(); TestPublisher node = new TestPublisher("127.0.0.1", broker.port())) {
            s.admin().createArchive("machines", Map.of("temperature", "DOUBLE", "running", "BOOLEAN", "rpm",
                    "BIGINT", "mode", "VARCHAR"));
            s.admin().activateArchive("machines");
            node.listen("spBv1.0/factory/NCMD/#");
            long t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(300).toEpochMilli();
            node.publish("spBv1.0/factory/NBIRTH/edge1", Payload.newBuilder().setTimestamp(t0).setSeq(0)
                    .addMetrics(metric("bdSeq", 1, 8).setLongValue(0))
                    .addMetrics(metric("Node Control/Rebirth", 2, 11).setBooleanValue(false))
                    .addMetrics(metric("Temperature", 3, 10).setDoubleValue(20.5))
                    .addMetrics(metric("Mode", 4, 12).setStringValue("auto")).build().toByteArray());
            node.publish("spBv1.0/factory/DBIRTH/edge1/pump", Payload.newBuilder().setTimestamp(t0).setSeq(1)
                    .addMetrics(metric("RPM", 10, 3).setIntValue(1500))
                    .addMetrics(metric("Running", 11, 11).setBooleanValue(true)).build().toByteArray());
            Map<String, Map<String, Object>> expected = new TreeMap<>();
            expected.put(Instant.ofEpochMilli(t0) + "|factory/edge1", Map.of("temperature", 20.5, "mode", "auto"));
            expected.put(Instant.ofEpochMilli(t0) + "|factory/edge1/pump", Map.of("rpm", 1500L, "running", true));
            for (int i = 1; i <= 20; i++) {
                long ts = t0 + i * 1000L;
                node.publish("spBv1.0/factory/NDATA/edge1", Payload.newBuilder().setTimestamp(ts).setSeq(i + 1)
                        .addMetrics(Metric.newBuilder().setAlias(3).setTimestamp(ts).setDoubleValue(20 + i * 0.25))
                        .build().toByteArray());
                node.publish("spBv1.0/factory/DDATA/edge1/pump", Payload.newBuilder().setTimestamp(ts)
                        .addMetrics(Metric.newBuilder().setAlias(10).setIntValue(-i)) // Int32: negative
                        .addMetrics(Metric.newBuilder().setAlias(11).setBooleanValue(i % 2 == 0)).build()
                        .toByteArray());
                expected.put(Instant.ofEpochMilli(ts) + "|factory/edge1", Map.of("temperature", 20 + i * 0.25));
                expected.put(Instant.ofEpochMilli(ts) + "|factory/edge1/pump", Map.of("rpm", (long) -i, "running",
                        i % 2 == 0));
            }
            node.publish("spBv1.0/factory/NDATA/edge2", Payload.newBuilder().setTimestamp(t0)
                    .addMetrics(Metric.newBuilder().setAlias(3).setDoubleValue(1)).build().toByteArray());
            node.publish("spBv1.0/factory/NDATA/edge1", new byte[] {(byte) 0xff, 0x01, 0x02});
            awaitMessages(f, s.writer(), 44);
            assertThat(stored(s.admin(), "machines", Instant.ofEpochMilli(t0))).isEqualTo(expected);
            JsonNode sub = status(f, s.writer()).path("subscriptions").get(0);
            assertThat(sub.path("rejected").toString()).contains("unknown_alias").contains("malformed");
            assertThat(sub.path("ignoredMetrics").asLong()).as("bdSeq and Node Control/Rebirth").isEqualTo(2);
            await("a rebirth request for edge2").atMost(WAIT).until(() -> node.firstOn("spBv1.0/factory/NCMD/edge2")
                    .isPresent());
            Payload ncmd = Payload.parseFrom(node.firstOn("spBv1.0/factory/NCMD/edge2").orElseThrow());
            assertThat(ncmd.getMetrics(0).getName()).isEqualTo("Node Control/Rebirth");
            assertThat(ncmd.getMetrics(0).getBooleanValue()).isTrue();
        }
    }

    private static Metric.Builder metric(String name, long alias, int datatype) {
        return Metric.newBuilder().setName(name).setAlias(alias).setDatatype(datatype);
    }

    @Test
    void json_qos0Subscription_stored() throws Exception {
        Setup s = serve("qos0", m -> m.version(3).subscription("fast").topic("fast/{device}").archive("fast")
                .rtId("{device}").qos(0));
        try (ServerFixture f = s.fixture(); TestPublisher device = new TestPublisher("127.0.0.1", broker.port())) {
            s.admin().createArchive("fast", Map.of("v", "BIGINT"));
            s.admin().activateArchive("fast");
            Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
            Map<String, Map<String, Object>> expected = new TreeMap<>();
            for (int i = 0; i < 50; i++) {
                device.publish("fast/d" + i % 2, "{\"timestamp\": \"" + t0.plusSeconds(i) + "\", \"v\": " + i + "}");
                expected.put(t0.plusSeconds(i) + "|d" + i % 2, Map.of("v", (long) i));
            }
            awaitMessages(f, s.writer(), 50); // QoS 0 on a quiet loopback: none lost
            assertThat(stored(s.admin(), "fast", t0)).isEqualTo(expected);
        }
    }

    @Test
    void token_revokedWhileRunning_ingestStopsAndNothingMoreIsStored() throws Exception {
        Store store = TestStores.duckDb(dir.resolve("revoked"));
        Tokens.Issued writer = Tokens.issue(store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now());
        String admin = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
        ServerConfig.Builder b = ServerConfig.builder().authRevalidateInterval(Duration.ofMillis(200));
        b.mqtt().broker(broker.url()).token(writer.secret()).clientId("tidemark-revoked")
                .reconnectMinBackoff(Duration.ofMillis(50)).reconnectMaxBackoff(Duration.ofMillis(200))
                .subscription("r").topic("r/{device}").archive("r").rtId("{device}");
        try (ServerFixture f = new ServerFixture(store, b);
                TestPublisher device = new TestPublisher("127.0.0.1", broker.port())) {
            await("connected").atMost(WAIT).until(() -> f.server.mqtt().orElseThrow().connected());
            TidemarkClient client = f.client(admin);
            client.createArchive("r", Map.of("v", "BIGINT"));
            client.activateArchive("r");
            Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
            device.publish("r/d1", "{\"timestamp\": \"" + t0 + "\", \"v\": 1}");
            awaitMessages(f, admin, 1);

            store.tokens().revoke(writer.info().id(), Instant.now());
            await("the revocation noticed").atMost(WAIT).until(() -> status(f, admin).path("lastError").asText()
                    .startsWith("token_invalid"));
            device.publish("r/d1", "{\"timestamp\": \"" + t0.plusSeconds(1) + "\", \"v\": 2}");
            await("nothing written with a revoked token").during(Duration.ofSeconds(1)).atMost(WAIT)
                    .until(() -> stored(client, "r", t0).equals(Map.of(t0 + "|d1", Map.of("v", 1L))));
            assertThat(status(f, admin).path("connected").asBoolean()).isFalse();
            assertThat(f.server.meterRegistry().get("tidemark.mqtt.reconnects").tag("cause", "token_invalid")
                    .counter().count()).isPositive();
        }
    }

    @Test
    void start_readerToken_refusedLoudly() {
        Store store = TestStores.duckDb(dir.resolve("reader"));
        String reader = Tokens.issue(store, TenantId.of("plant"), Role.READER, "r", Instant.now()).secret();
        ServerConfig.Builder b = ServerConfig.builder();
        b.mqtt().broker(broker.url()).token(reader).subscription("p").topic("p/{x}").archive("a");
        try {
            assertThatThrownBy(() -> new ServerFixture(store, b)).isInstanceOfSatisfying(TidemarkException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN)).hasMessageContaining("mqtt.token")
                    .hasMessageContaining("reader");
            b.mqtt().token("tmk_unknown");
            assertThatThrownBy(() -> new ServerFixture(store, b)).isInstanceOfSatisfying(TidemarkException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED)).hasMessageContaining("mqtt.token");
        } finally {
            store.close();
        }
    }

    @Test
    void status_otherTenant_seesNothing_readerOfTheTenantSeesIt() {
        Setup s = serve("status", m -> m.subscription("p").topic("p/{x}").archive("a"));
        try (ServerFixture f = s.fixture()) {
            String other = f.token("other", Role.ADMIN);
            String reader = f.token("plant", Role.READER);
            assertThat(json(f.graphql(other, "{ mqtt { connected } }").body()).path("data").path("mqtt").isNull())
                    .isTrue();
            JsonNode mine = json(f.graphql(reader, "{ mqtt { connected broker version subscriptions { name topic "
                    + "filter format archive } } }").body()).path("data").path("mqtt");
            assertThat(mine.path("connected").asBoolean()).isTrue();
            assertThat(mine.path("version").asInt()).isEqualTo(5);
            assertThat(mine.path("subscriptions").get(0).path("filter").asText()).isEqualTo("p/+");
        }
    }

    /** Waits until the first subscription counted {@code n} messages (written or refused); says how many on failure. */
    static void awaitMessages(ServerFixture f, String token, long n) {
        await("messages acknowledged").atMost(WAIT).until(() -> status(f, token).path("subscriptions").get(0)
                .path("messages").asLong(), org.hamcrest.Matchers.equalTo(n));
    }

    @Test
    void tls_brokerCertificateTrustedViaTlsCaWithPassword_stored_untrustedRefused() throws Exception {
        Path tls = java.nio.file.Files.createDirectories(dir.resolve("tls"));
        Path keyStore = tls.resolve("broker.p12");
        Path ca = tls.resolve("broker.pem");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-dname", "CN=localhost", "-ext",
                "SAN=dns:localhost", "-validity", "2", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass",
                "changeit", "-file", ca.toString());
        try (EmbeddedBroker secure = EmbeddedBroker.start(dir.resolve("tls-broker"), keyStore, "dev", "pw")) {
            Store store = TestStores.duckDb(dir.resolve("tls"));
            String writer = Tokens.issue(store, TenantId.of("plant"), Role.WRITER, "mqtt", Instant.now()).secret();
            String admin = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "admin", Instant.now()).secret();
            ServerConfig.Builder b = ServerConfig.builder();
            b.mqtt().broker(secure.tlsUrl()).tlsCa(ca).username("dev").password("pw").token(writer)
                    .clientId("tidemark-tls").subscription("p").topic("p/{device}").archive("a").rtId("{device}");
            try (ServerFixture f = new ServerFixture(store, b);
                    TestPublisher device = new TestPublisher("127.0.0.1", secure.port(), "dev", "pw")) {
                await("connected over TLS").atMost(WAIT).until(() -> f.server.mqtt().orElseThrow().connected());
                f.client(admin).createArchive("a", Map.of("v", "DOUBLE"));
                f.client(admin).activateArchive("a");
                device.publish("p/d1", "{\"timestamp\": \"2025-01-01T00:00:00Z\", \"v\": 2.5}");
                awaitMessages(f, writer, 1);
                assertThat(stored(f.client(admin), "a", Instant.parse("2025-01-01T00:00:00Z")))
                        .isEqualTo(Map.of("2025-01-01T00:00:00Z|d1", Map.of("v", 2.5)));
            }
            Store again = TestStores.duckDb(dir.resolve("tls"));
            ServerConfig.Builder untrusted = ServerConfig.builder();
            untrusted.mqtt().broker(secure.tlsUrl()).username("dev").password("pw").token(writer)
                    .clientId("tidemark-tls-untrusted").subscription("p").topic("p/{device}").archive("a");
            try (ServerFixture f = new ServerFixture(again, untrusted)) {
                await("the untrusted certificate reported").atMost(WAIT).until(() -> !status(f, writer)
                        .path("lastError").isNull());
                assertThat(status(f, writer).path("connected").asBoolean()).isFalse();
                assertThat(status(f, writer).path("lastError").asText()).startsWith("connect_failed");
            }
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("keytool ends").isTrue();
        assertThat(p.exitValue()).as("keytool %s: %s", args[0], out).isZero();
    }

    static JsonNode status(ServerFixture f, String token) {
        JsonNode body = json(f.graphql(token, "{ mqtt { connected lagSeconds reconnects lastError subscriptions { name "
                + "messages samples ignoredMetrics lastMessageAt rejected { reason count } } } }").body());
        assertThat(body.path("errors").isMissingNode()).as(body.toString()).isTrue();
        return body.path("data").path("mqtt");
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code timestamp|rtId} → the non-null values, everything the archive holds from {@code from} on. */
    static Map<String, Map<String, Object>> stored(TidemarkClient client, String archive, Instant from) {
        List<Row> rows = client.streamData(archive, List.of(), from.minusSeconds(1), from.plus(Duration.ofDays(1)),
                100_000);
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Row r : rows) {
            Map<String, Object> v = new HashMap<>();
            r.values().forEach((k, x) -> {
                if (x != null) {
                    v.put(k, x instanceof Integer i ? (Object) i.longValue() : x);
                }
            });
            out.put(r.timestamp() + "|" + r.rtId(), v);
        }
        return out;
    }
}
