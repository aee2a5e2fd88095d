package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile live queries over the wire (issue 10, item 6): a 1,500-term OR chain, a 2,000-term + chain, 500-deep
 * parentheses, a second statement. Each is refused with INVALID_QUERY for that query alone; the connection stays
 * open and its other query keeps receiving generations; validateLiveQuery answers INVALID_QUERY too.
 */
class LiveQueryLimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;

    static final Map<String, String> HOSTILE = Map.of(
            "orChain", "SELECT rtId FROM recent.lim WHERE " + IntStream.range(0, 1_500).mapToObj(i -> "temp = " + i)
                    .collect(Collectors.joining(" OR ")),
            "plusChain", "SELECT " + IntStream.range(0, 2_000).mapToObj(i -> "temp").collect(Collectors.joining("+"))
                    + " AS t FROM recent.lim",
            "parens", "SELECT " + "(".repeat(500) + "temp" + ")".repeat(500) + " AS t FROM recent.lim",
            "twoStatements", "SELECT * FROM recent.lim; DROP TABLE y");

    @Test
    void hostileQueries_refusedWithInvalidQuery_otherQueriesOnTheConnectionContinue() {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir))) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            LiveQueriesIT.createPlantArchive(http, "lim");
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            http.publish("lim", List.of(Row.of("s1", t0, Map.of("site", "x", "temp", 1.0))));
            LiveRecorder rec = new LiveRecorder(true);
            try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(token).build())) {
                c.registerQuery(QueryConfig.of("count", "SELECT COUNT(*) AS n FROM recent.lim"), rec);
                rec.await(WAIT, "the count's snapshot", r -> Map.of(List.of(), List.of(1L)).equals(r.marked("count")));
                HOSTILE.forEach((id, sql) -> c.registerQuery(QueryConfig.of(id, sql), rec));
                rec.await(WAIT, "an error for every hostile query",
                        r -> HOSTILE.keySet().stream().allMatch(id -> r.error(id) != null));
                HOSTILE.keySet().forEach(id -> assertThat(rec.error(id).code()).as(id).isEqualTo("INVALID_QUERY"));
                assertThat(rec.error("orChain").getMessage()).contains("more than");
                assertThat(rec.error("plusChain").getMessage()).contains("operators");
                assertThat(rec.error("parens").getMessage()).contains("parentheses nested more than");
                assertThat(rec.error("twoStatements").getMessage()).contains("';' at line 1, column 25");

                http.publish("lim", List.of(Row.of("s2", t0, Map.of("site", "x", "temp", 2.0))));
                rec.await(WAIT, "the count after the hostile queries",
                        r -> Map.of(List.of(), List.of(2L)).equals(r.marked("count")));
                assertThat(c.isConnected()).isTrue();
                assertThat(rec.snapshots("count")).as("no reconnect").isEqualTo(1);
                assertThat(rec.violations()).isEmpty();
            }

            for (Map.Entry<String, String> e : HOSTILE.entrySet()) {
                JsonNode v = http.graphql("query($s: String!) { validateLiveQuery(sql: $s) { valid error { code "
                        + "message } } }", Map.of("s", e.getValue())).path("validateLiveQuery");
                assertThat(v.path("valid").asBoolean()).as(e.getKey()).isFalse();
                assertThat(v.path("error").path("code").asText()).as(e.getKey()).isEqualTo("INVALID_QUERY");
            }
        }
    }
}
