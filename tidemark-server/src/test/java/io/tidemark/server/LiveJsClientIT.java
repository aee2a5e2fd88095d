package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.browser.Browser;
import io.tidemark.server.browser.ScriptBrowser;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JavaScript live client ({@code /js/tidemark-live.js}) in a real headless Chromium against a real server: the
 * page {@code /live-js-it/index.html} (test resources) drives the client and records what its listeners see; the
 * test compares that with an oracle over the samples it ingested. Values come back in a typed encoding, so a BIGINT
 * must arrive as a JavaScript BigInt and a TIMESTAMP as a Timestamp with its exact microseconds. The same tests run in
 * Firefox ESR in {@link LiveJsClientFirefoxIT}.
 */
class LiveJsClientIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROWS = "SELECT rtId, timestamp, seq FROM recent.%s";

    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static ScriptBrowser browser;
    private static String admin;
    private static TidemarkClient http;

    @BeforeAll
    static void start() {
        Browser.assumeInstalled();
        startWith(Browser::start);
    }

    /** The shared server and the browser the tests drive ({@link LiveJsClientFirefoxIT} runs them all in Firefox). */
    static void startWith(Supplier<ScriptBrowser> startBrowser) {
        f = new ServerFixture(TestStores.duckDb(dir.resolve("shared")));
        admin = f.token("plant", Role.ADMIN);
        http = f.client(admin);
        browser = startBrowser.get();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (f != null) {
            f.close();
        }
    }

    @Test
    void theTestsRunInTheNamedBrowser() {
        Page.open(f.uri());
        String agent = (String) browser.run("return navigator.userAgent;");
        assertThat(agent).as("user agent of %s", browser.name())
                .contains(browser.name().equals("firefox") ? "Firefox/" : "Chrome/");
    }

    @Test
    void theToken_travelsAsASubprotocol_neverInTheUrl() {
        Page page = Page.open(f.uri());
        assertThat(page.connect("sub", admin, true)).isNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> socket = (Map<String, Object>) browser.run("const s = liveIt.connection(arguments[0])._socket;"
                + "return {url: s.url, protocol: s.protocol};", "sub");
        assertThat((String) socket.get("url")).endsWith("/api/v1/live").doesNotContain("tmk_", "access_token");
        assertThat(socket.get("protocol")).isEqualTo("tidemark.live");
        page.closeConnection("sub");
    }

    @Test
    void snapshotThenChanges_atEveryMarkEqualTheOracle_inTheCallbackOrder() {
        LiveQueriesIT.createPlantArchive(http, "order");
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        page.register("c", "bySite", LiveQueriesIT.BY_SITE.formatted("order"));
        page.register("c", "warm", LiveQueriesIT.WARM.formatted("order"));
        page.await("c", "both snapshots", s -> s.marked.containsKey("bySite") && s.marked.containsKey("warm"));

        Random random = new Random(11);
        Instant now = Instant.now();
        List<List<Row>> published = new ArrayList<>();
        List<Row> all = new ArrayList<>();
        for (int b = 0; b < 12; b++) {
            List<Row> rows = LiveQueriesIT.batch(random, b, now, all);
            http.publish("order", rows);
            published.add(rows);
            all.addAll(rows);
            Oracle oracle = Oracle.of(published);
            page.await("c", "batch " + b + " at a mark", s -> Oracle.same(s.marked.get("bySite"), oracle.bySite())
                    && Oracle.same(s.marked.get("warm"), oracle.warm()));
        }
        State s = page.state("c");
        assertThat(s.violations).isEmpty();
        assertThat(s.generations).hasSizeGreaterThanOrEqualTo(2).isSorted().doesNotHaveDuplicates();
        assertThat(s.snapshots).containsEntry("bySite", 1).containsEntry("warm", 1);
        assertThat(s.snapshotEnds).containsEntry("bySite", 1).containsEntry("warm", 1);
        assertThat(s.json.path("schemas").path("bySite").path("columns").toString())
                .contains("{\"name\":\"n\",\"type\":\"BIGINT\"}", "{\"name\":\"avg_temp\",\"type\":\"DOUBLE\"}");
        assertThat(page.events("c")).startsWith("connected");
    }

    @Test
    void withoutAggMarkEnd_noMarks_andTheRowsStillEqualTheOracle() {
        LiveQueriesIT.createPlantArchive(http, "plain");
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, false)).isNull();
        page.register("c", "bySite", LiveQueriesIT.BY_SITE.formatted("plain"));
        Random random = new Random(12);
        Instant now = Instant.now();
        List<List<Row>> published = new ArrayList<>();
        List<Row> all = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            List<Row> rows = LiveQueriesIT.batch(random, b, now, all);
            http.publish("plain", rows);
            published.add(rows);
            all.addAll(rows);
        }
        Oracle oracle = Oracle.of(published);
        page.await("c", "the rows", s -> Oracle.same(s.current.get("bySite"), oracle.bySite()));
        State s = page.state("c");
        assertThat(s.generations).isEmpty();
        assertThat(s.violations).isEmpty();
    }

    @Test
    void bigintBeyond2Pow53_andMicrosecondTimestamps_arriveExact() {
        createArchive("exact");
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(5);
        Instant micros = t0.truncatedTo(ChronoUnit.MILLIS).plus(123, ChronoUnit.MICROS); // never a whole millisecond
        long big = (1L << 53) + 1;
        List<Row> rows = List.of(row("a", micros, big), row("b", t0, Long.MAX_VALUE), row("c", t0, -big),
                row("d", t0.minus(1, ChronoUnit.MICROS), 7));
        http.publish("exact", rows);

        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        page.register("c", "rows", ROWS.formatted("exact"));
        page.register("c", "agg", "SELECT MAX(seq) AS m, MIN(seq) AS lo, COUNT(*) AS n FROM recent.exact");
        Map<List<Object>, List<Object>> expected = rowsOracle(rows);
        page.await("c", "the exact rows", s -> expected.equals(s.marked.get("rows"))
                && s.marked.containsKey("agg") && !s.marked.get("agg").isEmpty());
        State s = page.state("c");
        assertThat(s.marked.get("rows").get(List.of(micros, "a"))).containsExactly("a", micros, big);
        assertThat(s.marked.get("agg")).containsExactly(Map.entry(List.of(),
                List.of(Long.MAX_VALUE, -big, 4L)));
        assertThat(s.violations).isEmpty();
    }

    @Test
    void valuesAndTheLosslessParse_inTheBrowser_exact_onBothParsePaths() {
        Page.open(f.uri());
        JsonNode v = Page.read((String) browser.run("return JSON.stringify(liveIt.valueCases());"));
        String expected = "[{\"s\":\"x\\\"12345678901234567\",\"a\":\"9007199254740993n\","
                + "\"b\":\"-9223372036854775808n\",\"c\":100000000000000000000,\"d\":12345678901234568,\"e\":42,"
                + "\"f\":\"\\u0000x\",\"g\":[\"9223372036854775807n\",-1]}]";
        assertThat(v.path("source").asText()).as("JSON.parse with the reviver's source text").isEqualTo(expected);
        assertThat(v.path("scanning").asText()).as("the scanning fallback").isEqualTo(expected);
        assertThat(v.path("plain").asText()).isEqualTo("{\"n\":123456789012345,\"x\":1.5}");
        assertThat(v.path("epoch").asText()).isEqualTo("0 1970-01-01T00:00:00.000000Z 0 0 1970-01-01T00:00:00.000Z");
        assertThat(v.path("beforeEpoch").asText())
                .isEqualTo("-1 1969-12-31T23:59:59.999999Z -1 999999 1969-12-31T23:59:59.999Z");
        assertThat(v.path("micros").asText())
                .isEqualTo("1735689600000001 2025-01-01T00:00:00.000001Z 1735689600000 1 2025-01-01T00:00:00.000Z");
        assertThat(v.path("tenths").asText()).isEqualTo(
                "1751286896500000 2025-06-30T12:34:56.500000Z 1751286896500 500000 2025-06-30T12:34:56.500Z");
        assertThat(v.path("compare").asText()).isEqualTo("-1,true,true");
        assertThat(v.path("toValue").asText()).isEqualTo("bigint:3 number:NaN number:-Infinity null:null string:7 "
                + "Timestamp:2025-01-01T00:00:00.000000Z");
        assertThat(v.path("keyString").asText()).isEqualTo("[\"2025-01-01T00:00:00.000001Z\",\"5\",\"a\",null]");
    }

    @Test
    void liveTables_onOneConnection_updateTogetherOncePerGeneration_andEqualTheOracle() {
        LiveQueriesIT.createPlantArchive(http, "tables");
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        page.table("c", "bySite", LiveQueriesIT.BY_SITE.formatted("tables"));
        page.table("c", "warm", LiveQueriesIT.WARM.formatted("tables"));
        Random random = new Random(15);
        Instant now = Instant.now();
        List<List<Row>> published = new ArrayList<>();
        List<Row> all = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            List<Row> rows = LiveQueriesIT.batch(random, b, now, all);
            http.publish("tables", rows);
            published.add(rows);
            all.addAll(rows);
            Oracle oracle = Oracle.of(published);
            page.await("c", "the tables after batch " + b, s -> {
                JsonNode t = page.tables();
                return Oracle.same(State.rows(t.path("bySite").path("rows")), oracle.bySite())
                        && Oracle.same(State.rows(t.path("warm").path("rows")), oracle.warm());
            });
        }
        JsonNode t = page.tables();
        List<Long> generations = new ArrayList<>();
        t.path("bySite").path("generations").forEach(g -> generations.add(Long.parseLong(g.asText())));
        List<Long> warm = new ArrayList<>();
        t.path("warm").path("generations").forEach(g -> warm.add(Long.parseLong(g.asText())));
        assertThat(warm).isNotEmpty();
        // bySite was registered first: a generation may have been cut before warm's registration reached the server.
        assertThat(generations.stream().filter(g -> g >= warm.get(0)).toList())
                .as("both tables update at every generation, together, once both are registered").isEqualTo(warm);
        assertThat(generations).isSorted().doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(2);
        assertThat(t.path("bySite").path("resets").asInt()).isEqualTo(1);
        assertThat(t.path("bySite").path("columns").toString())
                .isEqualTo("[\"site\",\"n\",\"avg_temp\",\"max_power\",\"hot\"]");
        assertThat(t.path("bySite").path("objectRow")).isEqualTo(t.path("bySite").path("columns"));
    }

    @Test
    void bigSnapshot_20000Rows_arriveOverSeveralMessages_inOneGeneration() {
        createArchive("big");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            rows.add(row("s" + (i % 200), now.minus(i * 7L, ChronoUnit.MILLIS).minus(i % 1000, ChronoUnit.MICROS),
                    (1L << 60) + i));
        }
        for (int from = 0; from < rows.size(); from += 5_000) {
            http.publish("big", rows.subList(from, from + 5_000));
        }
        Map<List<Object>, List<Object>> expected = rowsOracle(rows);
        assertThat(expected).hasSize(20_000);

        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        long messagesBefore = page.messages();
        page.register("c", "all", ROWS.formatted("big"));
        page.await("c", "the 20,000-row snapshot", s -> s.snapshotEnds.getOrDefault("all", 0) == 1
                && s.generations.size() >= 1 && s.marked.containsKey("all"));
        State s = page.state("c");
        assertThat(s.marked.get("all")).hasSize(20_000).isEqualTo(expected);
        assertThat(page.messages() - messagesBefore).as("WebSocket messages for 20,000 rows (≤ 1,000 frames each)")
                .isGreaterThanOrEqualTo(20);
        assertThat(s.violations).isEmpty();
    }

    @Test
    void unregister_noMoreCallbacks_andTheIdCanBeRegisteredAgain() {
        LiveQueriesIT.createPlantArchive(http, "unreg");
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        page.register("c", "bySite", LiveQueriesIT.BY_SITE.formatted("unreg"));
        page.register("c", "warm", LiveQueriesIT.WARM.formatted("unreg"));
        page.await("c", "both snapshots", s -> s.marked.containsKey("bySite") && s.marked.containsKey("warm"));
        page.unregister("c", "warm");
        int warmCallbacks = page.state("c").callbacks.get("warm");

        Random random = new Random(13);
        List<Row> rows = LiveQueriesIT.batch(random, 0, Instant.now(), List.of());
        http.publish("unreg", rows);
        Oracle oracle = Oracle.of(List.of(rows));
        page.await("c", "bySite after the batch", s -> Oracle.same(s.marked.get("bySite"), oracle.bySite()));
        assertThat(page.state("c").callbacks.get("warm")).isEqualTo(warmCallbacks);

        page.register("c", "warm", LiveQueriesIT.WARM.formatted("unreg"));
        page.await("c", "warm registered again", s -> s.snapshots.getOrDefault("warm", 0) == 2
                && Oracle.same(s.marked.get("warm"), oracle.warm()));
        assertThat(page.state("c").errors).isEmpty();
        assertThat(page.state("c").violations).as("order contract, and no aggMarkEnd before a registered query's "
                + "snapshot").isEmpty();
    }

    @Test
    void invalidQuery_exceptionRaisedWithTheServersCodeAndPosition_otherQueriesCarryOn() {
        LiveQueriesIT.createPlantArchive(http, "invalid");
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", admin, true)).isNull();
        page.register("c", "bad", "SELECT site,, FROM recent.invalid");
        page.register("c", "good", LiveQueriesIT.BY_SITE.formatted("invalid"));
        page.await("c", "the error and the good snapshot", s -> s.errors.containsKey("bad")
                && s.marked.containsKey("good"));
        JsonNode error = page.state("c").errors.get("bad");
        assertThat(error.path("code").asText()).isEqualTo("INVALID_QUERY");
        assertThat(error.path("message").asText()).startsWith("INVALID_QUERY: ").contains("line 1, column");
        assertThat(page.state("c").violations).isEmpty();
    }

    @Test
    void badToken_connectRejects_withUnauthenticatedAndTheServersMessage_withoutTheToken() {
        Page page = Page.open(f.uri());
        JsonNode error = page.connect("c", "tmk_not_a_real_token", true);
        assertThat(error).isNotNull();
        assertThat(error.path("isLiveError").asBoolean()).isTrue();
        assertThat(error.path("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(error.path("status").asInt()).isEqualTo(401);
        assertThat(error.path("message").asText()).contains("HTTP 401", "/api/v1/live")
                .doesNotContain("tmk_not_a_real_token");
    }

    @Test
    void revokedToken_closedWith4401_everyQueryGetsTokenRevoked_noReconnect() {
        LiveQueriesIT.createPlantArchive(http, "revoke");
        Tokens.Issued doomed = f.issue("plant", Role.READER);
        Page page = Page.open(f.uri());
        assertThat(page.connect("c", doomed.secret(), true)).isNull();
        page.register("c", "bySite", LiveQueriesIT.BY_SITE.formatted("revoke"));
        page.register("c", "warm", LiveQueriesIT.WARM.formatted("revoke"));
        page.await("c", "both snapshots", s -> s.marked.containsKey("bySite") && s.marked.containsKey("warm"));

        assertThat(f.graphql(admin, "mutation { revokeToken(id: \"" + doomed.info().id() + "\") { id } }")
                .statusCode()).isEqualTo(200);
        page.await("c", "TOKEN_REVOKED for both queries", s -> s.errors.containsKey("bySite")
                && s.errors.containsKey("warm"));
        State s = page.state("c");
        assertThat(s.errors.get("bySite").path("code").asText()).isEqualTo("TOKEN_REVOKED");
        assertThat(s.errors.get("warm").path("code").asText()).isEqualTo("TOKEN_REVOKED");
        assertThat(page.events("c")).containsSubsequence("connected", "disconnected:4401", "connectionError")
                .doesNotContain("reconnected");
        assertThat(s.violations).isEmpty();
    }

    @Test
    void silentServer_droppedAfterThreeHeartbeats_reconnects_andTheQueryRestartsWithASnapshot() throws Exception {
        LiveQueriesIT.createPlantArchive(http, "quiet");
        http.publish("quiet", List.of(plantRow("s1", 20.0)));
        try (FreezingProxy proxy = new FreezingProxy(f.server.port())) {
            Page page = Page.open(f.uri()).via(URI.create("http://127.0.0.1:" + proxy.port()));
            assertThat(page.connectWith("c", "{token: args[1], url: args[2], heartbeatIntervalMillis: 200, "
                    + "reconnectInitialMillis: 50, reconnectMaxMillis: 200}", admin, true)).isNull();
            page.register("c", "q", "SELECT rtId, temp FROM latest.quiet");
            page.await("c", "the first snapshot", s -> s.marked.containsKey("q") && s.marked.get("q").size() == 1);
            int before = proxy.accepted();

            proxy.freeze();
            http.publish("quiet", List.of(plantRow("s2", 21.0)));
            page.await("c", "a second snapshot after the reconnect, with the row published while silent",
                    s -> s.snapshots.getOrDefault("q", 0) == 2 && s.marked.get("q").size() == 2);
            assertThat(proxy.accepted()).as("a new TCP connection").isGreaterThan(before);
            assertThat(page.events("c")).containsSubsequence("connected", "disconnected:0", "reconnected");
            assertThat(page.state("c").violations).isEmpty();
            page.closeConnection("c");
        }
    }

    @Test
    void serverRestartOnTheSamePort_clientReconnects_andEveryQueryRestartsWithASnapshot() {
        Store store = TestStores.duckDb(dir.resolve("restart"));
        TidemarkServer first = startServer(store, 0);
        int port = first.port();
        String token = Tokens.issue(store, io.tidemark.core.TenantId.of("plant"), Role.ADMIN, "admin", Instant.now())
                .secret();
        TidemarkClient client = TidemarkClient.create(io.tidemark.client.ConnectionConfig.builder(first.uri())
                .token(token).build());
        LiveQueriesIT.createPlantArchive(client, "p");
        Random random = new Random(14);
        List<List<Row>> published = new ArrayList<>();
        List<Row> all = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            List<Row> rows = LiveQueriesIT.batch(random, b, Instant.now(), all);
            client.publish("p", rows);
            published.add(rows);
            all.addAll(rows);
        }
        Oracle before = Oracle.of(published);
        Page page = Page.open(first.uri());
        Store again = null;
        TidemarkServer second = null;
        try {
            assertThat(page.connectWithBackoff("c", token, 50, 400)).isNull();
            page.register("c", "bySite", LiveQueriesIT.BY_SITE.formatted("p"));
            page.register("c", "warm", LiveQueriesIT.WARM.formatted("p"));
            page.await("c", "the first snapshots", s -> Oracle.same(s.marked.get("bySite"), before.bySite())
                    && Oracle.same(s.marked.get("warm"), before.warm()));

            first.close();
            store.close();
            again = TestStores.duckDb(dir.resolve("restart"));
            second = startServer(again, port);
            page.await("c", "snapshots after the reconnect", s -> s.snapshots.getOrDefault("bySite", 0) == 2
                    && s.snapshots.getOrDefault("warm", 0) == 2 && Oracle.same(s.marked.get("bySite"), before.bySite())
                    && Oracle.same(s.marked.get("warm"), before.warm()));
            List<Row> more = LiveQueriesIT.batch(random, 99, Instant.now(), all);
            client.publish("p", more);
            published.add(more);
            Oracle after = Oracle.of(published);
            page.await("c", "a batch after the restart", s -> Oracle.same(s.marked.get("bySite"), after.bySite())
                    && Oracle.same(s.marked.get("warm"), after.warm()));
            assertThat(page.state("c").violations).isEmpty();
            assertThat(page.events("c")).containsSubsequence("connected", "disconnected:1001", "reconnected");
        } finally {
            page.closeConnection("c");
            if (second != null) {
                second.close();
            }
            if (again != null) {
                again.close();
            }
            first.close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static TidemarkServer startServer(Store store, int port) {
        return TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(port).sqlPort(0)
                .bootstrapToken(false).rollupInterval(Duration.ofHours(1)).build()).store(store).build().start();
    }

    private static void createArchive(String name) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("seq", "BIGINT");
        http.createArchive(name, cols);
        http.activateArchive(name);
    }

    private static Row plantRow(String rtId, double temp) {
        return Row.of(rtId, Instant.now().truncatedTo(ChronoUnit.MICROS), Map.of("site", "x", "temp", temp,
                "power", 1.0, "seq", 1L));
    }

    private static Row row(String rtId, Instant ts, long seq) {
        Map<String, Object> v = new HashMap<>();
        v.put("seq", seq);
        return Row.of(rtId, ts, v);
    }

    /** {@code SELECT rtId, timestamp, seq}: key (timestamp, rtId), the last sample of a key wins. */
    private static Map<List<Object>, List<Object>> rowsOracle(List<Row> rows) {
        Map<List<Object>, List<Object>> out = new HashMap<>();
        for (Row r : rows) {
            out.put(List.of(r.timestamp(), r.rtId()), List.of(r.rtId(), r.timestamp(), r.values().get("seq")));
        }
        return out;
    }

    /** What the page's recorder holds, decoded: BIGINT → Long, TIMESTAMP → Instant, DOUBLE → Double. */
    static final class State {
        final JsonNode json;
        final long version;
        final List<Long> generations = new ArrayList<>();
        final Map<String, Map<List<Object>, List<Object>>> marked;
        final Map<String, Map<List<Object>, List<Object>>> current;
        final Map<String, Integer> snapshots = new HashMap<>();
        final Map<String, Integer> snapshotEnds = new HashMap<>();
        final Map<String, Integer> callbacks = new HashMap<>();
        final Map<String, JsonNode> errors = new HashMap<>();
        final List<String> violations = new ArrayList<>();

        State(JsonNode json) {
            this.json = json;
            this.version = json.path("version").asLong();
            json.path("generations").forEach(g -> generations.add(Long.parseLong(g.asText())));
            this.marked = results(json.path("marked"));
            this.current = results(json.path("current"));
            json.path("snapshots").fields().forEachRemaining(e -> snapshots.put(e.getKey(), e.getValue().asInt()));
            json.path("snapshotEnds").fields().forEachRemaining(e -> snapshotEnds.put(e.getKey(),
                    e.getValue().asInt()));
            json.path("callbacks").fields().forEachRemaining(e -> callbacks.put(e.getKey(), e.getValue().asInt()));
            json.path("errors").fields().forEachRemaining(e -> errors.put(e.getKey(), e.getValue()));
            json.path("violations").forEach(v -> violations.add(v.asText()));
        }

        private static Map<String, Map<List<Object>, List<Object>>> results(JsonNode byQuery) {
            Map<String, Map<List<Object>, List<Object>>> out = new HashMap<>();
            byQuery.fields().forEachRemaining(q -> out.put(q.getKey(), rows(q.getValue())));
            return out;
        }

        /** Rows [{key, values}] as key → values. */
        static Map<List<Object>, List<Object>> rows(JsonNode rows) {
            Map<List<Object>, List<Object>> out = new HashMap<>();
            rows.forEach(r -> out.put(values(r.path("key")), values(r.path("values"))));
            return out;
        }

        private static List<Object> values(JsonNode array) {
            List<Object> out = new ArrayList<>();
            array.forEach(v -> out.add(value(v)));
            return out;
        }

        /** The page's encoding: {b} a BigInt, {t, us} a Timestamp, {d} a number; strings, booleans, null as is. */
        private static Object value(JsonNode v) {
            if (v.isNull()) {
                return null;
            }
            if (v.isTextual()) {
                return v.asText();
            }
            if (v.isBoolean()) {
                return v.asBoolean();
            }
            if (v.has("b")) {
                BigInteger b = new BigInteger(v.get("b").asText());
                return b.bitLength() < 64 ? (Object) b.longValueExact() : b;
            }
            if (v.has("t")) {
                Instant t = Instant.parse(v.get("t").asText());
                BigInteger us = new BigInteger(v.get("us").asText());
                BigInteger fromIso = BigInteger.valueOf(t.getEpochSecond()).multiply(BigInteger.valueOf(1_000_000))
                        .add(BigInteger.valueOf(t.getNano() / 1000));
                assertThat(us).as("Timestamp %s: epochMicros agrees with toISOString()", v).isEqualTo(fromIso);
                return t;
            }
            if (v.has("d")) {
                return Double.parseDouble(v.get("d").asText());
            }
            throw new AssertionError("unexpected value from the page: " + v);
        }
    }

    /** The test page in the shared browser, opened fresh (a new page: no connections, no recorders). */
    private record Page(URI server) {
        /** The same page, its client pointed at {@code live} (a proxy) instead of the server that served it. */
        Page via(URI live) {
            return new Page(live);
        }

        static Page open(URI server) {
            browser.open(server.resolve("/live-js-it/index.html"));
            Object loaded = browser.await(Duration.ofSeconds(20), """
                    for (let i = 0; i < 200 && !window.liveIt; i++) await new Promise(r => setTimeout(r, 50));
                    return Boolean(window.liveIt);""");
            assertThat(loaded).as("the test page loaded its module; console %s", browser.consoleLog()).isEqualTo(true);
            return new Page(server);
        }

        /** Connects; null when connected, else the client's error as {code, status, message}. */
        JsonNode connect(String name, String token, boolean marks) {
            return connectWith(name, "{token: args[1], url: args[2], capabilities: args[3] ? ['AGG_MARK_END'] : []}",
                    token, marks);
        }

        JsonNode connectWithBackoff(String name, String token, long initialMillis, long maxMillis) {
            return connectWith(name, "{token: args[1], url: args[2], capabilities: ['AGG_MARK_END'], "
                    + "reconnectInitialMillis: " + initialMillis + ", reconnectMaxMillis: " + maxMillis + "}", token,
                    true);
        }

        JsonNode connectWith(String name, String options, String token, boolean marks) {
            Object r = browser.await(Duration.ofSeconds(30),
                    "const e = await liveIt.connect(args[0], " + options + "); return e === null ? null : "
                            + "JSON.stringify(e);", name, token, server.toString(), marks);
            return r == null ? null : read((String) r);
        }

        void register(String name, String queryId, String sql) {
            browser.run("liveIt.register(arguments[0], arguments[1], arguments[2], null);", name, queryId, sql);
        }

        void table(String name, String queryId, String sql) {
            browser.run("liveIt.table(arguments[0], arguments[1], arguments[2]);", name, queryId, sql);
        }

        JsonNode tables() {
            return read((String) browser.run("return liveIt.tables();"));
        }

        void unregister(String name, String queryId) {
            browser.run("liveIt.unregister(arguments[0], arguments[1]);", name, queryId);
        }

        void closeConnection(String name) {
            browser.run("liveIt.close(arguments[0]);", name);
        }

        long messages() {
            return ((Number) browser.run("return liveIt.counts.messages;")).longValue();
        }

        /** Connection events as "event" or "event:code". */
        List<String> events(String name) {
            String json = (String) browser.run("return JSON.stringify(liveIt.events.filter(e => e.connection === "
                    + "arguments[0]));", name);
            List<String> out = new ArrayList<>();
            read(json).forEach(e -> out.add(e.path("event").asText()
                    + (e.path("code").isNull() || e.path("event").asText().equals("connectionError") ? ""
                    : ":" + e.path("code").asText())));
            return out;
        }

        State state(String name) {
            return next(name, -1, 1_000);
        }

        private State next(String name, long version, long waitMillis) {
            String json = (String) browser.await(Duration.ofMillis(waitMillis + 30_000),
                    "return await liveIt.next(args[0], args[1], args[2]);", name, version, waitMillis);
            return new State(read(json));
        }

        /** Waits, at most {@link #WAIT}, until the recorder's state satisfies {@code condition}; changes wake it. */
        State await(String name, String what, Predicate<State> condition) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            State s = state(name);
            while (!condition.test(s)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + WAIT + " waiting for " + what + "; page state: "
                            + abbreviate(s.json.toString()) + "; events " + events(name) + "; console "
                            + browser.consoleLog());
                }
                s = next(name, s.version, Math.min(Duration.ofNanos(left).toMillis() + 1, 5_000));
            }
            return s;
        }

        private static String abbreviate(String s) {
            return s.length() <= 4_000 ? s : s.substring(0, 4_000) + "…";
        }

        static JsonNode read(String json) {
            try {
                return JSON.readTree(json);
            } catch (java.io.IOException e) {
                throw new AssertionError("the page returned invalid JSON: " + json, e);
            }
        }
    }
}
