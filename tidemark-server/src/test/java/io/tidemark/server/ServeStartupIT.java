package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tidemark serve} as a real process when its port is taken: one clear line and a non-zero exit, no token
 * used up; the next start on the same data directory prints the bootstrap token, which works.
 */
class ServeStartupIT {
    private static final Pattern LISTENING = Pattern.compile("Tidemark listening on (http://\\S+)");
    private static final Pattern TOKEN = Pattern.compile("(tmk_[A-Za-z0-9_-]+)");
    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void serve_portInUse_oneClearLineAndNonZeroExit_thenTheNextStartPrintsTheBootstrapToken() throws Exception {
        Path out1 = dir.resolve("first.out");
        Path err1 = dir.resolve("first.err");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process first = serve(taken.getLocalPort(), out1, err1);
            assertThat(first.waitFor(120, TimeUnit.SECONDS)).as("serve exits when its port is taken").isTrue();
            assertThat(first.exitValue()).isNotZero();
            String err = Files.readString(err1);
            assertThat(err).contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use; stop the other "
                    + "process or use --port");
            assertThat(err).doesNotContain("\tat ", "Exception");
            assertThat(Files.readString(out1)).doesNotContain("tmk_", "listening");
        }

        Path out2 = dir.resolve("second.out");
        Process second = serve(0, out2, dir.resolve("second.err"));
        // polls the file the process writes (no callback exists for it) until it listens or exits
        await("the second start listens or exits").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .until(() -> !second.isAlive() || LISTENING.matcher(Files.readString(out2, StandardCharsets.UTF_8))
                        .find());
        String text = Files.readString(out2, StandardCharsets.UTF_8);
        Matcher t = TOKEN.matcher(text);
        String token = t.find() ? t.group(1) : null;
        Matcher m = LISTENING.matcher(text);
        URI uri = m.find() ? URI.create(m.group(1)) : null;
        assertThat(uri).as("the second start listens: %s", Files.readString(dir.resolve("second.err"))).isNotNull();
        assertThat(token).as("the second start prints the bootstrap token").isNotNull();
        TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(uri).token(token).build());
        assertThat(c.archives()).isEmpty();
    }

    @Test
    void serve_clusterOnDuckDb_oneLineNamingJdbcUrl_noStoreCreated_andAnUnknownClusterKeyRefused() throws Exception {
        Path out = dir.resolve("cluster.out");
        Path err = dir.resolve("cluster.err");
        Process p = serve(0, out, err, "--cluster", "kafka=127.0.0.1:1");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("serve exits").isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        String text = Files.readString(err);
        assertThat(text).contains("INVALID_ARGUMENT", "cluster mode", "--jdbc-url");
        assertThat(text).doesNotContain("\tat ", "Exception");
        assertThat(dir.resolve("data").resolve("tidemark.duckdb")).doesNotExist();

        Process q = serve(0, dir.resolve("zk.out"), dir.resolve("zk.err"), "--cluster", "zookeeper=127.0.0.1:2181");
        assertThat(q.waitFor(120, TimeUnit.SECONDS)).as("serve exits").isTrue();
        assertThat(q.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("zk.err"))).contains("--cluster takes kafka=");
    }

    private Process serve(int port, Path out, Path err, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String logback = ServeStartupIT.class.getClassLoader().getResource("logback.xml").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Dlogback.configurationFile=" + logback, "-cp",
                System.getProperty("java.class.path"), "io.tidemark.server.cli.TidemarkCli", "serve",
                "--port", Integer.toString(port), "--data-dir", dir.resolve("data").toString(),
                "--set", "rollup.interval=1h", "--set", "sql.port=0"));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
        Process p = pb.start();
        started.add(p);
        return p;
    }
}
