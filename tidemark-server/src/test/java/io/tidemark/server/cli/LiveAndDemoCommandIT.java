package io.tidemark.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tidemark live} against a real server while data streams in, and {@code tidemark demo} end to end, each for a
 * few seconds ({@code --duration}); their output must show generations framed by marks, with the data in them.
 */
class LiveAndDemoCommandIT {
    @TempDir
    Path dir;

    private static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new TidemarkCli()).setExecutionExceptionHandler(CliErrors::report)
                    .execute(args);
            assertThat(code).as(String.join(" ", args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<Long> numbers(Pattern p, String text) {
        List<Long> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    @Test
    void live_whileDataStreams_printsSnapshotThenChangesFramedByMarks() throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).dataDir(dir).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build();
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String token = Tokens.issue(server.store(), TenantId.of("plant"), Role.ADMIN, "cli", Instant.now())
                    .secret();
            TidemarkClient http = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            Map<String, String> cols = new LinkedHashMap<>();
            cols.put("site", "VARCHAR");
            cols.put("temp", "DOUBLE");
            http.createArchive("line", cols);
            http.activateArchive("line");
            http.publish("line", List.of(Row.of("s1", now(), Map.of("site", "north", "temp", 20.0))));
            AtomicInteger n = new AtomicInteger();
            publisher.scheduleWithFixedDelay(() -> http.publish("line", List.of(Row.of("s" + n.incrementAndGet(),
                    now(), Map.of("site", n.get() % 2 == 0 ? "north" : "south", "temp", 21.0)))), 300, 300,
                    TimeUnit.MILLISECONDS);

            String out = run("live", "--url", server.uri().toString(), "--token", token, "--duration", "4s",
                    "SELECT site, COUNT(*) AS n FROM recent.line GROUP BY site");

            List<Long> begins = numbers(Pattern.compile("(?m)^aggMarkBegin (\\d+)$"), out);
            List<Long> ends = numbers(Pattern.compile("(?m)^aggMarkEnd (\\d+)$"), out);
            assertThat(begins).as(out).hasSizeGreaterThanOrEqualTo(3).isEqualTo(ends).isSorted();
            // The publisher runs from 300 ms on: on a loaded machine it may have added north rows before the CLI
            // connected, so the snapshot's count is at least the one row published first, not exactly it.
            assertThat(out).contains("  snapshotBegin [site VARCHAR, n BIGINT] key [site]", "  snapshotEnd", "  ~ [");
            assertThat(out).as(out).containsPattern("(?m)^  \\+ \\[north, [1-9]\\d*\\]$");
            // The snapshot comes first, inside the first generation.
            assertThat(out.indexOf("snapshotBegin")).isGreaterThan(out.indexOf("aggMarkBegin " + begins.get(0)))
                    .isLessThan(out.indexOf("aggMarkEnd " + begins.get(0)));

            String snapshot = run("live", "--url", server.uri().toString(), "--token", token, "--type", "SNAPSHOT",
                    "SELECT rtId, temp FROM latest.line WHERE rtId = 's1'");
            assertThat(snapshot).contains("  + [s1, ").containsOnlyOnce("aggMarkEnd ");
        } finally {
            publisher.shutdownNow();
            publisher.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void demo_forAFewSeconds_redrawsTheLiveViewGenerationByGeneration() {
        String out = run("demo", "--duration", "5s", "--plain", "--sensors", "12", "--rate", "4");

        List<Long> views = numbers(Pattern.compile("live view at aggMarkEnd, generation (\\d+)"), out);
        assertThat(views).as(out).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates().isSorted();
        assertThat(out).contains("north", "south", "1-minute rollup, live window:");
        assertThat(out).containsPattern("console: http://127\\.0\\.0\\.1:\\d+/  \\(open it, paste the token to sign in\\)");
        long last = numbers(Pattern.compile("stopped after generation (\\d+)"), out).get(0);
        assertThat(last).isGreaterThanOrEqualTo(views.get(views.size() - 1));
    }

    /** Both make their store in a new temporary directory and must remove it when they end. */
    @Test
    void demoAndExample_removeTheirTemporaryStores() throws Exception {
        java.util.Set<Path> before = temporary();

        run("example", "--sensors", "3", "--interval", "600");
        run("demo", "--duration", "2s", "--plain", "--sensors", "3");

        assertThat(temporary()).isSubsetOf(before);
    }

    private static java.util.Set<Path> temporary() throws java.io.IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (java.util.stream.Stream<Path> dirs = java.nio.file.Files.list(tmp)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("tidemark-example")
                    || d.getFileName().toString().startsWith("tidemark-demo")).collect(java.util.stream.Collectors.toSet());
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
