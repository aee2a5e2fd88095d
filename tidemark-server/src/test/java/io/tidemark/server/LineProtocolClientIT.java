package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real InfluxDB client sends, as the oracle: the official JavaScript client
 * ({@code @influxdata/influxdb-client}, pinned by {@code src/test/influxdb-client/package-lock.json}, installed once
 * into {@code target/influxdb-client} with {@code npm ci}) writes points with nasty tags and strings, every field
 * type, nanosecond and second precision, plain and gzip bodies, to a real server on DuckDB; the stored rows must equal
 * the values the script gave the client. Skipped, with the reason, without Node.js 18+ or the npm registry.
 */
class LineProtocolClientIT {
    private static final Path DIR = Path.of("target", "influxdb-client");
    private static final Path SOURCES = Path.of("src", "test", "influxdb-client");
    private static final Duration NPM_INSTALL = Duration.ofSeconds(300);
    private static final Duration WRITE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void officialJsClient_writesPoints_storedRowsEqualTheValuesGiven() throws Exception {
        assumeClientInstalled();
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir))) {
            String admin = f.token("plant", Role.ADMIN);
            String writer = f.token("plant", Role.WRITER);
            TidemarkClient a = f.client(admin);
            a.createArchive("cpu", Map.of("usage", "DOUBLE", "n", "BIGINT", "ok", "BOOLEAN", "note", "VARCHAR"));
            a.activateArchive("cpu");

            Files.copy(SOURCES.resolve("write.mjs"), DIR.resolve("write.mjs"), StandardCopyOption.REPLACE_EXISTING);
            Optional<String> out = run(List.of("node", "write.mjs", f.uri().toString(), writer), WRITE);
            assertThat(out).as("node write.mjs exits 0 (every write acknowledged)").isPresent();

            Map<String, Map<String, Object>> expected = new HashMap<>();
            for (String line : out.get().split("\n")) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode p = JSON.readTree(line);
                List<String[]> tags = new ArrayList<>();
                p.path("tags").fields().forEachRemaining(e -> tags.add(new String[] {e.getKey(),
                        e.getValue().asText()}));
                tags.sort((x, y) -> compareCodePoints(x[0], y[0]));
                StringBuilder rtId = new StringBuilder();
                for (String[] kv : tags) {
                    rtId.append(rtId.length() == 0 ? "" : ",").append(kv[0]).append('=').append(kv[1]);
                }
                long t = Long.parseLong(p.path("time").asText());
                long micros = p.path("precision").asText().equals("ns") ? Math.floorDiv(t, 1000L) : t * 1_000_000L;
                Map<String, Object> values = new HashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = p.path("fields").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String type = e.getValue().get(0).asText();
                    JsonNode v = e.getValue().get(1);
                    values.put(e.getKey(), switch (type) {
                        case "float" -> v.asDouble();
                        case "int" -> v.asLong();
                        case "uint" -> Long.parseLong(v.asText());
                        case "bool" -> v.asBoolean();
                        default -> v.asText();
                    });
                }
                expected.put(rtId + " @ " + Instant.EPOCH.plus(Duration.ofNanos(micros * 1000)), values);
            }
            assertThat(expected).hasSize(253);

            Map<String, Map<String, Object>> stored = new HashMap<>();
            for (Row r : a.streamData("cpu", List.of(), Instant.parse("1900-01-01T00:00:00Z"),
                    Instant.parse("2199-01-01T00:00:00Z"), 10_000)) {
                Map<String, Object> values = new HashMap<>();
                r.values().forEach((k, v) -> {
                    if (v != null) {
                        values.put(k, k.equals("usage") ? (Object) ((Number) v).doubleValue()
                                : k.equals("n") ? (Object) ((Number) v).longValue() : v);
                    }
                });
                stored.put(r.rtId() + " @ " + r.timestamp(), values);
            }
            assertThat(stored).isEqualTo(expected);
        }
    }

    private static int compareCodePoints(String x, String y) {
        int[] a = x.codePoints().toArray();
        int[] b = y.codePoints().toArray();
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return Integer.compare(a.length, b.length);
    }

    /** Skips the test unless Node.js 18+ runs and the client is installed (installing it once if need be). */
    private static synchronized void assumeClientInstalled() throws IOException {
        String version = run(List.of("node", "--version"), Duration.ofSeconds(20)).orElse("").trim();
        Assumptions.assumeTrue(version.matches("v(1[89]|[2-9][0-9])\\..*"), "this test needs Node.js 18 or newer on "
                + "the PATH (found: '" + version + "')");
        Path installed = DIR.resolve("node_modules").resolve("@influxdata").resolve("influxdb-client");
        if (Files.isDirectory(installed)) {
            return;
        }
        Files.createDirectories(DIR);
        for (String f : List.of("package.json", "package-lock.json")) {
            Files.copy(SOURCES.resolve(f), DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Optional<String> npm = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix",
                DIR.toAbsolutePath().toString()), NPM_INSTALL);
        Assumptions.assumeTrue(npm.isPresent() && Files.isDirectory(installed), "this test needs "
                + "@influxdata/influxdb-client from the npm registry; 'npm ci' in " + DIR + " failed");
    }

    /** The command's output (stdout and stderr) when it exits 0 within {@code limit}, run in {@link #DIR}. */
    private static Optional<String> run(List<String> command, Duration limit) {
        try {
            Files.createDirectories(DIR);
            Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                System.out.println(command + ": no exit within " + limit);
                return Optional.empty();
            }
            String text = out.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                System.out.println(command + " exited " + p.exitValue() + ":\n" + text);
                return Optional.empty();
            }
            return Optional.of(text);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            System.out.println(command + ": " + e);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
