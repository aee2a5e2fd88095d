package io.tidemark.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.embedded.EmbeddedHiveMQ;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.mqtt.MqttIngest;
import io.tidemark.server.mqtt.MqttStatus;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.Stores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench mqtt}: MQTT ingest end to end — a device publishes JSON arrays of samples with QoS 1 to an
 * embedded broker (HiveMQ CE, in this JVM, loopback), Tidemark's MQTT ingest takes them, writes them to embedded
 * DuckDB and acknowledges them — against the broker's own throughput to a plain subscriber (QoS 1, acknowledged on
 * receipt, nothing stored) in the same run. Rounds alternate between the two (baseline first in even rounds,
 * Tidemark first in odd ones), each round publishing the same messages to its own topics; a round ends when the
 * last message was received (baseline) or written and acknowledged (Tidemark); the figures are medians of the timed
 * rounds.
 *
 * <p>Run: {@code ./tidemark bench mqtt [--messages 5000] [--samples 10] [--rounds 5] [--warmup 1] [--inflight 1000]
 * [--json]}.
 */
@Command(name = "mqtt", mixinStandardHelpOptions = true,
        description = "MQTT ingest (QoS 1, JSON) samples/s through an embedded broker into embedded DuckDB vs the "
                + "broker to a plain subscriber, same run.")
final class MqttBench implements Callable<Integer> {
    private static final Duration ROUND_LIMIT = Duration.ofMinutes(5);

    @Option(names = "--messages", description = "messages per round (default: ${DEFAULT-VALUE})")
    int messages = 5_000;

    @Option(names = "--samples", description = "samples per message, a JSON array (default: ${DEFAULT-VALUE})")
    int samplesPerMessage = 10;

    @Option(names = "--devices", description = "topics (and rtIds) the messages rotate over (default: "
            + "${DEFAULT-VALUE})")
    int devices = 100;

    @Option(names = "--rounds", description = "timed rounds each way (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--warmup", description = "untimed rounds each way first (default: ${DEFAULT-VALUE})")
    int warmup = 1;

