package io.tidemark.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of one Tidemark server: ingest with {@link #publish}, and archive and rollup administration, stream
 * data and the audit trail through GraphQL. Thread-safe; one instance per server is enough. Every method blocks
 * until the server answers and throws {@link TidemarkClientException} with the server's error code when it
 * refuses.
 */
public final class TidemarkClient implements AutoCloseable {
    /** Body formats of {@link #publishBody}. */
    public enum BodyFormat {
        NDJSON("application/x-ndjson"),
        CSV("text/csv");

        private final String contentType;

        BodyFormat(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLLUP_FIELDS = "name source bucket status frozen watermark lagSeconds "
            + "consecutiveFailures lastError staleRanges { from to recordedAt } oldestStaleAgeSeconds";
    private static final String ARCHIVE_FIELDS = "name kind status columns { name type } maxLateness retention";
    private final ConnectionConfig config;
    private final HttpClient http;

    private TidemarkClient(ConnectionConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
    }

    public static TidemarkClient create(ConnectionConfig config) {
        return new TidemarkClient(config);
    }

    public ConnectionConfig config() {
        return config;
    }

    // ---- ingest -----------------------------------------------------------------------------------------------

    /**
     * Sends the rows as one atomic batch (NDJSON). Returns once the server has made them durable.
     *
     * @return distinct samples written
     * @throws TidemarkClientException {@code INVALID_BATCH} with {@link TidemarkClientException#errors()} naming the
     *     first bad rows (nothing was written), {@code TOO_LARGE}, {@code NOT_FOUND}, …
     */
    public int publish(String archive, List<Row> rows) {
        return publishBody(archive, BodyFormat.NDJSON, ndjson(rows));
    }

    /** Sends an already encoded batch; see {@link #publish}. */
    public int publishBody(String archive, BodyFormat format, byte[] body) {
        HttpRequest req = request("/api/v1/archives/" + URLEncoder.encode(archive, StandardCharsets.UTF_8)
                + "/samples").header("Content-Type", format.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        JsonNode res = send(req);
        return res.path("written").asInt();
    }

    /** NDJSON for {@code rows}: one object per line, timestamps as ISO-8601. */
    public static byte[] ndjson(List<Row> rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.size() * 64 + 16);
        IsoInstant iso = new IsoInstant();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.setRootValueSeparator(null);
            for (Row r : rows) {
                g.writeStartObject();
                g.writeStringField("rtId", r.rtId());
                g.writeStringField("timestamp", iso.format(r.timestamp()));
                for (Map.Entry<String, Object> e : r.values().entrySet()) {
                    g.writeFieldName(e.getKey());
                    value(g, e.getValue());
                }
                g.writeEndObject();
                g.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode rows", e);
        }
        return out.toByteArray();
    }

    /** The value types of a {@link Row} written directly; anything else through databind. */
    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeObject(v);
        }
    }

    // ---- GraphQL ----------------------------------------------------------------------------------------------

    /**
     * Runs a GraphQL document.
     *
     * @return the {@code data} object
     * @throws TidemarkClientException with the first error's {@code extensions.code}
     */
    public JsonNode graphql(String query, Map<String, Object> variables) {
        ObjectNode body = JSON.createObjectNode();
        body.put("query", query);
        body.set("variables", JSON.valueToTree(variables == null ? Map.of() : variables));
        HttpRequest req;
        try {
            req = request("/graphql").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        } catch (IOException e) {
            throw new IllegalArgumentException("variables cannot be encoded as JSON", e);
        }
        JsonNode res = send(req);
        JsonNode errors = res.path("errors");
        if (errors.isArray() && errors.size() > 0) {
            JsonNode first = errors.get(0);
            throw new TidemarkClientException(first.path("extensions").path("code").asText("INTERNAL"), 200,
                    first.path("message").asText(), rowErrors(first.path("extensions").path("errors")));
        }
        return res.path("data");
    }

    public ArchiveView createArchive(String name, Map<String, String> columns) {
        List<Map<String, String>> cols = new ArrayList<>();
        columns.forEach((n, t) -> cols.add(Map.of("name", n, "type", t)));
        return archive(graphql("mutation($in: CreateArchiveInput!) { a: createArchive(input: $in) { "
                + ARCHIVE_FIELDS + " } }", Map.of("in", Map.of("name", name, "columns", cols))).path("a"));
    }

    /**
     * Sets how late a sample of a raw archive may be and still make rollup buckets stale (admin); null means
     * unlimited. Later samples are stored, their buckets are not re-aggregated, and the audit trail records them.
     */
    public ArchiveView setArchiveMaxLateness(String name, java.time.Duration maxLateness) {
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("n", name);
        vars.put("l", maxLateness == null ? null : maxLateness.toString());
        return archive(graphql("mutation($n: String!, $l: String) { a: setArchiveMaxLateness(name: $n, "
                + "maxLateness: $l) { " + ARCHIVE_FIELDS + " } }", vars).path("a"));
    }

    /**
     * Sets how long an archive's rows are kept (admin), raw or rollup; null keeps them forever. The server deletes
     * older rows once no rollup needs them and refuses samples older than that.
     */
    public ArchiveView setArchiveRetention(String name, java.time.Duration retention) {
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("n", name);
        vars.put("r", retention == null ? null : retention.toString());
        return archive(graphql("mutation($n: String!, $r: String) { a: setArchiveRetention(name: $n, "
                + "retention: $r) { " + ARCHIVE_FIELDS + " } }", vars).path("a"));
    }

    public List<ArchiveView> archives() {
        List<ArchiveView> out = new ArrayList<>();
        graphql("{ archives { " + ARCHIVE_FIELDS + " } }", null).path("archives")
                .forEach(a -> out.add(archive(a)));
        return out;
    }

    public ArchiveView activateArchive(String name) {
        return archiveAction("activateArchive", name);
    }

    public ArchiveView disableArchive(String name) {
        return archiveAction("disableArchive", name);
    }

    public void deleteArchive(String name) {
        graphql("mutation($n: String!) { deleteArchive(name: $n) }", Map.of("n", name));
    }

    public RollupView createRollupArchive(RollupSpec spec) {
        return rollup(graphql("mutation($in: CreateRollupArchiveInput!) { r: createRollupArchive(input: $in) { "
                + ROLLUP_FIELDS + " } }", Map.of("in", spec.input())).path("r"));
    }

    public RollupView rollup(String name) {
        return rollup(graphql("query($n: String!) { r: rollup(name: $n) { " + ROLLUP_FIELDS + " } }",
                Map.of("n", name)).path("r"));
    }

    /** The rollups derived from {@code archive}, directly or through other rollups, in dependency order. */
    public List<RollupView> rollupsFor(String archive) {
        List<RollupView> out = new ArrayList<>();
        graphql("query($a: String!) { rollupsFor(archive: $a) { " + ROLLUP_FIELDS + " } }", Map.of("a", archive))
                .path("rollupsFor").forEach(r -> out.add(rollup(r)));
        return out;
    }

    public RollupView activateRollup(String name) {
        return rollupAction("activateRollup", name);
    }

    public RollupView disableRollup(String name) {
        return rollupAction("disableRollup", name);
    }

    public RollupView freezeRollup(String name) {
        return rollupAction("freezeRollup", name);
    }

    public RollupView unfreezeRollup(String name) {
        return rollupAction("unfreezeRollup", name);
    }

    public RollupView retryRollup(String name) {
        return rollupAction("retryRollup", name);
    }

    /** Runs the rollup now; returns the buckets committed. */
    public int processRollup(String name) {
        return graphql("mutation($n: String!) { p: processRollup(name: $n) { bucketsCommitted } }",
                Map.of("n", name)).path("p").path("bucketsCommitted").asInt();
    }

    public RollupView rewindRollupWatermark(String name, Instant toBucketEnd) {
        return rollup(graphql("mutation($n: String!, $t: Instant!) { r: rewindRollupWatermark(rollupRtId: $n, "
                + "toBucketEnd: $t) { " + ROLLUP_FIELDS + " } }", Map.of("n", name, "t", toBucketEnd.toString()))
                .path("r"));
    }

    /**
     * Rows with {@code from ≤ timestamp < to} of the given rtIds (all when empty), ordered by timestamp then rtId.
     * For a rollup archive, the values a reader sees: AVG computed from its stored partials.
     */
    public List<Row> streamData(String archive, List<String> rtIds, Instant from, Instant to, int limit) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("a", archive);
        vars.put("ids", rtIds);
        vars.put("f", from.toString());
        vars.put("t", to.toString());
        vars.put("l", limit);
        JsonNode rows = graphql("query($a: String!, $ids: [String!], $f: Instant!, $t: Instant!, $l: Int) { "
                + "streamData(archive: $a, rtIds: $ids, from: $f, to: $t, limit: $l) { timestamp rtId values } }",
                vars).path("streamData");
        List<Row> out = new ArrayList<>(rows.size());
        for (JsonNode r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> values = JSON.convertValue(r.path("values"), Map.class);
            out.add(new Row(r.path("rtId").asText(), Instant.parse(r.path("timestamp").asText()), values));
        }
        return out;
    }

    private ArchiveView archiveAction(String field, String name) {
        return archive(graphql("mutation($n: String!) { a: " + field + "(name: $n) { " + ARCHIVE_FIELDS + " } }",
                Map.of("n", name)).path("a"));
    }

    private RollupView rollupAction(String field, String name) {
        return rollup(graphql("mutation($n: String!) { r: " + field + "(name: $n) { " + ROLLUP_FIELDS + " } }",
                Map.of("n", name)).path("r"));
    }

    private static ArchiveView archive(JsonNode a) {
        Map<String, String> cols = new LinkedHashMap<>();
        a.path("columns").forEach(c -> cols.put(c.path("name").asText(), c.path("type").asText()));
        return new ArchiveView(a.path("name").asText(), a.path("kind").asText(), a.path("status").asText(), cols,
                duration(a.path("maxLateness")), duration(a.path("retention")));
    }

    private static java.time.Duration duration(JsonNode text) {
        return text.isTextual() ? java.time.Duration.parse(text.asText()) : null;
    }

    private static RollupView rollup(JsonNode r) {
        return new RollupView(r.path("name").asText(), r.path("source").asText(), r.path("bucket").asText(),
                r.path("status").asText(), r.path("frozen").asBoolean(), instant(r.path("watermark")),
                r.path("lagSeconds").isNumber() ? r.path("lagSeconds").asDouble() : null,
                r.path("consecutiveFailures").asInt(), r.path("lastError").isTextual()
                        ? r.path("lastError").asText() : null, staleRanges(r.path("staleRanges")),
                r.path("oldestStaleAgeSeconds").isNumber() ? r.path("oldestStaleAgeSeconds").asDouble() : null);
    }

    private static List<RollupView.StaleRange> staleRanges(JsonNode ranges) {
        List<RollupView.StaleRange> out = new ArrayList<>();
        ranges.forEach(s -> out.add(new RollupView.StaleRange(instant(s.path("from")), instant(s.path("to")),
                instant(s.path("recordedAt")))));
        return out;
    }

    private static Instant instant(JsonNode n) {
        return n.isTextual() ? Instant.parse(n.asText()) : null;
    }

    // ---- transport --------------------------------------------------------------------------------------------

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(path)).timeout(config.requestTimeout());
        if (config.token() != null) {
            b.header("Authorization", "Bearer " + config.token());
        }
        return b;
    }

    private URI resolve(String path) {
        String base = config.uri().toString();
        return URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path);
    }

    private JsonNode send(HttpRequest req) {
        HttpResponse<byte[]> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TidemarkClientException("TRANSPORT", 0, "cannot reach " + req.uri() + ": " + e, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TidemarkClientException("TRANSPORT", 0, "interrupted while waiting for " + req.uri(),
                    List.of());
        }
        JsonNode body;
        try {
            body = JSON.readTree(res.body());
        } catch (IOException e) {
            throw new TidemarkClientException("TRANSPORT", res.statusCode(), "the server at " + req.uri()
                    + " answered " + res.statusCode() + " without a JSON body", List.of());
        }
        if (res.statusCode() == 200) {
            return body;
        }
        if (body.has("errors") && body.path("errors").isArray() && body.has("code") == false) {
            JsonNode first = body.path("errors").get(0);
            throw new TidemarkClientException(first.path("extensions").path("code").asText("INTERNAL"),
                    res.statusCode(), first.path("message").asText(), List.of());
        }
        throw new TidemarkClientException(body.path("code").asText("TRANSPORT"), res.statusCode(),
                body.path("message").asText("HTTP " + res.statusCode()), rowErrors(body.path("errors")));
    }

    private static List<TidemarkClientException.RowError> rowErrors(JsonNode errors) {
        List<TidemarkClientException.RowError> out = new ArrayList<>();
        if (!errors.isArray()) {
            return out;
        }
        for (JsonNode e : errors) {
            if (e.has("row")) {
                out.add(new TidemarkClientException.RowError(e.path("row").asInt(), e.path("line").asInt(),
                        e.path("column").isTextual() ? e.path("column").asText() : null, e.path("reason").asText()));
            }
        }
        return out;
    }

    /** Releases nothing today (the JDK client needs no closing on Java 17); kept for live connections. */
    @Override
    public void close() {
        // HTTP calls hold no resources between requests.
    }
}
