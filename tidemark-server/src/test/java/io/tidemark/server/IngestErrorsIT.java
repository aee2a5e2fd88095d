package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input is a clear error with a stable code, writes nothing, and leaves the server serving: each
 * test ends by ingesting and reading through another client.
 */
class IngestErrorsIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String PATH = "/api/v1/archives/s/samples";
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String writer;
    private static TidemarkClient other;
    private static int healthy;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder().ingestMaxBytes(64 * 1024)
                .ingestMaxRows(100).graphqlMaxIngestRows(5));
        TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("temp", "DOUBLE");
        cols.put("n", "BIGINT");
        cols.put("ok", "BOOLEAN");
        cols.put("note", "VARCHAR");
        admin.createArchive("s", cols);
        admin.activateArchive("s");
        admin.createArchive("w", cols);
        admin.activateArchive("w");
        writer = f.token("t", Role.WRITER);
        other = f.client(f.token("t", Role.WRITER));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void storeIsEmpty() {
        assertThat(rows()).isEmpty();
    }

    private static List<Row> rows() {
        return other.streamData("s", List.of(), T0, T0.plusSeconds(86_400), 1000).stream()
                .filter(r -> !r.rtId().startsWith("healthy")).toList();
    }

    /** Another client still ingests and reads, and the rejected request wrote nothing. */
    private static void assertStillServingAndNothingWritten() {
        String rtId = "healthy" + (healthy++);
        assertThat(other.publish("s", List.of(Row.of(rtId, T0, Map.of("temp", 1.0))))).isEqualTo(1);
        assertThat(other.streamData("s", List.of(rtId), T0, T0.plusSeconds(1), 10)).hasSize(1);
        assertThat(rows()).isEmpty();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void ndjson_badValueOnLaterRow_400NamingRowLineColumnAndNothingWritten() throws Exception {
        String body = "{\"rtId\":\"a\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"temp\":1}\n"
                + "\n"
                + "{\"rtId\":\"b\",\"timestamp\":1735689600000,\"temp\":\"hot\"}\n"
                + "{\"rtId\":\"c\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"nope\":1}\n";
        HttpResponse<String> r = f.send("POST", PATH, writer, "application/x-ndjson", body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode j = json(r);
        assertThat(j.path("code").asText()).isEqualTo("INVALID_BATCH");
        assertThat(j.path("errors").get(0).path("row").asInt()).isEqualTo(2);
        assertThat(j.path("errors").get(0).path("line").asInt()).isEqualTo(3);
        assertThat(j.path("errors").get(0).path("column").asText()).isEqualTo("temp");
        assertThat(j.path("errors").get(0).path("reason").asText()).contains("expected DOUBLE");
        assertThat(j.path("errors").get(1).path("column").asText()).isEqualTo("nope");
        assertStillServingAndNothingWritten();
    }

    @Test
    void ndjson_syntaxError_400WithLineAndNothingWritten() throws Exception {
        String body = "{\"rtId\":\"a\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"temp\":1}\n{\"rtId\": \"b\", temp\n";
        HttpResponse<String> r = f.send("POST", PATH, writer, "application/x-ndjson", body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = json(r).path("errors").get(0);
        assertThat(e.path("line").asInt()).isEqualTo(2);
        assertThat(e.path("reason").asText()).startsWith("malformed JSON");
        assertStillServingAndNothingWritten();
    }

    @Test
    void ndjson_badTimestampsAndRtIds_400EachNamed() throws Exception {
        String body = "{\"rtId\":\"a\",\"timestamp\":\"yesterday\"}\n"
                + "{\"rtId\":\"a\",\"timestamp\":1.5}\n"
                + "{\"rtId\":7,\"timestamp\":\"2025-01-01T00:00:00Z\"}\n"
                + "{\"timestamp\":\"2025-01-01T00:00:00.0000001Z\"}\n"
                + "[1,2]\n";
        HttpResponse<String> r = f.send("POST", PATH, writer, "application/x-ndjson", body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("errors")).extracting(e -> e.path("line").asInt() + ":" + e.path("column").asText())
                .containsExactly("1:timestamp", "2:timestamp", "3:rtId", "4:timestamp", "5:null");
        assertStillServingAndNothingWritten();
    }

    @Test
    void csv_badFieldsAndUnknownHeader_400NamingLines() throws Exception {
        HttpResponse<String> r = f.send("POST", PATH, writer, "text/csv",
                "rtId,timestamp,temp,n,ok\na,2025-01-01T00:00:00Z,1.5,2,true\nb,2025-01-01T00:00:01Z,x,2.5,maybe\n"
                        + "c,2025-01-01T00:00:02Z\n");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("errors")).extracting(e -> e.path("row").asInt() + "/" + e.path("line").asInt()
                + ":" + e.path("column").asText()).containsExactly("2/3:temp", "2/3:n", "2/3:ok", "3/4:null");
        HttpResponse<String> h = f.send("POST", PATH, writer, "text/csv", "rtId,time,temp\na,1,1\n");
        assertThat(h.statusCode()).isEqualTo(400);
        assertThat(json(h).path("errors")).extracting(e -> e.path("column").asText()).contains("time");
        assertStillServingAndNothingWritten();
    }

    @Test
    void csv_validWithQuotesAndEmptyFields_200AndTyped() {
        HttpResponse<String> r = f.send("POST", "/api/v1/archives/w/samples", writer, "text/csv",
                "timestamp,rtId,note,temp,ok\n1735689600000,q1,\"a, \"\"quoted\"\" note\",,TRUE\n");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"written\":1");
        List<Row> got = other.streamData("w", List.of("q1"), T0, T0.plusSeconds(1), 10);
        assertThat(got.get(0).values()).containsEntry("note", "a, \"quoted\" note").containsEntry("temp", null)
                .containsEntry("ok", true);
    }

    @Test
    void disabledArchive_409AndNothingWritten() throws Exception {
        TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
        admin.disableArchive("s");
        try {
            HttpResponse<String> r = f.send("POST", PATH, writer, "text/csv", "rtId,timestamp\nq2,1\n");
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(json(r).path("code").asText()).isEqualTo("INVALID_STATE");
        } finally {
            admin.activateArchive("s");
        }
        assertStillServingAndNothingWritten();
    }

    @Test
    void oversizedBodyOrTooManyRows_413AndNothingWritten() throws Exception {
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 200 * 1024; i++) {
            big.append("{\"rtId\":\"big\",\"timestamp\":").append(1735689600000L + i).append(",\"note\":\"")
                    .append("x".repeat(200)).append("\"}\n");
        }
        HttpResponse<String> bytes = f.send("POST", PATH, writer, "application/x-ndjson", big.toString());
        assertThat(bytes.statusCode()).isEqualTo(413);
        assertThat(json(bytes).path("code").asText()).isEqualTo("TOO_LARGE");
        StringBuilder many = new StringBuilder("rtId,timestamp\n");
        for (int i = 0; i < 101; i++) {
            many.append("m,").append(1735689600000L + i).append('\n');
        }
        HttpResponse<String> rows = f.send("POST", PATH, writer, "text/csv", many.toString());
        assertThat(rows.statusCode()).isEqualTo(413);
        assertThat(json(rows).path("message").asText()).contains("100");
        assertStillServingAndNothingWritten();
    }

    @Test
    void unknownArchiveOrContentType_404And415() throws Exception {
        HttpResponse<String> r = f.send("POST", "/api/v1/archives/nope/samples", writer, "application/x-ndjson",
                "{}\n");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).path("code").asText()).isEqualTo("NOT_FOUND");
        HttpResponse<String> t = f.send("POST", PATH, writer, "application/xml", "<a/>");
        assertThat(t.statusCode()).isEqualTo(415);
        assertThat(json(t).path("message").asText()).contains("application/x-ndjson", "text/csv");
        assertStillServingAndNothingWritten();
    }

    @Test
    void graphql_badInput_errorsWithCodesAndNothingWritten() throws Exception {
        String admin = f.token("t", Role.ADMIN);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{ archives { nme } }", "INVALID_QUERY");
        cases.put("{ archives { name }", "INVALID_QUERY");
        cases.put("{ streamData(archive: \"s\", from: \"not a time\", to: \"2025-01-02T00:00:00Z\") { rtId } }",
                "INVALID_QUERY");
        cases.put("{ streamData(archive: \"s\", from: \"2025-01-02T00:00:00Z\", to: \"2025-01-01T00:00:00Z\") "
                + "{ rtId } }", "INVALID_ARGUMENT");
        cases.put("{ archive(name: \"nope\") { name } }", "NOT_FOUND");
        cases.put("mutation { createArchive(input: {name: \"Bad Name\", columns: [{name: \"v\", type: DOUBLE}]}) "
                + "{ name } }", "INVALID_NAME");
        cases.put("mutation { createRollupArchive(input: {name: \"r\", source: \"s\", bucket: \"PT7M3S\", "
                + "aggregations: [{function: AVG, column: \"note\", as: \"a\"}]}) { name } }", "INVALID_AGGREGATION");
        cases.put("mutation { createRollupArchive(input: {name: \"r\", source: \"s\", bucket: \"fortnight\", "
                + "aggregations: [{function: COUNT, as: \"a\"}]}) { name } }", "INVALID_BUCKET");
        cases.put("mutation { ingestSamples(archive: \"s\", samples: [{rtId: \"g\", timestamp: "
                + "\"2025-01-01T00:00:00Z\", values: {temp: 1}}, {rtId: \"g\", timestamp: \"2025-01-01T00:00:01Z\", "
                + "values: {temp: \"warm\"}}]) { written } }", "INVALID_BATCH");
        cases.put("mutation { ingestSamples(archive: \"s\", samples: ["
                + "{rtId: \"g\", timestamp: \"2025-01-01T00:00:00Z\"},".repeat(6) + "]) { written } }", "TOO_LARGE");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = f.graphql(admin, c.getKey());
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(200);
            assertThat(json(r).path("errors").get(0).path("extensions").path("code").asText()).as(c.getKey())
                    .isEqualTo(c.getValue());
        }
        JsonNode batch = json(f.graphql(admin, "mutation { ingestSamples(archive: \"s\", samples: [{rtId: \"g\", "
                + "timestamp: \"2025-01-01T00:00:00Z\", values: {temp: \"warm\"}}]) { written } }"));
        assertThat(batch.path("errors").get(0).path("extensions").path("errors").get(0).path("column").asText())
                .isEqualTo("temp");
        HttpResponse<String> notJson = f.send("POST", "/graphql", admin, "application/json", "{nope");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("errors").get(0).path("extensions").path("code").asText())
                .isEqualTo("INVALID_QUERY");
        assertThat(f.client(admin).archives()).extracting(a -> a.name()).containsExactly("s", "w");
        assertStillServingAndNothingWritten();
    }

    @Test
    void graphql_smallBatch_writtenAndReadBack() {
        String admin = f.token("t", Role.ADMIN);
        JsonNode r = f.client(admin).graphql("mutation { ingestSamples(archive: \"w\", samples: [{rtId: \"g1\", "
                + "timestamp: \"2025-01-01T00:00:00.000001Z\", values: {temp: 1.5, n: 3, ok: false, note: \"hi\"}}]) "
                + "{ archive written } }", null);
        assertThat(r.path("ingestSamples").path("written").asInt()).isEqualTo(1);
        List<Row> got = other.streamData("w", List.of("g1"), T0, T0.plusSeconds(1), 10);
        assertThat(got.get(0).timestamp()).isEqualTo(T0.plusNanos(1000));
        assertThat(got.get(0).values()).containsEntry("temp", 1.5).containsEntry("n", 3).containsEntry("ok", false)
                .containsEntry("note", "hi");
    }
}
