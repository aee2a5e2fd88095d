package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.client.RollupSpec;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens, roles and tenant isolation on every endpoint, against one server with two tenants. */
class AuthIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String NDJSON = "application/x-ndjson";
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String acmeAdmin;
    private static String acmeWriter;
    private static String acmeReader;
    private static String betaAdmin;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir));
        acmeAdmin = f.token("acme", Role.ADMIN);
        acmeWriter = f.token("acme", Role.WRITER);
        acmeReader = f.token("acme", Role.READER);
        betaAdmin = f.token("beta", Role.ADMIN);
        TidemarkClient admin = f.client(acmeAdmin);
        admin.createArchive("secret", Map.of("v", "DOUBLE"));
        admin.activateArchive("secret");
        f.client(acmeWriter).publish("secret", List.of(Row.of("x", T0, Map.of("v", 1.0))));
        admin.createRollupArchive(RollupSpec.builder("secret_1m", "secret", "PT1M").aggregate("SUM", "v", "s")
                .build());
        admin.activateRollup("secret_1m");
        admin.processRollup("secret_1m");
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void everyEndpoint_noOrBadToken_401() {
        for (String token : new String[] {null, "tmk_not-a-token", ""}) {
            assertThat(f.graphql(token, "{ archives { name } }").statusCode()).isEqualTo(401);
            HttpResponse<String> ingest = f.send("POST", "/api/v1/archives/secret/samples", token, NDJSON,
                    "{\"rtId\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"v\":2}\n");
            assertThat(ingest.statusCode()).isEqualTo(401);
            assertThat(ingest.body()).contains("\"code\":\"UNAUTHENTICATED\"");
        }
        assertThat(f.client(acmeReader).streamData("secret", List.of(), T0, T0.plusSeconds(1), 10))
                .extracting(r -> r.values().get("v")).containsExactly(1.0);
    }

    @Test
    void revokedToken_401OnNextRequest() {
        var issued = f.issue("acme", Role.READER);
        String token = issued.secret();
        assertThat(f.graphql(token, "{ archives { name } }").statusCode()).isEqualTo(200);
        f.store.tokens().revoke(issued.info().id(), Instant.now());
        assertThat(f.graphql(token, "{ archives { name } }").statusCode()).isEqualTo(401);
    }

    @Test
    void otherTenant_everyObjectIsNotFoundAndNothingIsListed() {
        String gammaAdmin = f.token("gamma", Role.ADMIN);
        TidemarkClient beta = f.client(gammaAdmin);
        assertThat(beta.archives()).isEmpty();
        for (String q : List.of("{ archive(name: \"secret\") { name } }",
                "{ rollup(name: \"secret_1m\") { name } }",
                "{ rollupsFor(archive: \"secret\") { name } }",
                "{ streamData(archive: \"secret\", from: \"2025-01-01T00:00:00Z\", to: \"2026-01-01T00:00:00Z\") { rtId } }",
                "mutation { activateArchive(name: \"secret\") { name } }",
                "mutation { disableArchive(name: \"secret\") { name } }",
                "mutation { deleteArchive(name: \"secret\") }",
                "mutation { freezeRollup(name: \"secret_1m\") { name } }",
                "mutation { unfreezeRollup(name: \"secret_1m\") { name } }",
                "mutation { retryRollup(name: \"secret_1m\") { name } }",
                "mutation { processRollup(name: \"secret_1m\") { bucketsCommitted } }",
                "mutation { rewindRollupWatermark(rollupRtId: \"secret_1m\", toBucketEnd: \"2025-01-01T00:00:00Z\") { name } }",
                "mutation { ingestSamples(archive: \"secret\", samples: [{rtId: \"x\", timestamp: \"2025-01-01T00:00:00Z\", values: {v: 9}}]) { written } }",
                "mutation { createRollupArchive(input: {name: \"spy\", source: \"secret\", bucket: \"PT1M\", aggregations: [{function: COUNT, as: \"n\"}]}) { name } }")) {
            String body = f.graphql(gammaAdmin, q).body();
            // A rollup over another tenant's archive fails like one over a missing archive: UNKNOWN_SOURCE.
            String code = q.contains("createRollupArchive") ? "UNKNOWN_SOURCE" : "NOT_FOUND";
            assertThat(body).as(q).contains("\"code\":\"" + code + "\"").doesNotContain("acme");
        }
        assertThat(beta.graphql("{ auditTrail { entries { subject } } }", null).path("auditTrail").path("entries"))
                .isEmpty();
        HttpResponse<String> ingest = f.send("POST", "/api/v1/archives/secret/samples", gammaAdmin, NDJSON,
                "{\"rtId\":\"x\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"v\":9}\n");
        assertThat(ingest.statusCode()).isEqualTo(404);
        assertThat(ingest.body()).doesNotContain("acme");
        assertThat(f.client(acmeReader).streamData("secret", List.of(), T0, T0.plusSeconds(1), 10))
                .extracting(r -> r.values().get("v")).containsExactly(1.0);
        assertThat(f.client(acmeReader).rollup("secret_1m").frozen()).isFalse();
    }

    @Test
    void sameNameInTwoTenants_independent() {
        TidemarkClient beta = f.client(betaAdmin);
        beta.createArchive("secret", Map.of("w", "BIGINT"));
        try {
            assertThat(beta.archives()).extracting(a -> a.columns().keySet()).containsExactly(java.util.Set.of("w"));
            assertThat(f.client(acmeReader).archives()).extracting(a -> a.name())
                    .containsExactly("secret", "secret_1m");
        } finally {
            beta.deleteArchive("secret");
        }
    }

    @Test
    void writer_cannotRewindFreezeCreateOrDelete_403() {
        TidemarkClient writer = f.client(acmeWriter);
        assertForbidden(() -> writer.rewindRollupWatermark("secret_1m", T0));
        assertForbidden(() -> writer.freezeRollup("secret_1m"));
        assertForbidden(() -> writer.unfreezeRollup("secret_1m"));
        assertForbidden(() -> writer.retryRollup("secret_1m"));
        assertForbidden(() -> writer.processRollup("secret_1m"));
        assertForbidden(() -> writer.disableArchive("secret"));
        assertForbidden(() -> writer.deleteArchive("secret"));
        assertForbidden(() -> writer.createArchive("x", Map.of("v", "DOUBLE")));
        assertThat(writer.publish("secret", List.of(Row.of("w", T0.plusSeconds(7200), Map.of("v", 5.0)))))
                .isEqualTo(1);
        assertThat(writer.rollup("secret_1m").watermark()).isNotNull();
    }

    @Test
    void reader_cannotIngestByHttpOrGraphQl_403() {
        HttpResponse<String> r = f.send("POST", "/api/v1/archives/secret/samples", acmeReader, NDJSON,
                "{\"rtId\":\"r\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"v\":9}\n");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"FORBIDDEN\"", "writer");
        TidemarkClient reader = f.client(acmeReader);
        assertForbidden(() -> reader.graphql("mutation { ingestSamples(archive: \"secret\", samples: [{rtId: \"r\", "
                + "timestamp: \"2025-01-01T00:00:00Z\", values: {v: 9}}]) { written } }", null));
        assertThat(reader.streamData("secret", List.of("r"), T0, T0.plusSeconds(1), 10)).isEmpty();
    }

    @Test
    void admin_canRewindAndItIsAuditedWithTheTokenAsActor() {
        TidemarkClient admin = f.client(acmeAdmin);
        admin.freezeRollup("secret_1m");
        admin.unfreezeRollup("secret_1m");
        var page = admin.graphql("{ auditTrail(subject: \"secret_1m\", kinds: [ROLLUP_FROZEN, ROLLUP_UNFROZEN], "
                + "first: 1) { entries { kind actor } nextBefore } }", null).path("auditTrail");
        assertThat(page.path("entries").get(0).path("kind").asText()).isEqualTo("ROLLUP_UNFROZEN");
        assertThat(page.path("entries").get(0).path("actor").asText()).startsWith("admin/");
        String before = page.path("nextBefore").asText();
        var next = admin.graphql("{ auditTrail(subject: \"secret_1m\", kinds: [ROLLUP_FROZEN, ROLLUP_UNFROZEN], "
                + "first: 1, before: \"" + before + "\") { entries { kind } } }", null).path("auditTrail");
        assertThat(next.path("entries").get(0).path("kind").asText()).isEqualTo("ROLLUP_FROZEN");
    }

    @Test
    void metricsAndHealth_openOnLoopbackWithoutToken() {
        assertThat(f.send("GET", "/health", null, null, null).body()).isEqualTo("{\"status\":\"UP\"}");
        HttpResponse<String> m = f.send("GET", "/metrics", null, null, null);
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.body()).contains("tidemark_http_requests_seconds_count", "tidemark_rollup_lag_seconds");
    }

    private static void assertForbidden(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(TidemarkClientException.class,
                e -> assertThat(e.code()).isEqualTo("FORBIDDEN"));
    }
}
