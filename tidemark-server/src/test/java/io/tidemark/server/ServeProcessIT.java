package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tidemark serve} as a real process: ingest, roll up, SIGTERM, start again on the same data directory; the
 * acknowledged samples are there and the orchestrator carries on from its watermark.
 */
class ServeProcessIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Pattern LISTENING = Pattern.compile("Tidemark listening on (http://\\S+)");
    private static final Pattern TOKEN = Pattern.compile("(tmk_[A-Za-z0-9_-]+)");
    @TempDir
    Path dir;

    /** Every process started, destroyed after the test whatever happened in it. */
    private final List<Process> started = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** A running {@code tidemark serve}, its URI and the bootstrap token it printed (null on a restart). */
    private record Served(Process process, URI uri, String token, Path log) {}

    /**
     * The per-tick budget is 10 buckets and the data covers 20 minutes, so the first process stops halfway through
     * it; the restarted one must go on from there.
     */
    @Test
    void serve_sigtermThenRestart_acknowledgedSamplesKeptAndWatermarkCarriesOn() throws Exception {
        Served first = serve("first");
        assertThat(first.token()).isNotNull();
        TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(first.uri()).token(first.token()).build());
        c.createArchive("s", Map.of("v", "DOUBLE"));
        c.activateArchive("s");
        c.createRollupArchive(RollupSpec.builder("s_1m", "s", "PT1M").aggregate("SUM", "v", "total").build());
        c.activateRollup("s_1m");
        assertThat(c.publish("s", rows(0, 600))).isEqualTo(600);
        assertThat(c.publish("s", rows(600, 1200))).isEqualTo(600);
        c.processRollup("s_1m");
        Instant watermark = c.rollup("s_1m").watermark();
        assertThat(watermark).isAfterOrEqualTo(T0.plusSeconds(600));

        first.process().destroy();
        assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(first.log())).contains("tidemark shutting down", "tidemark stopped");

        Served second = serve("second");
        assertThat(second.token()).isNull();
        TidemarkClient again = TidemarkClient.create(ConnectionConfig.builder(second.uri()).token(first.token())
                .build());
        try {
            assertThat(again.streamData("s", List.of(), T0, T0.plusSeconds(3600), 10_000)).hasSize(1200);
            assertThat(again.rollup("s_1m").watermark()).isAfterOrEqualTo(watermark);
            // The restarted host's first round and these calls share the work; each call commits or loses a race.
            for (int i = 0; i < 10 && !again.rollup("s_1m").watermark().isAfter(T0.plusSeconds(1200)); i++) {
                again.processRollup("s_1m");
            }
            assertThat(again.rollup("s_1m").watermark()).isAfter(T0.plusSeconds(1200));
            List<Row> minutes = again.streamData("s_1m", List.of(), T0, T0.plusSeconds(3600), 100);
            assertThat(minutes).hasSize(20);
            for (int m = 0; m < 20; m++) {
                assertThat(minutes.get(m).values().get("total")).isEqualTo(sum(m * 60, m * 60 + 60));
            }
        } finally {
            second.process().destroy();
            second.process().waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static double sum(int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += i;
        }
        return s;
    }

    private static List<Row> rows(int from, int to) {
        List<Row> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(Row.of("a", T0.plusSeconds(i), Map.of("v", (double) i)));
        }
        return out;
    }

    /** Reads the rest of standard output on a daemon thread, so the server never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        Thread t = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "serve-stdout");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code tidemark serve} on a free port and reads its standard output until it listens. */
    private Served serve(String name) throws IOException {
        Path log = dir.resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The server's own logback.xml, not the tests' (which would log to standard output).
        String logback = ServeProcessIT.class.getClassLoader().getResource("logback.xml").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dlogback.configurationFile=" + logback, "-cp",
                System.getProperty("java.class.path"),
                "io.tidemark.server.cli.TidemarkCli", "serve", "--port", "0", "--data-dir",
                dir.resolve("data").toString(), "--set", "rollup.interval=1h", "--set",
                "rollup.max-buckets-per-tick=10", "--set", "sql.port=0").redirectError(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
        Process p = pb.start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String token = null;
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            Matcher t = TOKEN.matcher(line);
            if (t.find()) {
                token = t.group(1);
            }
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                String console = out.readLine();
                if (!("Console: " + m.group(1) + "/ (sign in with an API token; docs/console.md)").equals(console)) {
                    throw new AssertionError("serve printed no console URL after its URL, but: " + console);
                }
                drain(out);
                return new Served(p, URI.create(m.group(1)), token, log);
            }
        }
        throw new AssertionError("tidemark serve exited before listening: " + Files.readString(log));
    }
}
