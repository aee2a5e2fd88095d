package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.Stores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store goes away under ingest load and comes back: PostgreSQL (embedded, on its own port and data directory)
 * is stopped while writers post batches, then started again on the same port and data. While it is down
 * {@code /health} answers 503 DOWN within a bound, ingest answers 503 {@code STORE_UNAVAILABLE} with
 * {@code Retry-After} within the configured waits, GraphQL answers {@code STORE_UNAVAILABLE}; afterwards every
 * acknowledged batch is stored, every other batch is stored whole or not at all, and health and ingest recover by
 * themselves.
 */
@Timeout(300)
class PostgresStoreOutageIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final int SAMPLES = 40;
    private static final int WRITERS = 3;
    private static final StoreTimeouts WAITS = new StoreTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(1));
    /** The configured waits (lock, then acquire) plus room for a machine shared by several builds. */
    private static final Duration INGEST_BOUND = WAITS.lock().plus(WAITS.acquire()).plusSeconds(4);
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private EmbeddedPostgres pg;
    private ServerFixture f;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS);

    /** What a writer saw for one batch. */
    enum Outcome { ACKED, UNAVAILABLE, OTHER }

    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        writers.shutdownNow();
        if (f != null) {
            f.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void postgresStoppedUnderIngestAndRestarted_boundedRefusalsNothingHalfWrittenAndRecovery() throws Exception {
        int port = freePort();
        Path data = dir.resolve("pgdata");
        pg = postgres(port, data);
        Store store = Stores.open(new StoreConfig(pg.getJdbcUrl("postgres", "postgres"), null, null, 4, null, WAITS));
        f = new ServerFixture(store, ServerConfig.builder().storeWaits(new ServerConfig.StoreWaits(WAITS,
                Duration.ofMillis(200))));
        TenantId tenant = TenantId.of("plant");
        store.createTenant(tenant);
        store.archives().createArchive(tenant, ArchiveDefinition.raw("line", List.of(Column.of("temp",
                ColumnType.DOUBLE))));
        store.archives().activateArchive(tenant, "line");
        String writer = f.token("plant", Role.WRITER);
        String reader = f.token("plant", Role.READER);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Future<?>> loops = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int id = w;
            loops.add(writers.submit(() -> write(id, writer, running)));
        }

        await("30 batches acknowledged", () -> acked.get() >= 30);
        pg.close();
        pg = null;

        HttpResponse<String> down = awaitResponse("/health answers 503", () -> get("/health", null),
                r -> r.statusCode() == 503);
        assertThat(json(down).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(down).get("reason").asText()).isNotBlank();
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            HttpResponse<String> h = get("/health", null);
            assertThat(Duration.ofNanos(System.nanoTime() - t)).as("/health while down").isLessThan(HEALTH_BOUND);
            assertThat(h.statusCode()).isEqualTo(503);
        }
        await("10 ingest refusals", () -> unavailable.get() >= 10);
        HttpResponse<String> gql = graphql(reader, "{ archives { name } }");
        assertThat(json(gql).get("errors").get(0).get("extensions").get("code").asText())
                .isEqualTo("STORE_UNAVAILABLE");
        assertThat(gql.body()).doesNotContain("PSQL", "jdbc", "Connection");

        pg = postgres(port, data);
        await("/health answers 200", () -> get("/health", null).statusCode() == 200);
        int before = acked.get();
        await("10 more batches acknowledged", () -> acked.get() >= before + 10);
        running.set(false);
        for (Future<?> l : loops) {
            l.get(120, TimeUnit.SECONDS);
        }

        assertThat(problems).isEmpty();
        assertEveryAckedBatchStoredAndNoneHalf(store, tenant);
        String metrics = get("/metrics", null).body();
        // Every refusal counts here; tidemark_ingest_batches_total{reason="unavailable"} only those whose token
        // was still accepted (a store that is down usually fails the token check first: no tenant to tag).
        assertThat(metrics).containsPattern("tidemark_store_unavailable_total\\{route=\"/api/v1/archives/\\{archive}/"
                + "samples\"} [1-9]");
        assertThat(metrics).contains("tidemark_store_up 1.0");
        assertThat(json(graphql(reader, "{ archives { name } }")).get("data").get("archives").get(0).get("name")
                .asText()).isEqualTo("line");
    }

    /** Posts batches until {@code running} ends; checks each refusal's code, Retry-After and time. */
    private void write(int w, String token, AtomicBoolean running) {
        for (int b = 0; running.get(); b++) {
            String rtId = "w" + w + "-b" + b;
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < SAMPLES; i++) {
                body.append("{\"rtId\":\"").append(rtId).append("\",\"timestamp\":\"").append(T0.plusSeconds(i))
                        .append("\",\"temp\":").append(b * 1000 + i).append("}\n");
            }
            long t = System.nanoTime();
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(uri("/api/v1/archives/line/samples"))
                        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                outcomes.put(rtId, Outcome.OTHER);
                problems.add(rtId + ": " + e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t);
            if (r.statusCode() == 200) {
                outcomes.put(rtId, Outcome.ACKED);
                acked.incrementAndGet();
                continue;
            }
            outcomes.put(rtId, r.statusCode() == 503 ? Outcome.UNAVAILABLE : Outcome.OTHER);
            if (r.statusCode() != 503 || !r.body().contains("\"code\":\"STORE_UNAVAILABLE\"")
                    || r.headers().firstValue("Retry-After").isEmpty() || took.compareTo(INGEST_BOUND) > 0) {
                problems.add(rtId + ": " + r.statusCode() + " after " + took + " Retry-After="
                        + r.headers().firstValue("Retry-After") + " " + r.body());
            }
            if (r.statusCode() == 503) {
                unavailable.incrementAndGet();
            }
        }
    }

    /** Acknowledged: all samples with their values. Refused: all or nothing. Nothing from anywhere else. */
    private void assertEveryAckedBatchStoredAndNoneHalf(Store store, TenantId tenant) {
        List<Sample> rows = store.archives().read(tenant, new ReadRequest("line", List.of(), T0,
                T0.plusSeconds(SAMPLES), 1_000_000));
        assertThat(rows).hasSizeLessThan(1_000_000);
        Map<String, List<Sample>> byBatch = new HashMap<>();
        rows.forEach(s -> byBatch.computeIfAbsent(s.rtId(), k -> new ArrayList<>()).add(s));
        assertThat(outcomes.keySet()).containsAll(byBatch.keySet());
        outcomes.forEach((rtId, outcome) -> {
            List<Sample> stored = byBatch.getOrDefault(rtId, List.of());
            if (outcome == Outcome.ACKED) {
                assertThat(stored).as("acknowledged batch %s", rtId).hasSize(SAMPLES);
            } else {
                assertThat(stored.size()).as("unacknowledged batch %s: whole or absent", rtId).isIn(0, SAMPLES);
            }
            int b = Integer.parseInt(rtId.substring(rtId.indexOf("-b") + 2));
            for (Sample s : stored) {
                long i = s.timestamp().getEpochSecond() - T0.getEpochSecond();
                assertThat(((Number) s.values().get("temp")).doubleValue()).as(rtId).isEqualTo(b * 1000 + i);
            }
        });
        assertThat(outcomes.values()).contains(Outcome.UNAVAILABLE);
    }

    private static EmbeddedPostgres postgres(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false)
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private URI uri(String path) {
        return f.uri().resolve(path);
    }

    private HttpResponse<String> get(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> graphql(String token, String query) {
        return f.send("POST", "/graphql", token, "application/json", "{\"query\": " + ServerFixture.quote(query)
                + "}");
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** Polls an outside condition (a process stopping or starting) every 50 ms, for at most 120 s. */
    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }

    private static HttpResponse<String> awaitResponse(String what, java.util.function.Supplier<HttpResponse<String>> call,
            java.util.function.Predicate<HttpResponse<String>> done) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(call::get, done::test);
    }
}
