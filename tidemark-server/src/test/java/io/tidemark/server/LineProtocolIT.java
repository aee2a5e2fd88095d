package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * InfluxDB line protocol over HTTP end to end, against real servers: the rows stored (read back over GraphQL) equal
 * the points sent, on DuckDB and PostgreSQL; a body is one transaction over all its measurements; gzip; the status
 * codes and bodies InfluxDB clients understand (204, 400, 401, 403, 413); {@code Token} and {@code Bearer}; a reader
 * refused before its body is sent; auto-creation off and on; every precision; points without a timestamp get the
 * server clock's instant.
 */
class LineProtocolIT {
    /** The servers' clock: fixed, so the receive time of points without a timestamp is known. */
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00.123456789Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String V2 = "/api/v2/write?org=any&bucket=any";
    @TempDir
    static Path dir;
    /** Defaults: auto-creation off, the tag set as rtId. */
    private static ServerFixture plain;
    /** Auto-creation on, the rtId tag of archive 'net' is 'host', small limits. */
    private static ServerFixture creating;
    private static String admin;
    private static String writer;
    private static String reader;

    @BeforeAll
    static void start() throws IOException {
        plain = new ServerFixture(TestStores.duckDb(Files.createDirectories(dir.resolve("plain"))),
                ServerConfig.builder(), CLOCK);
        admin = plain.token("plant", Role.ADMIN);
        writer = plain.token("plant", Role.WRITER);
        reader = plain.token("plant", Role.READER);
        TidemarkClient a = plain.client(admin);
        a.createArchive("cpu", Map.of("usage", "DOUBLE", "n", "BIGINT", "ok", "BOOLEAN", "note", "VARCHAR"));
        a.activateArchive("cpu");
        a.createArchive("mem", Map.of("free", "DOUBLE"));
        a.activateArchive("mem");
        a.createArchive("old", Map.of("v", "DOUBLE"));
        a.activateArchive("old");
        plain.graphql(admin, "mutation { setArchiveRetention(name: \"old\", retention: \"P1D\") { name } }");
        a.createArchive("idle", Map.of("v", "DOUBLE"));
        creating = new ServerFixture(TestStores.duckDb(Files.createDirectories(dir.resolve("creating"))),
                ServerConfig.builder().lineAutoCreate(true).lineRtIdTags(Map.of("net", "host"))
                        .ingestMaxBytes(4096).ingestMaxRows(5), CLOCK);
    }