    @Option(names = "--inflight", description = "QoS 1 publications the device has unacknowledged at most "
            + "(default: ${DEFAULT-VALUE})")
    int inflight = 1_000;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for the broker and database files, kept (default: a "
            + "temporary one, removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench-mqtt", this::run);
    }

    private Integer run(Path work) throws Exception {
        int port = freePort();
        EmbeddedHiveMQ broker = broker(work.resolve("broker"), port);
        List<Double> base = new ArrayList<>();
        List<Double> tidemark = new ArrayList<>();
        try (Store store = Stores.open(StoreConfig.embedded(work.resolve("tidemark")))) {
            TenantId tenant = TenantId.of("bench");
            store.createTenant(tenant);
            store.archives().createArchive(tenant, ArchiveDefinition.raw("mqtt", List.of(
                    Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE))));
            store.archives().activateArchive(tenant, "mqtt");
            String token = Tokens.issue(store, tenant, Role.WRITER, "bench", Instant.now()).secret();
            ServerConfig.Builder config = ServerConfig.builder().host("127.0.0.1").port(0).sqlEnabled(false)
                    .bootstrapToken(false).rollupInterval(Duration.ofHours(1))
                    .ingestMaxRows(Math.max(samplesPerMessage, 1000));
            config.mqtt().broker("tcp://127.0.0.1:" + port).token(token).clientId("tidemark-bench")
                    .subscription("bench").topic("bench/{device}").archive("mqtt").rtId("{device}");
            AtomicLong received = new AtomicLong();
            Mqtt5AsyncClient subscriber = client(port, "plain-subscriber");
            subscriber.publishes(MqttGlobalPublishFilter.ALL, p -> received.incrementAndGet());
            subscriber.subscribeWith().topicFilter("base/+").qos(MqttQos.AT_LEAST_ONCE).send()
                    .get(30, TimeUnit.SECONDS);
            Mqtt5AsyncClient device = client(port, "device");
            try (TidemarkServer server = TidemarkServer.builder(config.build()).store(store).build().start()) {
                MqttIngest ingest = server.mqtt().orElseThrow();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!ingest.connected()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Tidemark's MQTT ingest did not connect within 30 s");
                    }
                    Thread.sleep(10);
                }
                LongSupplier written = () -> ingest.status().subscriptions().stream()
                        .mapToLong(MqttStatus.Subscription::messages).sum();
                for (int r = 0; r < warmup + rounds; r++) {
                    boolean timed = r >= warmup;
                    log((timed ? "round " + (r - warmup + 1) + " of " + rounds : "warm-up round " + (r + 1)) + ": "
                            + messages + " messages of " + samplesPerMessage + " samples each way");
                    for (int side = 0; side < 2; side++) {
                        boolean baseline = (side == 0) == (r % 2 == 0);
                        long offset = (long) r * messages;
                        double rate = baseline ? round(device, "base", offset, received::get)
                                : round(device, "bench", offset, written);
                        if (timed) {
                            (baseline ? base : tidemark).add(rate);
                        }
                    }
                }
                MqttStatus s = ingest.status();
                long rejected = s.subscriptions().stream().mapToLong(x -> x.rejected().stream()
                        .mapToLong(MqttStatus.Rejected::count).sum()).sum();
                if (rejected > 0) {
                    throw new IllegalStateException(rejected + " messages were refused: " + s);
                }
            } finally {
                device.disconnect().get(30, TimeUnit.SECONDS);
                subscriber.disconnect().get(30, TimeUnit.SECONDS);
            }
        } finally {
            broker.stop().get(60, TimeUnit.SECONDS);
            broker.close();
        }
        double baseSamples = median(base);
        List<Figure> figures = List.of(new Figure("duckdb", "MQTT QoS 1 JSON → stored", median(tidemark),
                "samples/s", baseSamples, "broker → plain QoS 1 subscriber", Double.NaN));
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("messages per round", messages);
        setup.put("samples per message", samplesPerMessage);
        setup.put("rounds", rounds + " timed, " + warmup + " warm-up, alternating");
        setup.put("path", "device (HiveMQ client, QoS 1, " + inflight + " in flight) → HiveMQ CE embedded → "
                + "Tidemark MQTT ingest (batches of ≤ 1000 messages / 5 ms) → DuckDB, then PUBACK");
        setup.put("rounds, samples/s", "Tidemark " + rates(tidemark) + "; baseline " + rates(base));
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "mqtt", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench mqtt", setup, figures);
        }
        return 0;
    }

    /**
     * Publishes one round's messages to {@code prefix/d<n>} with at most {@code inflight} unacknowledged, and waits
     * until {@code done} counts them all; returns samples per second from the first publication to then.
     */
    private double round(Mqtt5AsyncClient device, String prefix, long offset, LongSupplier done) throws Exception {
        List<byte[]> payloads = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            payloads.add(payload(offset + i));
        }
        long start = done.getAsLong();
        Semaphore window = new Semaphore(inflight);
        long t0 = System.nanoTime();
        List<CompletableFuture<?>> sent = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            window.acquire();
            sent.add(device.publishWith().topic(prefix + "/d" + (i % devices)).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payloads.get(i)).send().whenComplete((r, e) -> window.release()));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(ROUND_LIMIT.toSeconds(),
                TimeUnit.SECONDS);
        long deadline = t0 + ROUND_LIMIT.toNanos();
        while (done.getAsLong() - start < messages) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(prefix + ": " + (done.getAsLong() - start) + " of " + messages
                        + " messages arrived within " + ROUND_LIMIT);
            }
            Thread.onSpinWait();
        }
        long nanos = System.nanoTime() - t0;
        return (double) messages * samplesPerMessage / (nanos / 1e9);
    }

    /** Message {@code n}: a JSON array of samples, timestamps unique per message and device. */
    private byte[] payload(long n) {
        StringBuilder b = new StringBuilder(samplesPerMessage * 60).append('[');
        long ms = 1_735_689_600_000L + n * samplesPerMessage;
        for (int k = 0; k < samplesPerMessage; k++) {
            b.append(k == 0 ? "" : ",").append("{\"timestamp\":").append(ms + k).append(",\"a\":")
                    .append((n * 31 + k) % 1000 / 4.0).append(",\"b\":").append(k).append('}');
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Mqtt5AsyncClient client(int port, String id) throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(port).buildAsync();
        c.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
        return c;
    }

    /** HiveMQ CE on 127.0.0.1:{@code port}, sessions in memory, usage statistics off. */
    private static EmbeddedHiveMQ broker(Path dir, int port) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), "<?xml version=\"1.0\"?>\n<hivemq><listeners><tcp-listener>"
                + "<port>" + port + "</port><bind-address>127.0.0.1</bind-address></tcp-listener></listeners>"
                + "<mqtt><queued-messages><max-queue-size>1000000</max-queue-size></queued-messages></mqtt>"
                + "<persistence><mode>in-memory</mode></persistence>"
                + "<anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics></hivemq>\n");
        EmbeddedHiveMQ hive = EmbeddedHiveMQ.builder().withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(dir.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(dir.resolve("extensions"))).withoutLoggingBootstrap()
                .build();
        hive.start().get(60, TimeUnit.SECONDS);
        return hive;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1]
                + a[a.length / 2]) / 2;
    }

    private static String rates(List<Double> v) {
        return Arrays.toString(v.stream().mapToLong(Math::round).toArray());
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
