package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Role;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
        try (ServerFixture f = new ServerFixture(store)) {
            assertThat(f.send("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
            store.close();
            HttpResponse<String> down = f.send("GET", "/health", null, null, null);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"").doesNotContain("duckdb");
            assertThat(f.send("GET", "/health", null, null, null).statusCode()).isEqualTo(503);
        }
    }
}
