package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.core.Role;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics with a scrape token, /health when the store stops answering. */
class OperationsEndpointsIT {
    @TempDir
    Path dir;

    @Test
    void metrics_withMetricsToken_onlyThatTokenScrapes() {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .metricsToken("scrape-secret"))) {
            String admin = f.token("t", Role.ADMIN);
            assertThat(f.send("GET", "/metrics", null, null, null).statusCode()).isEqualTo(401);
            assertThat(f.send("GET", "/metrics", admin, null, null).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = f.send("GET", "/metrics", "scrape-secret", null, null);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(ok.body()).contains("tidemark_http_requests_seconds_count", "jvm_memory_used_bytes");
        }
    }

    @Test
    void health_storeClosed_503ThenServerStillAnswers() {
        Store store = TestStores.duckDb(dir);
        try (ServerFixture f = new ServerFixture(store, ServerConfig.builder().storeWaits(
                new ServerConfig.StoreWaits(io.tidemark.store.StoreTimeouts.DEFAULT, java.time.Duration.ofMillis(100))))) {
            assertThat(f.send("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
            store.close();
            // /health answers from the background probe: DOWN from the first probe after the close (docs/faults.md)
            HttpResponse<String> down = await("/health reports the closed store").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50)).until(() -> f.send("GET", "/health", null, null, null),
                            r -> r.statusCode() != 200);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).isPresent();
            assertThat(down.body()).contains("\"status\":\"DOWN\"").doesNotContain("duckdb");
            assertThat(f.send("GET", "/health", null, null, null).statusCode()).isEqualTo(503);
        }
    }

}
