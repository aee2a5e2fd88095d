package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and sloppy ingest requests over real HTTP: each is refused with a precise 4xx JSON error, writes nothing,
 * and is counted in {@code tidemark_ingest_batches_total{result="rejected", reason}}; gzip bodies are accepted
 * and bounded by the byte limit after inflating too.
 */
class IngestHostileIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String PATH = "/api/v1/archives/s/samples";
    private static final String NDJSON = "application/x-ndjson";
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String writer;
    private static TidemarkClient reader;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder().ingestMaxBytes(64 * 1024)
                .ingestMaxRows(1000).graphqlMaxBytes(8 * 1024));
        TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
        admin.createArchive("s", Map.of("temp", "DOUBLE", "note", "VARCHAR"));
        admin.activateArchive("s");
        writer = f.token("t", Role.WRITER);
        reader = f.client(f.token("t", Role.READER));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static List<Row> rows(String rtId) {
        return reader.streamData("s", List.of(rtId), T0, T0.plusSeconds(86_400), 1000);
    }

    private static HttpResponse<String> post(String type, String encoding, byte[] body) {
        return f.send("POST", PATH, writer, type, encoding, body);
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(plain);
        }
        return out.toByteArray();
    }

    @Test
    void csvWithInvalidUtf8_400NamingRowLineAndColumn() throws Exception {
        byte[] body = "rtId,timestamp,note,temp\nu1,1735689600000,fine,1\nu2,1735689600000,bad \u00ff,2\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> r = post("text/csv", null, body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = json(r).path("errors").get(0);
        assertThat(json(r).path("code").asText()).isEqualTo("INVALID_BATCH");
        assertThat(e.path("row").asInt()).isEqualTo(2);
        assertThat(e.path("line").asInt()).isEqualTo(3);
        assertThat(e.path("column").asText()).isEqualTo("note");
        assertThat(e.path("reason").asText()).contains("UTF-8");
        assertThat(rows("u1")).isEmpty();
    }

    @Test
    void duplicatedFieldTwoObjectsOnALineDuplicatedHeader_400Precise() throws Exception {
        HttpResponse<String> dup = post(NDJSON, null, ("{\"rtId\":\"d1\",\"timestamp\":1735689600000,\"temp\":1,"
                + "\"temp\":2}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(dup.statusCode()).isEqualTo(400);
        assertThat(json(dup).path("errors").get(0).path("column").asText()).isEqualTo("temp");
        assertThat(json(dup).path("errors").get(0).path("reason").asText()).contains("twice");
        HttpResponse<String> two = post(NDJSON, null, ("{\"rtId\":\"d2\",\"timestamp\":1735689600000} "
                + "{\"rtId\":\"d3\",\"timestamp\":1735689600000}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(two.statusCode()).isEqualTo(400);
        assertThat(json(two).path("errors").get(0).path("line").asInt()).isEqualTo(1);
        assertThat(json(two).path("errors").get(0).path("reason").asText()).contains("one object per line");
        HttpResponse<String> header = post("text/csv", null, "rtId,timestamp,temp,temp\nd4,1,1,2\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(header.statusCode()).isEqualTo(400);
        assertThat(json(header).path("errors").get(0).path("column").asText()).isEqualTo("temp");
        assertThat(json(header).path("errors").get(0).path("reason").asText()).contains("twice");
        for (String id : List.of("d1", "d2", "d3", "d4")) {
            assertThat(rows(id)).isEmpty();
        }
    }

    @Test
    void gzipBody_acceptedAndWritten() throws Exception {
        byte[] body = gzip("{\"rtId\":\"z1\",\"timestamp\":1735689600000,\"temp\":1.5}\n"
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = post(NDJSON, "gzip", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(rows("z1")).extracting(x -> x.values().get("temp")).containsExactly(1.5);
        HttpResponse<String> csv = post("text/csv", "gzip", gzip("rtId,timestamp,temp\nz2,1735689600000,2\n"
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(rows("z2")).hasSize(1);
    }

    @Test
    void gzipBomb_413NotOutOfMemory() throws Exception {
        byte[] one = "{\"rtId\":\"bomb\",\"timestamp\":1735689600000,\"note\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        while (plain.size() < 8 << 20) {
            plain.write(one);
        }
        byte[] body = gzip(plain.toByteArray());
        assertThat(body.length).isLessThan(64 * 1024);
        HttpResponse<String> r = post(NDJSON, "gzip", body);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("code").asText()).isEqualTo("TOO_LARGE");
        assertThat(rows("bomb")).isEmpty();
    }

    @Test
    void badOrUnknownEncoding_400And415NamingIt() throws Exception {
        HttpResponse<String> corrupt = post(NDJSON, "gzip", "{\"rtId\":\"g\"}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(corrupt.statusCode()).isEqualTo(400);
        assertThat(json(corrupt).path("message").asText()).contains("not valid gzip");
        HttpResponse<String> br = post(NDJSON, "br", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(br.statusCode()).isEqualTo(415);
        assertThat(json(br).path("message").asText()).contains("'br'");
    }

    @Test
    void emptyBodyOrHeaderOnly_400NoSamples() throws Exception {
        String[][] cases = {{NDJSON, ""}, {NDJSON, "\n  \n"}, {"text/csv", ""}, {"text/csv", "rtId,timestamp,temp\n"}};
        for (String[] c : cases) {
            HttpResponse<String> r = post(c[0], null, c[1].getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(c[0] + " '" + c[1] + "'").isEqualTo(400);
            assertThat(json(r).path("code").asText()).isEqualTo("INVALID_BATCH");
            assertThat(json(r).path("message").asText()).as(c[0] + " '" + c[1] + "'").containsAnyOf("no samples",
                    "empty");
        }
    }

    @Test
    void graphqlBodyOverTheLimit_413JsonError() throws Exception {
        String big = "{\"query\": \"{ archives { name } }\", \"variables\": {\"pad\": \"" + "x".repeat(9000) + "\"}}";
        HttpResponse<String> r = f.send("POST", "/graphql", writer, "application/json", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode e = json(r).path("errors").get(0);
        assertThat(e.path("extensions").path("code").asText()).isEqualTo("TOO_LARGE");
        assertThat(e.path("message").asText()).contains("graphql.max-bytes");
    }

    @Test
    void everyRejection_countedByReasonInMetrics() throws Exception {
        Map<String, byte[]> ndjson = Map.of(
                "malformed", "{\"rtId\": \"m\", temp\n".getBytes(StandardCharsets.UTF_8),
                "invalid_values", "{\"rtId\":\"m\",\"timestamp\":1735689600000,\"temp\":\"hot\"}\n"
                        .getBytes(StandardCharsets.UTF_8),
                "empty", new byte[0]);
        for (var c : ndjson.entrySet()) {
            double before = rejected(c.getKey());
            assertThat(post(NDJSON, null, c.getValue()).statusCode()).isEqualTo(400);
            assertThat(rejected(c.getKey())).as(c.getKey()).isEqualTo(before + 1);
        }
        double csv = rejected("malformed");
        assertThat(post("text/csv", null, "rtId,timestamp\n\"m,1\n".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(400);
        assertThat(post("text/csv", null, "rtId,timestamp,x\u00ff\nm,1,1\n".getBytes(StandardCharsets.ISO_8859_1))
                .statusCode()).isEqualTo(400);
        assertThat(rejected("malformed")).isEqualTo(csv + 2);
        double media = rejected("unsupported_media");
        assertThat(post("application/xml", null, new byte[] {1}).statusCode()).isEqualTo(415);
        assertThat(post(NDJSON, "br", new byte[] {1}).statusCode()).isEqualTo(415);
        assertThat(rejected("unsupported_media")).isEqualTo(media + 2);
        double large = rejected("too_large");
        assertThat(post(NDJSON, null, new byte[100 * 1024]).statusCode()).isEqualTo(413);
        assertThat(rejected("too_large")).isEqualTo(large + 1);
        double forbidden = rejected("forbidden");
        assertThat(f.send("POST", PATH, f.token("t", Role.READER), NDJSON, "{}").statusCode()).isEqualTo(403);
        assertThat(rejected("forbidden")).isEqualTo(forbidden + 1);
        double gql = rejected("invalid_values");
        f.graphql(writer, "mutation { ingestSamples(archive: \"s\", samples: [{rtId: \"m\", timestamp: "
                + "\"2025-01-01T00:00:00Z\", values: {temp: \"warm\"}}]) { written } }");
        assertThat(rejected("invalid_values")).isEqualTo(gql + 1);
        assertThat(rows("m")).isEmpty();
    }

    /** {@code tidemark_ingest_batches_total{result="rejected", reason, tenant="t"}}, 0 when not yet there. */
    private static double rejected(String reason) {
        String text = f.send("GET", "/metrics", null, null, null).body();
        Pattern p = Pattern.compile("^tidemark_ingest_batches_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("reason=\"" + reason + "\"") && labels.contains("result=\"rejected\"")
                    && labels.contains("tenant=\"t\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
