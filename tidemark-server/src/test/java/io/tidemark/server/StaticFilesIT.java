package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static files from the classpath folder {@code public}: served without a token, with headers; routes still win. */
class StaticFilesIT {
    @TempDir
    static Path dir;
    private static ServerFixture f;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void fileOnTheClasspath_servedWithSecurityHeaders() {
        HttpResponse<String> r = f.send("GET", "/static-files-it.txt", null, null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("served from the test classpath");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                v -> assertThat(v).contains("default-src 'self'", "connect-src 'self'"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void webjar_uplotServedFromTheJar_withTheSameHeaders() {
        HttpResponse<String> r = f.send("GET", "/webjars/uplot/1.6.30/dist/uPlot.esm.js", null, null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("export { uPlot as default }");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("javascript"));
        assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void unknownPath_stillTheJsonNotFound() {
        HttpResponse<String> r = f.send("GET", "/no-such-file.js", null, null, null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("\"code\":\"NOT_FOUND\"", "no endpoint GET /no-such-file.js");
    }

    @Test
    void routes_winOverStaticFiles() {
        assertThat(f.send("GET", "/health", null, null, null).body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(f.send("POST", "/graphql", null, "application/json", "{\"query\":\"{ archives { name } }\"}")
                .statusCode()).isEqualTo(401);
    }

    @Test
    void staticRequests_countedUnderTheirOwnRouteLabel() {
        f.send("GET", "/static-files-it.txt", null, null, null);
        assertThat(f.send("GET", "/metrics", null, null, null).body()).contains("route=\"static\"");
    }
}
