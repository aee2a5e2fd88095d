package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.core.ErrorCode;
import io.tidemark.store.ArchiveStore;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/archives/{archive}/samples} over real HTTP: round trips through ingest, rollups as
 * {@code streamData} shows them, a large export streamed page by page, limit and cursor under concurrent writes,
 * errors before and after the body started. The store is wrapped so a test can hold or fail one read. Each engine
 * binds it with a thin subclass.
 */
abstract class AbstractExportIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TenantId TENANT = TenantId.of("t");
    /** Rows per store read of the endpoint ({@code ExportEndpoint.PAGE_ROWS}). */
    private static final int PAGE = 5_000;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ReadRequest> reads = new CopyOnWriteArrayList<>();
    /** Called before every store read of an archive; may block or throw. */
    private volatile java.util.function.Consumer<ReadRequest> onRead = r -> {};
    private ServerFixture f;
    private TidemarkClient admin;
    private TidemarkClient writer;
    private String reader;

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        f = new ServerFixture(watched(newStore()));
        admin = f.client(f.token("t", Role.ADMIN));
        writer = f.client(f.token("t", Role.WRITER));
        reader = f.token("t", Role.READER);
        archive("src");
        archive("dst");
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private void archive(String name) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("temp", "DOUBLE");
        cols.put("count", "BIGINT");
        cols.put("ok", "BOOLEAN");
        cols.put("note", "VARCHAR");
        admin.createArchive(name, cols);
        admin.activateArchive(name);
    }

    // ---- round trips -------------------------------------------------------------------------------------------

    @Test
    void ndjson_reimportedIntoAnotherArchive_identicalRows() throws Exception {
        writer.publish("src", awkwardRows());
        HttpResponse<String> r = get("/api/v1/archives/src/samples", reader);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/x-ndjson"));
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"src.ndjson\"");
        assertThat(r.headers().firstValue("Tidemark-Next-Cursor")).isEmpty();
        JsonNode first = JSON.readTree(r.body().lines().findFirst().orElseThrow());
        assertThat(first.fieldNames()).toIterable().containsExactly("rtId", "timestamp", "temp", "count", "ok", "note");

        HttpResponse<String> in = f.send("POST", "/api/v1/archives/dst/samples", f.token("t", Role.WRITER),
                "application/x-ndjson", r.body());
        assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
        assertThat(stored("dst")).isEqualTo(stored("src")).hasSize(awkwardRows().size());
    }

    @Test
    void csv_reimportedIntoAnotherArchive_identicalRows() throws Exception {
        writer.publish("src", awkwardRows());
        HttpResponse<String> r = get("/api/v1/archives/src/samples?format=csv", reader);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/csv"));
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"src.csv\"");
        assertThat(r.body()).startsWith("rtId,timestamp,temp,count,ok,note\n");
        assertThat(r.body().lines().filter(l -> l.startsWith("#"))).isEmpty();

        HttpResponse<String> in = f.send("POST", "/api/v1/archives/dst/samples", f.token("t", Role.WRITER),
                "text/csv", r.body());
        assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
        assertThat(stored("dst")).isEqualTo(stored("src")).hasSize(awkwardRows().size());
    }

    @Test
    void rtIdAndRange_selectLikeStreamData() throws Exception {
        writer.publish("src", awkwardRows());
        String q = "?rtId=p1&rtId=%23hash&from=2025-01-01T00:00:01Z&to=2025-01-01T00:00:03Z";
        List<JsonNode> lines = ndjson(get("/api/v1/archives/src/samples" + q, reader).body());
        List<Row> expected = admin.streamData("src", List.of("p1", "#hash"), T0.plusSeconds(1), T0.plusSeconds(3),
                1000);
        assertThat(lines).extracting(l -> l.path("rtId").asText() + "@" + l.path("timestamp").asText())
                .containsExactlyElementsOf(expected.stream().map(e -> e.rtId() + "@" + e.timestamp()).toList())
                .isNotEmpty();
    }

    @Test
    void rollupArchive_exportEqualsStreamData() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            rows.add(Row.of("p" + i % 3, T0.plusSeconds(i), Map.of("temp", i * 0.7, "count", (long) i)));
        }
        writer.publish("src", rows);
        admin.createRollupArchive(RollupSpec.builder("src_1m", "src", "PT1M").aggregate("AVG", "temp", "temp_avg")
                .aggregate("COUNT", null, "n").aggregate("MAX", "count", "count_max")
                .aggregate("FIRST", "temp", "temp_first").build());
        admin.activateArchive("src_1m");
        assertThat(admin.processRollup("src_1m")).isPositive();

        List<JsonNode> exported = ndjson(get("/api/v1/archives/src_1m/samples", reader).body());
        JsonNode streamed = JSON.readTree(f.graphql(reader, "{ streamData(archive: \"src_1m\", from: "
                + "\"1900-01-01T00:00:00Z\", to: \"2200-01-01T00:00:00Z\", limit: 100000) { rtId timestamp values } }")
                .body()).path("data").path("streamData");
        assertThat(exported).hasSize(streamed.size()).hasSize(30);
        for (int i = 0; i < streamed.size(); i++) {
            JsonNode s = streamed.get(i);
            com.fasterxml.jackson.databind.node.ObjectNode expected = JSON.createObjectNode();
            expected.put("rtId", s.path("rtId").asText());
            expected.put("timestamp", s.path("timestamp").asText());
            expected.setAll((com.fasterxml.jackson.databind.node.ObjectNode) s.path("values"));
            assertThat(exported.get(i)).isEqualTo(expected);
        }
        assertThat(exported.get(0).fieldNames()).toIterable()
                .containsExactly("rtId", "timestamp", "temp_avg", "n", "count_max", "temp_first");
    }

    // ---- a large export ----------------------------------------------------------------------------------------

    /**
     * 300,000 rows stream in pages: no store read asks for more than a page, and the second page is read only once
     * the client holds the first line — a server that built the body before sending it would never let the client
     * see that line, and the held read would time out the test.
     */
    @Test
    void largeExport_streamsPageByPage_firstBytesBeforeSecondRead() throws Exception {
        int total = 300_000;
        StringBuilder csv = new StringBuilder("rtId,timestamp,temp\n");
        for (int i = 0; i < total; i++) {
            csv.append("s").append(i % 50).append(',').append(T0.plusMillis(i / 50 * 10L)).append(',')
                    .append(i).append('\n');
        }
        HttpResponse<String> in = f.send("POST", "/api/v1/archives/src/samples", f.token("t", Role.WRITER), "text/csv",
                csv.toString());
        assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
        csv = null;

        CountDownLatch firstLine = new CountDownLatch(1);
        AtomicInteger exportReads = new AtomicInteger();
        reads.clear();
        onRead = r -> {
            if (exportReads.incrementAndGet() == 2) {
                await(firstLine);
            }
        };
        HttpResponse<InputStream> r = http.send(request("/api/v1/archives/src/samples", reader).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long lines = 0;
        String previous = null;
        Set<String> rtIds = new HashSet<>();
        try (BufferedReader body = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = body.readLine(); line != null; line = body.readLine()) {
                if (lines == 0) {
                    assertThat(exportReads.get()).as("store reads when the first line arrived").isLessThanOrEqualTo(2);
                    firstLine.countDown();
                }
                JsonNode n = JSON.readTree(line);
                assertThat(n.has("error")).as(line).isFalse();
                String key = n.path("timestamp").asText() + "/" + n.path("rtId").asText();
                assertThat(previous == null || order(previous, key) < 0).as(previous + " before " + key).isTrue();
                previous = key;
                rtIds.add(n.path("rtId").asText());
                lines++;
            }
        }
        assertThat(lines).isEqualTo(total);
        assertThat(rtIds).hasSize(50);
        assertThat(reads).allSatisfy(q -> assertThat(q.limit()).isLessThanOrEqualTo(PAGE));
        assertThat(reads.size()).isGreaterThanOrEqualTo(total / PAGE);
        assertThat(metric("tidemark_export_rows_total{format=\"ndjson\",tenant=\"t\"}")).isEqualTo(total);
    }

    /** Orders keys "timestamp/rtId" as the store does for these ASCII rtIds. */
    private static int order(String a, String b) {
        int at = a.indexOf('/');
        int bt = b.indexOf('/');
        int c = Instant.parse(a.substring(0, at)).compareTo(Instant.parse(b.substring(0, bt)));
        return c != 0 ? c : a.substring(at + 1).compareTo(b.substring(bt + 1));
    }

    // ---- limit and cursor --------------------------------------------------------------------------------------

    @Test
    void limitAndCursor_whileWriting_everyStartingRowOnceNoneTwice() throws Exception {
        Set<String> atStart = new HashSet<>();
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            for (int k = 0; k < 25; k++) {
                String rtId = "r" + (k * 7 % 25);
                rows.add(Row.of(rtId, T0.plusSeconds(t), Map.of("temp", (double) k)));
                atStart.add(T0.plusSeconds(t) + "/" + rtId);
            }
        }
        writer.publish("src", rows);
        List<String> seen = new ArrayList<>();
        String after = null;
        int written = 0;
        for (int pages = 0; pages < 1000; pages++) {
            HttpResponse<String> r = get("/api/v1/archives/src/samples?limit=7" + (after == null ? ""
                    : "&after=" + after), reader);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            List<JsonNode> page = ndjson(r.body());
            page.forEach(n -> seen.add(n.path("timestamp").asText() + "/" + n.path("rtId").asText()));
            String next = r.headers().firstValue("Tidemark-Next-Cursor").orElse(null);
            if (next == null) {
                assertThat(page.size()).isLessThanOrEqualTo(7);
                break;
            }
            assertThat(page).hasSizeGreaterThanOrEqualTo(7);
            after = next;
            // Rows written between requests: at an early, the current and a later timestamp, among old rows.
            Instant at = Instant.parse(page.get(page.size() - 1).path("timestamp").asText());
            writer.publish("src", List.of(Row.of("new" + written, T0, Map.of("temp", 1.0)),
                    Row.of("new" + written + "a", at, Map.of("temp", 1.0)),
                    Row.of("new" + written + "b", at.plusSeconds(3), Map.of("temp", 1.0))));
            written++;
        }
        assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
        assertThat(seen).containsAll(atStart);
        assertThat(written).isGreaterThan(300 / 7);
    }

    /**
     * A limit past one page: the cursor is found before the body by reading ahead, then the body is read again; a
     * row written during the export before the cursor is in this body, so the resumed export starts right after.
     */
    @Test
    void limitPastOnePage_rowWrittenDuringExport_inThisBodyNotTheNext() throws Exception {
        int total = 3 * PAGE;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            rows.add(Row.of("s" + i % 10, T0.plusMillis(i), Map.of("temp", (double) i)));
        }
        writer.publish("src", rows);
        int limit = PAGE + PAGE / 2;
        AtomicInteger n = new AtomicInteger();
        onRead = r -> {
            // After the look-ahead (2 reads), before the body's first read: a row that sorts before the cut.
            if (n.incrementAndGet() == 3) {
                writer.publish("src", List.of(Row.of("late", T0, Map.of("temp", -1.0))));
            }
        };
        HttpResponse<String> first = get("/api/v1/archives/src/samples?limit=" + limit, reader);
        onRead = r -> {};
        List<JsonNode> a = ndjson(first.body());
        assertThat(a).hasSize(limit + 1);
        assertThat(a).extracting(x -> x.path("rtId").asText()).contains("late");
        String cursor = first.headers().firstValue("Tidemark-Next-Cursor").orElseThrow();
        List<JsonNode> b = ndjson(get("/api/v1/archives/src/samples?after=" + cursor, reader).body());
        assertThat(a.size() + b.size()).isEqualTo(total + 1);
        Set<String> keys = new HashSet<>();
        for (JsonNode x : a) {
            keys.add(x.path("timestamp").asText() + "/" + x.path("rtId").asText());
        }
        for (JsonNode x : b) {
            keys.add(x.path("timestamp").asText() + "/" + x.path("rtId").asText());
        }
        assertThat(keys).hasSize(total + 1);
    }

    @Test
    void limitCoveringEverything_noCursor() throws Exception {
        writer.publish("src", awkwardRows());
        HttpResponse<String> r = get("/api/v1/archives/src/samples?format=csv&limit=" + awkwardRows().size(), reader);
        assertThat(r.headers().firstValue("Tidemark-Next-Cursor")).isEmpty();
        assertThat(r.body()).isEqualTo(get("/api/v1/archives/src/samples?format=csv", reader).body());
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    @Test
    void errorsBeforeTheBody_statusAndJsonErrorNamingTheParameter() throws Exception {
        String p = "/api/v1/archives/src/samples";
        assertError(get(p + "?format=xml", reader), 400, "INVALID_ARGUMENT", "'format'");
        assertError(get(p + "?from=yesterday", reader), 400, "INVALID_ARGUMENT", "'from'");
        assertError(get(p + "?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", reader), 400, "INVALID_ARGUMENT",
                "'to'");
        assertError(get(p + "?limit=0", reader), 400, "INVALID_ARGUMENT", "'limit'");
        assertError(get(p + "?limit=ten", reader), 400, "INVALID_ARGUMENT", "'limit'");
        assertError(get(p + "?after=not-a-cursor", reader), 400, "INVALID_ARGUMENT", "after");
        assertError(get(p + "?rtIds=a", reader), 400, "INVALID_ARGUMENT", "'rtIds'");
        assertError(get(p + "?rtId=", reader), 400, "INVALID_ARGUMENT", "'rtId'");
        assertError(get(p + "?format=csv&format=ndjson", reader), 400, "INVALID_ARGUMENT", "'format'");
        assertError(get("/api/v1/archives/nope/samples", reader), 404, "NOT_FOUND", "nope");
        // Another tenant's archive is missing, exactly.
        assertError(get(p, f.token("other", Role.READER)), 404, "NOT_FOUND", "src");
        // The token comes before anything else.
        assertError(get(p + "?format=xml", null), 401, "UNAUTHENTICATED", "");
        assertError(get("/api/v1/archives/nope/samples?format=xml", "tmk_wrong"), 401, "UNAUTHENTICATED", "");
        // The archive (tenant scope) before the parameters.
        assertError(get("/api/v1/archives/nope/samples?format=xml", reader), 404, "NOT_FOUND", "nope");
        assertThat(metric("tidemark_export_requests_total{format=\"none\",result=\"rejected\",tenant=\"t\"}"))
                .isEqualTo(11);
    }

    @Test
    void everyRole_mayExport() {
        for (Role role : Role.values()) {
            assertThat(get("/api/v1/archives/src/samples", f.token("t", role)).statusCode()).as(role.label())
                    .isEqualTo(200);
        }
    }

    @Test
    void errorAfterTheBodyStarted_endsWithErrorLineAndCursor_resumable() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PAGE + 10; i++) {
            rows.add(Row.of("s" + i % 7, T0.plusMillis(i), Map.of("temp", (double) i)));
        }
        writer.publish("src", rows);
        for (String format : List.of("ndjson", "csv")) {
            AtomicInteger n = new AtomicInteger();
            onRead = r -> {
                if (n.incrementAndGet() == 2) {
                    throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "held by the test");
                }
            };
            HttpResponse<String> r = get("/api/v1/archives/src/samples?format=" + format, reader);
            onRead = q -> {};
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> lines = r.body().lines().toList();
            String last = lines.get(lines.size() - 1);
            String cursor;
            if (format.equals("ndjson")) {
                assertThat(lines).hasSize(PAGE + 1);
                JsonNode error = JSON.readTree(last).path("error");
                assertThat(error.path("code").asText()).isEqualTo("STORE_UNAVAILABLE");
                assertThat(error.path("message").asText()).isNotEmpty().doesNotContain("held by the test");
                cursor = error.path("cursor").asText();
            } else {
                assertThat(lines).hasSize(PAGE + 2);
                assertThat(last).startsWith("#error,STORE_UNAVAILABLE,");
                cursor = last.substring(last.lastIndexOf(',') + 1);
            }
            // A truncated export cannot be re-imported by mistake.
            assertThat(f.send("POST", "/api/v1/archives/dst/samples", f.token("t", Role.WRITER),
                    format.equals("csv") ? "text/csv" : "application/x-ndjson", r.body()).statusCode()).isEqualTo(400);
            List<String> rest = get("/api/v1/archives/src/samples?format=" + format + "&after=" + cursor, reader)
                    .body().lines().toList();
            assertThat(rest).hasSize(format.equals("csv") ? 11 : 10);
        }
        assertThat(metric("tidemark_export_requests_total{format=\"csv\",result=\"failed\",tenant=\"t\"}"))
                .isEqualTo(1);
    }

    @Test
    void firstReadFails_isAnOrdinaryErrorResponse() {
        onRead = r -> {
            throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "held by the test");
        };
        HttpResponse<String> r = get("/api/v1/archives/src/samples", reader);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.headers().firstValue("Content-Disposition")).isEmpty();
        assertThat(r.body()).contains("\"code\":\"STORE_UNAVAILABLE\"");
    }

    @Test
    void acceptEncodingGzip_compressedBodyOfTheSameRows() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            rows.add(Row.of("s" + i % 7, T0.plusMillis(i), Map.of("temp", (double) i)));
        }
        writer.publish("src", rows);
        String plain = get("/api/v1/archives/src/samples", reader).body();
        HttpResponse<byte[]> r = http.send(request("/api/v1/archives/src/samples", reader)
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(plain);
        }
        assertThat(r.body().length).isLessThan(plain.length() / 2);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Every column type, nulls, and text that needs quoting or escaping in either format. */
    private static List<Row> awkwardRows() {
        List<Row> rows = new ArrayList<>();
        String[] notes = {"plain", "a, comma", "a \"quote\"", "two\nlines", "crlf\r\nend", "ünïcødé ✓", "#not a comment",
                "  spaced  ", "tab\there", "\\back\\slash"};
        String[] ids = {"p1", "p2", "#hash", "with,comma", "q\"uote"};
        for (int t = 0; t < 4; t++) {
            for (int k = 0; k < ids.length; k++) {
                Map<String, Object> v = new LinkedHashMap<>();
                int i = t * ids.length + k;
                if (i % 4 != 3) {
                    v.put("temp", i % 2 == 0 ? i * 1.25 : -1.0e-7 * i + 1e21);
                }
                if (i % 5 != 4) {
                    v.put("count", i % 3 == 0 ? Long.MAX_VALUE - i : -i);
                }
                if (i % 6 != 5) {
                    v.put("ok", i % 2 == 0);
                }
                if (i % 7 != 6) {
                    v.put("note", notes[i % notes.length]);
                }
                rows.add(Row.of(ids[k], T0.plusSeconds(t).plusNanos(i % 2 == 0 ? 123_456_000L : 0), v));
            }
        }
        return rows;
    }

    /** The stored rows of an archive, for comparing two archives. */
    private List<String> stored(String archive) {
        List<Sample> rows = f.store.archives().read(TENANT, new ReadRequest(archive, List.of(),
                Instant.parse("1900-01-01T00:00:00Z"), Instant.parse("2200-01-01T00:00:00Z"), 100_000));
        return rows.stream().map(s -> s.rtId() + "@" + s.timestamp() + "=" + new java.util.TreeMap<>(s.values()))
                .toList();
    }

    private static List<JsonNode> ndjson(String body) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.lines().toList()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri().resolve(path)).timeout(Duration.ofSeconds(120)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> get(String path, String token) {
        try {
            return http.send(request(path, token).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String mentions)
            throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).contains(mentions);
    }

    private double metric(String series) {
        String text = f.send("GET", "/metrics", null, null, null).body();
        return text.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the client saw no line of the body while the second page was held: the "
                        + "server did not send the first page before reading the next");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The store, with every archive read recorded and passed to {@link #onRead} first. */
    private Store watched(Store store) {
        ArchiveStore archives = proxy(ArchiveStore.class, store.archives(), (m, args) -> {
            if (m.equals("read") && args[1] instanceof ReadRequest r && !r.archive().equals("dst")) {
                reads.add(r);
                onRead.accept(r);
            }
            return null;
        });
        return proxy(Store.class, store, (m, args) -> m.equals("archives") ? archives : null);
    }

    /** A proxy that answers with {@code override} when it returns non-null, else calls the target. */
    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, java.util.function.BiFunction<String, Object[], Object> override) {
        InvocationHandler h = (p, method, args) -> {
            Object o = override.apply(method.getName(), args == null ? new Object[0] : args);
            if (o != null) {
                return o;
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
    }
}
