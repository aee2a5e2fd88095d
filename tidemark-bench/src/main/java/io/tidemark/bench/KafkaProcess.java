package io.tidemark.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller) for {@code bench cluster}, as a JVM of its own
 * on 127.0.0.1 with free ports and its log directory under the bench's working directory. Its classpath is the
 * bench's own ({@code kafka_2.13} is a runtime dependency of tidemark-bench only), so it needs nothing the test-jars
 * hold. The configuration is the one of the tests' {@code KafkaBroker} (tidemark-cluster); {@code extra} adds broker
 * settings, e.g. the consumer group session timeout the failover part measures against. Unlike the tests' broker
 * (C1 only, serial GC, for a quick start) it runs with the JVM's default compilers and collector, {@code -Xmx512m}:
 * its speed is part of what the bench measures.
 *
 * <p>{@link #start} formats the directory ({@code kafka.tools.StorageTool}), launches {@code kafka.Kafka} and returns
 * once an admin client sees the broker, within {@link #START_TIMEOUT}, or kills it and throws. {@link #close} kills
 * it (nothing of it is kept). The broker's output goes to {@code broker.log} in its directory. Not thread-safe.
 */
final class KafkaProcess implements AutoCloseable {
    /** The bound of format plus start until an admin client sees the broker. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private final Process process;

    private KafkaProcess(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Formats {@code dir} and starts a broker with {@code extra} broker settings; returns once it serves. */
    static KafkaProcess start(Path dir, Map<String, String> extra) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int[] ports = freePorts();
        Path config = dir.resolve("server.properties");
        writeConfig(dir, config, ports[0], ports[1], extra);
        Path log = dir.resolve("broker.log");
        ByteBuffer id = ByteBuffer.allocate(16);
        UUID u = UUID.randomUUID();
        id.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id.array());
        // The storage tool reads an id that starts with '-' (1 in 64 random ids) as an option and fails: Kafka's own
        // Uuid.randomUuid avoids those ids too.
        clusterId = clusterId.startsWith("-") ? "A" + clusterId.substring(1) : clusterId;
        Process format = launch(dir, log, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString());
        if (!format.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting the broker's log directory failed; see " + log);
        }
        KafkaProcess k = new KafkaProcess(dir, ports[0], launch(dir, log, "kafka.Kafka", config.toString()));
        k.awaitServing(log);
        return k;
    }

    /** {@code 127.0.0.1:<port>}. */
    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's process id (to read its CPU time). */
    long pid() {
        return process.pid();
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Process launch(Path dir, Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx512m", "-Djava.awt.headless=true",
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"), "-cp",
                System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private void awaitServing(Path log) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
        p.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "100");
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited with " + process.exitValue() + "; see " + log);
                }
                try {
                    if (!admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // not serving yet
                }
            }
        }
        close();
        throw new IllegalStateException("the broker did not serve within " + START_TIMEOUT + "; see " + log);
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
            a.bind(new InetSocketAddress("127.0.0.1", 0));
            b.bind(new InetSocketAddress("127.0.0.1", 0));
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    private static void writeConfig(Path dir, Path file, int port, int controllerPort, Map<String, String> extra)
            throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        extra.forEach(p::setProperty);
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, "tidemark bench cluster broker");
        }
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
                </configuration>
                """);
    }
}
