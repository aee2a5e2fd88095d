package io.tidemark.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real single-node Kafka 4.4 (KRaft, combined broker and controller) for tests, in a JVM of its own, on 127.0.0.1
 * with free ports and a temporary log directory. It can be {@linkplain #stop() stopped} (SIGTERM, a controlled
 * shutdown), {@linkplain #kill() killed} (SIGKILL) and {@linkplain #restart() restarted} on the same ports and data.
 *
 * <p><b>Why a JVM of its own and not {@code KafkaClusterTestKit} in the test's JVM.</b> (1) The fault tests of
 * cluster mode stop, restart and {@code kill -9} the broker while Tidemark servers run as separate JVMs: a broker in
 * its own process dies as a real one does (sockets reset, nothing flushed), an in-JVM one only shuts down politely.
 * (2) The broker brings Scala 2.13, log4j 2, Jackson and Kafka's server modules; in the test's JVM they would share
 * the classpath with the server's Jackson, Jetty and logging (today the overlap is Jackson: the parent's
 * {@code jackson.version} 2.21.8 replaces Kafka's 2.21.7 in this module's test scope, a patch-level difference). In
 * its own JVM the broker's classpath is Kafka's alone, whatever the server's tests put on theirs. (3) For 4.4.0
 * Maven Central serves {@code kafka-test-common-runtime} but not {@code kafka-clients}' {@code test} classifier; the
 * test kit was not tried without it. The classpath is resolved
 * by Maven at build time ({@code dependency:build-classpath} in this module's POM) into the resource
 * {@value #CLASSPATH_RESOURCE}, which the test-jar carries, so a test of another module that depends on the test-jar
 * starts the same broker.
 *
 * <p>Start-up: the first start formats the log directory ({@code kafka.tools.StorageTool}, a JVM for about a second)
 * and starts {@code kafka.Kafka}; a start returns once an {@link Admin} sees the broker, within
 * {@link #START_TIMEOUT}, or throws and kills the process. Measured on the project's 2-core machine, shared with
 * other builds (load average 7 to 10): 5.6 to 9.4 s for format and start, 4.3 to 7.2 s for a restart; on the same
 * machine less loaded, by hand, 1.8 s for the format and 2.9 s until the port listened. The broker's output goes to
 * {@link #logFile()}.
 *
 * <p>Not thread-safe: one test thread drives it. {@link #close()} kills the process and deletes the directory.
 */
public final class KafkaBroker implements AutoCloseable {
    /** The resource holding the broker's classpath, written at build time. */
    public static final String CLASSPATH_RESOURCE = "io/tidemark/cluster/kafka-broker.classpath";
    /** The bound of a start (format included) until an admin client sees the broker. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The bound of a controlled shutdown before the process is killed. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String classpath;
    private final java.util.Map<String, String> overrides;
    private Process process;

    private KafkaBroker(Path dir, int port, int controllerPort, String classpath,
            java.util.Map<String, String> overrides) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.classpath = classpath;
        this.overrides = java.util.Map.copyOf(overrides);
    }

    /** Formats a new log directory and starts a broker on free ports; returns once it serves. */
    public static KafkaBroker start() {
        return start(java.util.Map.of());
    }

    /**
     * As {@link #start()}, with broker properties set after the fixture's own (and replacing them), e.g. a short
     * {@code group.consumer.session.timeout.ms} for a test of failover, which the broker's session timeout bounds.
     */
    public static KafkaBroker start(java.util.Map<String, String> properties) {
        try {
            Path dir = Files.createTempDirectory("tidemark-kafka-");
            int[] ports = freePorts(2);
            KafkaBroker b = new KafkaBroker(dir, ports[0], ports[1], readClasspath(), properties);
            b.writeConfig();
            b.format();
            b.launch();
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The broker's console output (appended across restarts). */
    public Path logFile() {
        return dir.resolve("broker.log");
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The broker's process id; the process must be running. */
    public long pid() {
        return process.pid();
    }

    /** A controlled shutdown (SIGTERM), waited for up to {@link #STOP_TIMEOUT}, then SIGKILL. */
    public void stop() {
        if (!isRunning()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    /** {@code kill -9}: the process ends at once, nothing flushed; waits (bounded) until it is gone. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the broker again on the same ports and data, after {@link #stop} or {@link #kill}. */
    public void restart() {
        if (isRunning()) {
            throw new IllegalStateException("the broker is running; stop or kill it first");
        }
        launch();
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
    }

    private static String readClasspath() throws IOException {
        try (InputStream in = KafkaBroker.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no " + CLASSPATH_RESOURCE + " on the classpath: build tidemark-cluster"
                        + " (its generate-test-resources phase writes it) and depend on its test-jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private void writeConfig() throws IOException {
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
        // A restarted broker must come back quickly: no long controlled-shutdown retries, small segments.
        p.setProperty("controlled.shutdown.max.retries", "1");
        p.setProperty("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        overrides.forEach(p::setProperty);
        try (var out = Files.newBufferedWriter(dir.resolve("server.properties"))) {
            p.store(out, "tidemark test broker");
        }
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                  <logger name="org.apache.kafka" level="WARN"/>
                  <logger name="kafka" level="WARN"/>
                  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
                  <logger name="state.change.logger" level="WARN"/>
                </configuration>
                """);
    }

    private List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Djava.awt.headless=true", "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void format() throws IOException {
        ByteBuffer id = ByteBuffer.allocate(16);
        UUID u = UUID.randomUUID();
        id.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id.array());
        // The storage tool reads an id that starts with '-' (1 in 64 random ids) as an option and fails: Kafka's own
        // Uuid.randomUuid avoids those ids too.
        clusterId = clusterId.startsWith("-") ? "A" + clusterId.substring(1) : clusterId;
        Process p = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                dir.resolve("server.properties").toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
        try {
            if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("formatting the broker's log directory failed; see " + logFile());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting", e);
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(java("kafka.Kafka", dir.resolve("server.properties").toString()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitServing();
    }

    private void awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
        p.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "100");
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited with " + process.exitValue() + "; see "
                            + logFile());
                }
                try {
                    if (!admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // not serving yet
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        throw new IllegalStateException("the broker did not serve within " + START_TIMEOUT + "; see " + logFile());
    }
}