    @AfterAll
    static void stop() {
        if (plain != null) {
            plain.close();
        }
        if (creating != null) {
            creating.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static HttpResponse<String> post(ServerFixture f, String path, String authorization, String encoding,
            byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri().resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(ServerFixture f, String path, String token, String body) {
        return post(f, path, "Token " + token, null, body.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The rows of {@code archive} as {@code rtId @ timestamp -> non-null values}, numbers as long or double. */
    private static Map<String, Map<String, Object>> stored(ServerFixture f, String token, String archive) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Row r : f.client(token).streamData(archive, List.of(), Instant.parse("1900-01-01T00:00:00Z"),
                Instant.parse("2199-01-01T00:00:00Z"), 10_000)) {
            Map<String, Object> values = new LinkedHashMap<>();
            r.values().forEach((k, v) -> {
                if (v != null) {
                    values.put(k, v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal
                            ? (Object) ((Number) v).doubleValue() : v instanceof Number n ? (Object) n.longValue() : v);
                }
            });
            out.put(r.rtId() + " @ " + r.timestamp(), values);
        }
        return out;
    }

    private static void assert204(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    // ---- round trip ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"duckdb", "postgresql"})
    void write_pointsOfTwoMeasurements_storedRowsEqualWhatWasSent(String engine) throws IOException {
        Store store = engine.equals("duckdb") ? TestStores.duckDb(Files.createDirectories(dir.resolve(engine)))
                : TestStores.postgres();
        try (ServerFixture f = new ServerFixture(store, ServerConfig.builder(), CLOCK)) {
            String adm = f.token("plant", Role.ADMIN);
            String w = f.token("plant", Role.WRITER);
            TidemarkClient a = f.client(adm);
            a.createArchive("cpu", Map.of("usage", "DOUBLE", "n", "BIGINT", "ok", "BOOLEAN", "note", "VARCHAR"));
            a.activateArchive("cpu");
            a.createArchive("mem", Map.of("free", "DOUBLE", "label", "VARCHAR"));
            a.activateArchive("mem");
            String body = "# written by a test\r\n"
                    + "cpu,zone=eu\\,1,host=a\\ b usage=0.5,n=-42i,ok=T,note=\"say \\\"hi\\\" \\\\ \u00fcber\" "
                    + "1735689600123\r\n"
                    + "mem,host=\u65e5\u672c,rack=r\\=1 free=2048i,label=\"line one\nline two\" 1735689600124\n"
                    + "\n"
                    + "cpu,host=a\\ b,zone=eu\\,1 usage=1e3,n=9223372036854775807u,ok=false 1735689600125\n"
                    + "cpu,host=c usage=-0.25,usage=7.5\n"
                    + "   cpu,host=d n=-9223372036854775808i -1500   \n"
                    + "mem,host=x free=1.7976931348623157e308 1735689600124";
            assert204(post(f, "/api/v2/write?org=o&bucket=b&precision=ms", w, body));

            Map<String, Map<String, Object>> cpu = new LinkedHashMap<>();
            cpu.put("host=d @ 1969-12-31T23:59:58.500Z", Map.of("n", Long.MIN_VALUE));
            cpu.put("host=a b,zone=eu,1 @ 2025-01-01T00:00:00.123Z", Map.of("usage", 0.5, "n", -42L, "ok", true,
                    "note", "say \"hi\" \\ \u00fcber"));
            cpu.put("host=a b,zone=eu,1 @ 2025-01-01T00:00:00.125Z", Map.of("usage", 1000.0, "n", Long.MAX_VALUE,
                    "ok", false));
            cpu.put("host=c @ 2025-03-01T12:00:00.123456Z", Map.of("usage", 7.5));
            assertThat(stored(f, adm, "cpu")).isEqualTo(cpu);
            Map<String, Map<String, Object>> mem = new LinkedHashMap<>();
            mem.put("host=x @ 2025-01-01T00:00:00.124Z", Map.of("free", Double.MAX_VALUE));
            mem.put("host=\u65e5\u672c,rack=r=1 @ 2025-01-01T00:00:00.124Z", Map.of("free", 2048.0,
                    "label", "line one\nline two"));
            assertThat(stored(f, adm, "mem")).isEqualTo(mem);
        }
    }

    @Test
    void write_everyPrecision_theSameInstant() {
        Instant t = Instant.parse("2024-06-01T10:00:00Z");
        long s = t.getEpochSecond();
        String[][] cases = {
            {"/api/v2/write?org=o&bucket=b", "v2-default", Long.toString(s * 1_000_000_000L)},
            {"/api/v2/write?org=o&bucket=b&precision=ns", "v2-ns", Long.toString(s * 1_000_000_000L)},
            {"/api/v2/write?org=o&bucket=b&precision=us", "v2-us", Long.toString(s * 1_000_000L)},
            {"/api/v2/write?org=o&bucket=b&precision=ms", "v2-ms", Long.toString(s * 1000L)},
            {"/api/v2/write?org=o&bucket=b&precision=s", "v2-s", Long.toString(s)},
            {"/write?db=d", "v1-default", Long.toString(s * 1_000_000_000L)},
            {"/write?db=d&rp=autogen&precision=n", "v1-n", Long.toString(s * 1_000_000_000L)},
            {"/write?db=d&precision=u", "v1-u", Long.toString(s * 1_000_000L)},
            {"/write?db=d&precision=ms", "v1-ms", Long.toString(s * 1000L)},
            {"/write?db=d&precision=s", "v1-s", Long.toString(s)},
            {"/write?db=d&precision=m", "v1-m", Long.toString(s / 60)},
            {"/write?db=d&precision=h", "v1-h", Long.toString(s / 3600)}};
        for (String[] c : cases) {
            assert204(post(plain, c[0], writer, "mem,p=" + c[1] + " free=1 " + c[2] + "\n"));
        }
        Map<String, Map<String, Object>> stored = stored(plain, admin, "mem");
        for (String[] c : cases) {
            assertThat(stored).as(c[0]).containsEntry("p=" + c[1] + " @ " + t, Map.of("free", 1.0));
        }
        HttpResponse<String> bad = post(plain, "/api/v2/write?org=o&bucket=b&precision=h", writer, "mem,p=x free=1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("code").asText()).isEqualTo("invalid");
        assertThat(json(bad).path("message").asText()).isEqualTo("precision 'h' is not one of ns, us, ms, s");
    }

    // ---- atomicity -------------------------------------------------------------------------------------------

    @Test
    void write_badLineInOneMeasurement_nothingOfAnyWritten() {
        String body = "cpu,host=atomic usage=1 1\nmem,host=atomic free=1 1\nmem,host=atomic free=\"x\" 2\n";
        HttpResponse<String> r = post(plain, V2, writer, body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode j = json(r);
        assertThat(j.path("code").asText()).isEqualTo("invalid");
        assertThat(j.path("message").asText()).isEqualTo("line protocol rejected, nothing written: line 3: column "
                + "'free' is DOUBLE, the field is a string (\"x\")");
        assertThat(j.path("tidemarkCode").asText()).isEqualTo("INVALID_BATCH");
        assertThat(j.path("errors")).hasSize(1);
        JsonNode e = j.path("errors").get(0);
        assertThat(e.path("line").asInt()).isEqualTo(3);
        assertThat(e.path("measurement").asText()).isEqualTo("mem");
        assertThat(e.path("field").asText()).isEqualTo("free");
        assertThat(e.path("reason").asText()).isEqualTo("column 'free' is DOUBLE, the field is a string (\"x\")");
        assertThat(stored(plain, admin, "cpu")).noneSatisfy((k, v) -> assertThat(k).startsWith("host=atomic"));
        assertThat(stored(plain, admin, "mem")).noneSatisfy((k, v) -> assertThat(k).startsWith("host=atomic"));
    }

    /**
     * Valid for the reader, refused by the store (archive old's points lie below its retention horizon): cpu's valid
     * points are not written either. (A failure inside the transaction itself is the store contract tests' part.)
     */
    @Test
    void write_storeRefusesOneMeasurement_theOtherRolledBack() {
        long recent = Instant.now().minus(1, ChronoUnit.HOURS).getEpochSecond();
        long ancient = Instant.now().minus(3, ChronoUnit.DAYS).getEpochSecond();
        String body = "cpu,host=rolledback usage=1 " + recent + "\nold,host=rolledback v=1 " + ancient + "\n";
        HttpResponse<String> r = post(plain, V2 + "&precision=s", writer, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("code").asText()).isEqualTo("invalid");
        assertThat(json(r).path("message").asText()).contains("older than the archive's retention");
        assertThat(stored(plain, admin, "cpu")).noneSatisfy((k, v) -> assertThat(k).startsWith("host=rolledback"));
        assertThat(stored(plain, admin, "old")).isEmpty();
    }

    @Test
    void write_unknownOrInactiveMeasurement_400NamingTheLine() {
        HttpResponse<String> r = post(plain, V2, writer, "cpu,host=u usage=1 1\ngpu,host=u x=1 1\nidle,h=a v=1\n");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode j = json(r);
        assertThat(j.path("message").asText()).startsWith("line protocol rejected, nothing written: line 2: no "
                + "archive 'gpu' for measurement 'gpu': create and activate it first, or let line protocol create "
                + "archives with ingest.line.auto-create=true; line 3: measurement 'idle': ");
        assertThat(j.path("errors").get(1).path("line").asInt()).isEqualTo(3);
        assertThat(j.path("errors").get(1).path("reason").asText()).startsWith("measurement 'idle': ")
                .contains("CREATED");
        assertThat(plain.client(admin).archives()).extracting(io.tidemark.client.ArchiveView::name).doesNotContain("gpu");
        assertThat(stored(plain, admin, "cpu")).noneSatisfy((k, v) -> assertThat(k).startsWith("host=u "));
    }

    // ---- encodings and limits --------------------------------------------------------------------------------

    @Test
    void write_gzipBody_storedAsPlain() {
        assert204(post(plain, V2 + "&precision=s", "Token " + writer, "gzip",
                gzip("cpu,host=gz usage=2.5 1700000000\ncpu,host=gz usage=3.5 1700000001\n")));
        Map<String, Map<String, Object>> rows = stored(plain, admin, "cpu");
        assertThat(rows).containsEntry("host=gz @ 2023-11-14T22:13:20Z", Map.of("usage", 2.5))
                .containsEntry("host=gz @ 2023-11-14T22:13:21Z", Map.of("usage", 3.5));
        HttpResponse<String> bad = post(plain, V2, "Token " + writer, "gzip",
                "cpu,host=gz usage=1".getBytes(StandardCharsets.UTF_8));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("code").asText()).isEqualTo("invalid");
        assertThat(json(bad).path("message").asText()).contains("gzip");
    }

    @Test
    void write_pastMaxBytesOrMaxRows_413() {
        String w = creating.token("plant", Role.WRITER);
        StringBuilder big = new StringBuilder();
        while (big.length() <= 4096) {
            big.append("big,host=a v=1 ").append(big.length()).append('\n');
        }
        HttpResponse<String> r = post(creating, V2, w, big.toString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("code").asText()).isEqualTo("request too large");
        assertThat(json(r).path("tidemarkCode").asText()).isEqualTo("TOO_LARGE");
        assertThat(json(r).path("message").asText()).contains("4096");
        // a small gzip body that inflates past the limit
        HttpResponse<String> bomb = post(creating, V2, "Token " + w, "gzip", gzip(big.toString().repeat(50)));
        assertThat(bomb.statusCode()).isEqualTo(413);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            rows.append("big,host=a v=1 ").append(i).append('\n');
        }
        HttpResponse<String> many = post(creating, V2, w, rows.toString());
        assertThat(many.statusCode()).isEqualTo(413);
        assertThat(json(many).path("code").asText()).isEqualTo("request too large");
        assertThat(json(many).path("message").asText()).contains("ingest.max-rows");
        assertThat(creating.client(creating.token("plant", Role.ADMIN)).archives())
                .extracting(io.tidemark.client.ArchiveView::name).doesNotContain("big");
    }

    // ---- authentication and roles ----------------------------------------------------------------------------

    @Test
    void write_tokenAndBearer_bothAccepted() {
        assert204(post(plain, V2, "Token " + writer, null, "cpu,host=tok usage=1 1".getBytes(StandardCharsets.UTF_8)));
        assert204(post(plain, V2, "Bearer " + writer, null, "cpu,host=bea usage=1 1".getBytes(StandardCharsets.UTF_8)));
        assert204(post(plain, "/write?db=x", "token " + writer, null,
                "cpu,host=v1 usage=1 1".getBytes(StandardCharsets.UTF_8)));
        assertThat(stored(plain, admin, "cpu")).containsKeys("host=tok @ 1970-01-01T00:00:00Z",
                "host=bea @ 1970-01-01T00:00:00Z", "host=v1 @ 1970-01-01T00:00:00Z");
    }

    @Test
    void write_noOrBadCredentials_401() {
        byte[] body = "cpu,host=no usage=1 1".getBytes(StandardCharsets.UTF_8);
        Map<String, HttpResponse<String>> cases = new LinkedHashMap<>();
        cases.put("none", post(plain, V2, null, null, body));
        cases.put("unknown token", post(plain, V2, "Token tmk_nosuchtoken", null, body));
        cases.put("basic", post(plain, V2, "Basic dTpw", null, body));
        cases.put("query u/p", post(plain, "/write?db=x&u=user&p=" + writer, null, null, body));
        for (Map.Entry<String, HttpResponse<String>> c : cases.entrySet()) {
            assertThat(c.getValue().statusCode()).as(c.getKey()).isEqualTo(401);
            assertThat(json(c.getValue()).path("code").asText()).as(c.getKey()).isEqualTo("unauthorized");
            assertThat(json(c.getValue()).path("tidemarkCode").asText()).isEqualTo("UNAUTHENTICATED");
        }
        assertThat(json(cases.get("none")).path("message").asText()).contains("Authorization: Token");
        assertThat(json(cases.get("query u/p")).path("message").asText())
                .startsWith("credentials in the query string (u, p) are not supported");
        assertThat(json(cases.get("basic")).path("message").asText())
                .startsWith("basic authentication (a user name and password) is not supported");
        assertThat(stored(plain, admin, "cpu")).noneSatisfy((k, v) -> assertThat(k).startsWith("host=no "));
    }

    /**
     * A reader's request is answered 403 while its body is still on the way: the server announced 100 000 bytes,
     * got 20 and answers anyway, so the role was checked before the body was read.
     */
    @Test
    void write_readerRole_refusedBeforeTheBodyIsRead() throws IOException {
        try (Socket s = new Socket(plain.uri().getHost(), plain.uri().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Token " + reader + "\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\ncpu,host=r usage=1 1\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int k = in.read(head, n, head.length - n);
                assertThat(k).as("the response before the body is complete").isPositive();
                n += k;
            }
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 403");
        }
        HttpResponse<String> r = post(plain, V2, reader, "cpu,host=r usage=1 1");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).path("code").asText()).isEqualTo("forbidden");
        assertThat(json(r).path("tidemarkCode").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void write_missingOrgBucketOrDb_400() {
        assertThat(json(post(plain, "/api/v2/write?bucket=b", writer, "cpu,h=a usage=1")).path("message").asText())
                .isEqualTo("the query parameter org is required (any name: the token selects the tenant)");
        assertThat(post(plain, "/api/v2/write?org=o", writer, "cpu,h=a usage=1").statusCode()).isEqualTo(400);
        assertThat(post(plain, "/write", writer, "cpu,h=a usage=1").statusCode()).isEqualTo(400);
    }

    @Test
    void ping_noAuthentication_204() {
        HttpResponse<String> r = plain.send("GET", "/ping", null, null, null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("X-Influxdb-Version")).isPresent();
    }

    // ---- auto-creation ---------------------------------------------------------------------------------------

    @Test
    void write_autoCreateOn_writerCreatesActivatesAndAuditsTheArchive() {
        io.tidemark.server.auth.Tokens.Issued w = creating.issue("plant", Role.WRITER);
        String adm = creating.token("plant", Role.ADMIN);
        String body = "net,host=h1,if=eth0 rx=10i,up=t,name=\"eth0\",load=0.25 1700000000\n"
                + "net,host=h2 rx=20i 1700000001\n"
                + "net,if=eth1,host=h1 load=0.5\n";
        assert204(post(creating, V2 + "&precision=s", w.secret(), body));
        io.tidemark.client.ArchiveView net = creating.client(adm).archives().stream().filter(a -> a.name().equals("net"))
                .findFirst().orElseThrow();
        assertThat(net.status()).isEqualTo("ACTIVATED");
        assertThat(net.columns()).containsExactly(Map.entry("rx", "BIGINT"), Map.entry("up", "BOOLEAN"),
                Map.entry("name", "VARCHAR"), Map.entry("load", "DOUBLE"));
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        rows.put("h1 @ 2023-11-14T22:13:20Z", Map.of("rx", 10L, "up", true, "name", "eth0", "load", 0.25));
        rows.put("h2 @ 2023-11-14T22:13:21Z", Map.of("rx", 20L));
        rows.put("h1 @ 2025-03-01T12:00:00.123456Z", Map.of("load", 0.5));
        assertThat(stored(creating, adm, "net")).isEqualTo(rows);
        JsonNode audit = json(creating.graphql(adm, "{ auditTrail(subject: \"net\") { entries { kind actor message } } }"))
                .path("data").path("auditTrail").path("entries");
        List<String> kinds = new ArrayList<>();
        audit.forEach(e -> {
            kinds.add(e.path("kind").asText());
            assertThat(e.path("actor").asText()).isEqualTo(w.info().name() + "/" + w.info().id());
        });
        assertThat(kinds).containsExactlyInAnyOrder("ARCHIVE_CREATED", "ARCHIVE_ACTIVATED");
        // the archive now exists: a later line must fit it, columns are never added
        HttpResponse<String> r = post(creating, V2, w.secret(), "net,host=h3 tx=1i 1\n");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("errors").get(0).path("reason").asText()).isEqualTo("archive 'net' has no column "
                + "'tx' (its columns are [rx, up, name, load]); columns are never added to an archive (there is no "
                + "ALTER): leave the field out, or write it to another archive");
        HttpResponse<String> noHost = post(creating, V2, w.secret(), "net,if=x rx=1i 1\n");
        assertThat(json(noHost).path("errors").get(0).path("field").asText()).isEqualTo("rtId");
    }

    @Test
    void write_autoCreateOn_aBadLineCreatesNothing() {
        String w = creating.token("plant", Role.WRITER);
        HttpResponse<String> r = post(creating, V2, w, "disk,host=a used=1i 1\ndisk,host=a used=1.5 2\n");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("errors").get(0).path("line").asInt()).isEqualTo(2);
        assertThat(creating.client(creating.token("plant", Role.ADMIN)).archives())
                .extracting(io.tidemark.client.ArchiveView::name).doesNotContain("disk");
    }
}
