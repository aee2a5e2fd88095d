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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Line protocol while the store is away: PostgreSQL (embedded, its own port and data directory) is stopped; a write
 * is answered 503 {@code {"code": "unavailable", "tidemarkCode": "STORE_UNAVAILABLE"}} with {@code Retry-After}
 * within the configured waits — what InfluxDB clients and Telegraf retry — and once PostgreSQL is back the same
 * write is answered 204 and stored.
 */
@Timeout(300)
class LineProtocolStoreOutageIT {
    private static final StoreTimeouts WAITS = new StoreTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(1));
    /** The configured waits (lock, then acquire) plus room for a machine shared by several builds. */
    private static final Duration BOUND = WAITS.lock().plus(WAITS.acquire()).plusSeconds(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    @TempDir
    Path dir;
    private EmbeddedPostgres pg;
    private ServerFixture f;

    @AfterEach
    void stop() throws IOException {
        if (f != null) {
            f.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void write_storeDown_503WithRetryAfterThen204WhenBack() throws Exception {
        int port = freePort();
        Path data = dir.resolve("pgdata");
        pg = postgres(port, data);
        Store store = Stores.open(new StoreConfig(pg.getJdbcUrl("postgres", "postgres"), null, null, 4, null, WAITS));
        f = new ServerFixture(store, ServerConfig.builder().storeWaits(new ServerConfig.StoreWaits(WAITS,
                Duration.ofMillis(200))));
        TenantId tenant = TenantId.of("plant");
        store.createTenant(tenant);
        store.archives().createArchive(tenant, ArchiveDefinition.raw("cpu", List.of(Column.of("usage",
                ColumnType.DOUBLE))));
        store.archives().activateArchive(tenant, "cpu");
        String writer = f.token("plant", Role.WRITER);
        assertThat(write(writer, "cpu,host=before usage=1 1735689600").statusCode()).isEqualTo(204);

        pg.close();
        pg = null;
        HttpResponse<String> down = Awaitility.await("a line-protocol write answered 503").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50)).until(() -> write(writer, "cpu,host=during usage=2 1735689601"),
                        r -> r.statusCode() != 204);
        long t = System.nanoTime();
        HttpResponse<String> again = write(writer, "cpu,host=during usage=2 1735689601");
        Duration took = Duration.ofNanos(System.nanoTime() - t);
        for (HttpResponse<String> r : List.of(down, again)) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            JsonNode j = JSON.readTree(r.body());
            assertThat(j.path("code").asText()).isEqualTo("unavailable");
            assertThat(j.path("tidemarkCode").asText()).isEqualTo("STORE_UNAVAILABLE");
            assertThat(j.path("errorId").asText()).isNotBlank();
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(r.body()).doesNotContain("PSQL", "jdbc", "Connection");
        }
        assertThat(took).as("the 503 within lock + acquire").isLessThan(BOUND);

        pg = postgres(port, data);
        HttpResponse<String> back = Awaitility.await("the write answered 204 again").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100)).until(() -> write(writer, "cpu,host=during usage=2 1735689601"),
                        r -> r.statusCode() == 204);
        assertThat(back.body()).isEmpty();
        List<Sample> stored = store.archives().read(tenant, new ReadRequest("cpu", List.of(),
                Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-02T00:00:00Z"), 100));
        assertThat(stored).extracting(Sample::rtId).containsExactly("host=before", "host=during");
    }

    private HttpResponse<String> write(String token, String body) {
        HttpRequest r = HttpRequest.newBuilder(f.uri().resolve("/api/v2/write?org=o&bucket=b&precision=s"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Token " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
}
