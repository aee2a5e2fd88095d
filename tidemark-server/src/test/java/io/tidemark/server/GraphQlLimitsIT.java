package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.introspection.IntrospectionQuery;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GraphQL cost, depth and field-count limits refuse an operation before it runs ({@code QUERY_TOO_COMPLEX}), and
 * the response-row bound refuses a response while it is built ({@code RESPONSE_TOO_LARGE}); requests inside the
 * limits, the standard introspection query included, are served.
 */
class GraphQlLimitsIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String reader;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder().graphqlMaxResponseRows(50));
        TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
        admin.createArchive("s", Map.of("v", "DOUBLE"));
        admin.activateArchive("s");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(Row.of("r" + i, T0.plusSeconds(i), Map.of("v", (double) i)));
        }
        f.client(f.token("t", Role.WRITER)).publish("s", rows);
        reader = f.token("t", Role.READER);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static JsonNode run(String query) throws Exception {
        var r = f.graphql(reader, query);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String streamData(String alias, int limit) {
        return alias + ": streamData(archive: \"s\", from: \"2025-01-01T00:00:00Z\", to: \"2025-01-02T00:00:00Z\", "
                + "limit: " + limit + ") { timestamp rtId values }";
    }

    @Test
    void aliasedFullPages_queryTooComplexBeforeAnyRead() throws Exception {
        StringBuilder q = new StringBuilder("{ ");
        for (int i = 0; i < 25; i++) {
            q.append(streamData("a" + i, 100_000)).append(' ');
        }
        JsonNode r = run(q.append('}').toString());
        JsonNode e = r.path("errors").get(0);
        assertThat(e.path("extensions").path("code").asText()).isEqualTo("QUERY_TOO_COMPLEX");
        assertThat(e.path("extensions").path("limit").asText()).isEqualTo("graphql.max-cost");
        assertThat(e.path("message").asText()).contains("1000000");
        assertThat(r.path("data").isMissingNode() || r.path("data").isNull()).isTrue();
    }

    @Test
    void tooDeepOrTooManyFields_queryTooComplex() throws Exception {
        String deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { "
                + "ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } }";
        JsonNode d = run(deep).path("errors").get(0).path("extensions");
        assertThat(d.path("code").asText()).isEqualTo("QUERY_TOO_COMPLEX");
        assertThat(d.path("limit").asText()).isEqualTo("graphql.max-depth");
        StringBuilder wide = new StringBuilder("{ ");
        for (int i = 0; i < 300; i++) {
            wide.append("a").append(i).append(": archives { name } ");
        }
        JsonNode w = run(wide.append('}').toString()).path("errors").get(0).path("extensions");
        assertThat(w.path("code").asText()).isEqualTo("QUERY_TOO_COMPLEX");
        assertThat(w.path("limit").asText()).isEqualTo("graphql.max-fields");
    }

    @Test
    void rowsAcrossFieldsOverTheBound_responseTooLarge() throws Exception {
        JsonNode r = run("{ " + streamData("a", 30) + " " + streamData("b", 30) + " }");
        JsonNode e = r.path("errors").get(0);
        assertThat(e.path("extensions").path("code").asText()).isEqualTo("RESPONSE_TOO_LARGE");
        assertThat(e.path("message").asText()).contains("50", "graphql.max-response-rows");
    }

    @Test
    void withinTheLimits_served() throws Exception {
        JsonNode one = run("{ " + streamData("a", 1000) + " }");
        assertThat(one.path("errors").isMissingNode()).isTrue();
        assertThat(one.path("data").path("a")).hasSize(40);
        JsonNode two = run("{ " + streamData("a", 25) + " " + streamData("b", 25) + " }");
        assertThat(two.path("errors").isMissingNode()).as(two.toString()).isTrue();
        JsonNode schema = run(IntrospectionQuery.INTROSPECTION_QUERY);
        assertThat(schema.path("errors").isMissingNode()).as(schema.toString()).isTrue();
        assertThat(schema.path("data").path("__schema").path("types").size()).isPositive();
    }
}
