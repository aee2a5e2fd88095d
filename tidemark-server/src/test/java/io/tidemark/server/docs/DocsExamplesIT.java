package io.tidemark.server.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every runnable example of the documentation, run as written, in order, with bash against a real
 * {@code tidemark serve} process on a fresh data directory — one server per page (the convention: top of
 * {@code docs/api.md} and {@link DocExamples}). The test sets {@code TIDEMARK_TOKEN} to the bootstrap token that
 * server printed, puts a {@code ./tidemark} launcher for this build in the working directory, and points
 * {@code localhost:8080} at the server's port and {@code localhost:5433} at its SQL port (steps that run
 * {@code psql} are skipped when it is not installed). Each step must exit 0, print no error response (a JSON object
 * with {@code errors}, or with {@code code} and {@code message}) unless its {@code # =>} line shows one, and print
 * what its {@code # =>} lines show.
 */
class DocsExamplesIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LISTENING = Pattern.compile("Tidemark listening on http://[^:]+:(\\d+)");
    private static final Pattern SQL_PORT = Pattern.compile("SQL \\(PostgreSQL protocol\\) on port (\\d+)");
    private static final boolean PSQL = Files.isExecutable(Path.of("/usr/bin/psql"));
    private static final Pattern TOKEN = Pattern.compile("(tmk_[A-Za-z0-9_-]+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STEP_SECONDS = 180;
    /** {@code -Ddocs.pages=docs/ingest.md,README.md} runs only those pages (while editing one); default all. */
    private static final List<String> ONLY = System.getProperty("docs.pages", "").isBlank() ? List.of()
            : List.of(System.getProperty("docs.pages").split(","));
    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicTest> everyRunnablePage_runsAsWritten() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path page : pages) {
            String text = Files.readString(page);
            if (!DocExamples.runnable(text)) {
                continue;
            }
            String name = ROOT.relativize(page).toString();
            if (!ONLY.isEmpty() && !ONLY.contains(name)) {
                continue;
            }
            List<DocExamples.Step> steps = DocExamples.steps(name, text);
            tests.add(DynamicTest.dynamicTest(name + " (" + steps.size() + " steps)", () -> runPage(name, steps)));
        }
        assertThat(tests).as("docs/api.md carries the marker").isNotEmpty();
        return tests.stream();
    }

    private static void runPage(String name, List<DocExamples.Step> steps) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9]", "_")));
        Process server = null;
        try {
            Path data = work.resolve("server-data");
            Path log = work.resolve("server.log");
            server = serve(data, log);
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            drain(new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)), lines);
            AtomicReference<String> tokenSeen = new AtomicReference<>();
            AtomicReference<String> portSeen = new AtomicReference<>();
            AtomicReference<String> sqlPortSeen = new AtomicReference<>();
            try {
                await("serve listens").atMost(Duration.ofSeconds(STEP_SECONDS)).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            for (String line; (line = lines.poll()) != null; ) {
                                Matcher t = TOKEN.matcher(line);
                                if (t.find()) {
                                    tokenSeen.set(t.group(1));
                                }
                                Matcher q = SQL_PORT.matcher(line);
                                if (q.find()) {
                                    sqlPortSeen.set(q.group(1));
                                }
                                Matcher m = LISTENING.matcher(line);
                                if (m.find()) {
                                    portSeen.set(m.group(1));
                                }
                            }
                            return portSeen.get() != null;
                        });
            } catch (ConditionTimeoutException e) {
                // reported with the server's log just below
            }
            String token = tokenSeen.get();
            String port = portSeen.get();
            assertThat(port).as("serve listens within %s s: %s", STEP_SECONDS, Files.readString(log)).isNotNull();
            assertThat(token).as("serve printed the bootstrap token").isNotNull();
            Path shell = Files.createDirectories(work.resolve("shell"));
            writeLauncher(shell.resolve("tidemark"));
            Path state = work.resolve("state.sh");
            Files.writeString(state, "export TIDEMARK_TOKEN='" + token + "'\n");
            for (DocExamples.Step step : steps) {
                if (step.script().contains("psql") && !PSQL) {
                    System.out.println(step + ": skipped, psql is not installed at /usr/bin/psql (Debian: "
                            + "postgresql-client)");
                    continue;
                }
                runStep(step, shell, state, port, sqlPortSeen.get());
            }
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
    }

    static void runStep(DocExamples.Step step, Path cwd, Path state, String port, String sqlPort)
            throws Exception {
        String body = step.script().replace("localhost:8080", "127.0.0.1:" + port)
                .replace("127.0.0.1:8080", "127.0.0.1:" + port).replace("localhost:5433", "127.0.0.1:" + sqlPort);
        Path script = cwd.resolve("step.sh");
        Files.writeString(script, "source '" + state + "'\n"
                + "trap 'export -p > \"" + state + "\"' EXIT\n"
                + "set -euo pipefail\n" + body);
        Path out = cwd.resolve("step.out");
        Path err = cwd.resolve("step.err");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
        Process p = pb.start();
        if (!p.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(step + ": still running after " + STEP_SECONDS + " s:\n" + step.script());
        }
        String stdout = Files.readString(out);
        String context = step + " (docs line " + step.line() + ")\n--- script\n" + step.script() + "--- stdout\n"
                + stdout + "\n--- stderr\n" + Files.readString(err);
        assertThat(p.exitValue()).as("exit status of %s", context).isZero();
        List<JsonNode> docs = jsonDocuments(stdout);
        List<JsonNode> expectedJson = new ArrayList<>();
        for (String e : step.expected()) {
            JsonNode node = parse(e);
            if (node == null) {
                assertThat(stdout).as("output of %s", context).contains(e);
                continue;
            }
            expectedJson.add(node);
            assertThat(docs.stream().anyMatch(d -> contains(d, node))).as("some JSON output of %s contains %s",
                    context, e).isTrue();
        }
        for (JsonNode d : docs) {
            boolean error = d.isObject() && (d.has("errors") || d.has("code") && d.has("message"));
            boolean shown = expectedJson.stream().anyMatch(e -> e.has("errors") || e.has("code"));
            assertThat(error && !shown).as("an error response nobody documented in %s", context).isFalse();
        }
    }

    /** The JSON values printed one after another; empty when the output is not JSON. */
    private static List<JsonNode> jsonDocuments(String text) {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                out.add(it.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    private static JsonNode parse(String text) {
        if (!text.startsWith("{") && !text.startsWith("[")) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Whether {@code actual} has every field and value {@code expected} names (arrays: same length, in order). */
    static boolean contains(JsonNode actual, JsonNode expected) {
        if (expected.isObject()) {
            if (!actual.isObject()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = expected.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode a = actual.get(f.getKey());
                if (a == null || !contains(a, f.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                return false;
            }
            for (int i = 0; i < expected.size(); i++) {
                if (!contains(actual.get(i), expected.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isNumber()) {
            return actual.isNumber() && actual.decimalValue().compareTo(expected.decimalValue()) == 0;
        }
        return actual.equals(expected);
    }

    static void writeLauncher(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(file, "#!/usr/bin/env bash\n# This build's CLI, for the docs test (the real launcher "
                + "builds with Maven first).\nexec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' io.tidemark.server.cli.TidemarkCli \"$@\"\n");
        file.toFile().setExecutable(true);
    }

    private static Process serve(Path data, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String logback = DocsExamplesIT.class.getClassLoader().getResource("logback.xml").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dlogback.configurationFile=" + logback, "-cp",
                System.getProperty("java.class.path"), "io.tidemark.server.cli.TidemarkCli", "serve", "--port", "0",
                "--set", "sql.port=0", "--data-dir", data.toString()).redirectError(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
        return pb.start();
    }

    /** Reads the server's standard output on a daemon thread (it never blocks on a full pipe). */
    private static void drain(BufferedReader out, BlockingQueue<String> lines) {
        Thread t = new Thread(() -> {
            try {
                for (String l = out.readLine(); l != null; l = out.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "docs-serve-stdout");
        t.setDaemon(true);
        t.start();
    }
}
