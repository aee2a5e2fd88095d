package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryType;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
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
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live queries end to end: a real server on a loopback port over DuckDB, real clients over WebSockets, ingest over
 * HTTP, rollups by the orchestrator. Results rebuilt by the client are compared with an oracle at every aggMarkEnd.
 */
class LiveQueriesIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final String BY_SITE = "SELECT site, COUNT(*) AS n, AVG(temp) AS avg_temp, MAX(power) AS max_power, "
            + "COUNT(*) FILTER (WHERE power > 50) AS hot FROM recent.%s GROUP BY site";
    static final String WARM = "SELECT rtId, site, temp FROM latest.%s WHERE temp > 20";
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String admin;
    private static TidemarkClient http;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir));
        admin = f.token("plant", Role.ADMIN);
        http = f.client(admin);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    static void createPlantArchive(TidemarkClient c, String name) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("site", "VARCHAR");
        cols.put("temp", "DOUBLE");
        cols.put("power", "DOUBLE");
        cols.put("seq", "BIGINT");
        c.createArchive(name, cols);
        c.activateArchive(name);
    }

    static Connection connect(String token, boolean marks) {
        return Connection.open(ConnectionConfig.builder(f.uri()).token(token)
                .capabilities(marks ? Set.of(ConnectionConfig.AGG_MARK_END) : Set.of()).build());
    }

    /** A batch of samples of 12 sensors on 3 sites, within the last two minutes, with some keys repeated. */
    static List<Row> batch(Random r, int seq, Instant now, List<Row> earlier) {
        List<Row> out = new ArrayList<>();
        int n = 5 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            Instant ts = now.minusMillis(r.nextInt(120_000)).truncatedTo(ChronoUnit.MILLIS);
            int sensor = r.nextInt(12);
            if (!earlier.isEmpty() && r.nextInt(5) == 0) {
                Row old = earlier.get(r.nextInt(earlier.size())); // same key: replaces the stored sample
                ts = old.timestamp();
                sensor = Integer.parseInt(old.rtId().substring(1));
            }
            Map<String, Object> v = new HashMap<>();
            v.put("site", "site-" + sensor % 3);
            v.put("temp", r.nextInt(20) == 0 ? null : Math.round((10 + r.nextDouble() * 20) * 100) / 100.0);
            v.put("power", Math.round(r.nextDouble() * 100 * 10) / 10.0);
            v.put("seq", (long) seq);
            out.add(Row.of("s" + sensor, ts, v));
        }
        return out;
    }

    @Test
    void everyAggMarkEnd_rebuiltResultsEqualTheOracleOverAPrefixOfTheBatches() {
        createPlantArchive(http, "oracle");
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = connect(admin, true)) {
            c.registerQuery(QueryConfig.of("bySite", BY_SITE.formatted("oracle")), rec);
            c.registerQuery(QueryConfig.of("warm", WARM.formatted("oracle")), rec);
            rec.await(WAIT, "both snapshots", r -> r.result("bySite") != null && r.result("warm") != null);

            Random random = new Random(42);
            Instant now = Instant.now();
            List<List<Row>> published = new ArrayList<>();
            List<Row> all = new ArrayList<>();
            for (int b = 0; b < 25; b++) {
                List<Row> rows = batch(random, b, now, all);
                c.publish("oracle", rows);
                published.add(rows);
                all.addAll(rows);
            }
            Oracle full = Oracle.of(published);
            rec.await(WAIT, "the results of every batch", r -> Oracle.same(r.marked("bySite"), full.bySite())
                    && Oracle.same(r.marked("warm"), full.warm()));

            // Streamed data read back through GraphQL gives the same results.
            Oracle stored = Oracle.ofRows(http.streamData("oracle", List.of(), now.minusSeconds(600),
                    now.plusSeconds(600), 10_000));
            assertThat(Oracle.same(rec.result("bySite"), stored.bySite())).isTrue();
            assertThat(Oracle.same(rec.result("warm"), stored.warm())).isTrue();

            // Each generation is a prefix of the batches, never going back.
            List<Oracle> prefixes = new ArrayList<>();
            for (int k = 0; k <= published.size(); k++) {
                prefixes.add(Oracle.of(published.subList(0, k)));
            }
            int k = 0;
            List<LiveRecorder.Snapshot> gens = rec.generations();
            for (LiveRecorder.Snapshot g : gens) {
                if (g.results().get("bySite") == null || g.results().get("warm") == null) {
                    // Registered one after the other, the two queries may get their snapshots in two generations;
                    // a generation before the second snapshot holds one query only (and no batch: publishing starts
                    // after both snapshots arrived), so there is no prefix to compare it with.
                    assertThat(g.results().values()).as("generation %d before both snapshots", g.generation())
                            .allSatisfy(r -> assertThat(r).isEmpty());
                    continue;
                }
                int match = -1;
                for (int p = k; p < prefixes.size() && match < 0; p++) {
                    if (Oracle.same(g.results().get("bySite"), prefixes.get(p).bySite())
                            && Oracle.same(g.results().get("warm"), prefixes.get(p).warm())) {
                        match = p;
                    }
                }
                assertThat(match).as("generation %d equals the oracle over batches 1..k for some k >= %d; it had "
                        + "bySite=%s warm=%s; prefix %d is bySite=%s warm=%s; prefix %d is bySite=%s warm=%s",
                        g.generation(), k, g.results().get("bySite"), g.results().get("warm"), k,
                        prefixes.get(k).bySite(), prefixes.get(k).warm(), Math.min(k + 1, prefixes.size() - 1),
                        prefixes.get(Math.min(k + 1, prefixes.size() - 1)).bySite(),
                        prefixes.get(Math.min(k + 1, prefixes.size() - 1)).warm()).isGreaterThanOrEqualTo(0);
                k = match;
            }
            assertThat(gens.size()).isGreaterThan(1);
            assertThat(rec.violations()).isEmpty();
        }
    }

    @Test
    void twoConnections_sameGenerationNumbersAndResults_andWithoutMarksTheSameRows() {
        createPlantArchive(http, "twins");
        String reader = f.token("plant", Role.READER);
        LiveRecorder a = new LiveRecorder(true);
        LiveRecorder b = new LiveRecorder(true);
        LiveRecorder plain = new LiveRecorder(false);
        try (Connection ca = connect(admin, true); Connection cb = connect(reader, true);
                Connection cp = connect(reader, false)) {
            ca.registerQuery(QueryConfig.of("q", BY_SITE.formatted("twins")), a);
            cb.registerQuery(QueryConfig.of("q", BY_SITE.formatted("twins")), b);
            cp.registerQuery(QueryConfig.of("q", BY_SITE.formatted("twins")), plain);
            a.await(WAIT, "a snapshot", r -> r.result("q") != null);
            b.await(WAIT, "b snapshot", r -> r.result("q") != null);
            plain.await(WAIT, "plain snapshot", r -> r.result("q") != null);
            long start = Math.max(a.lastGeneration(), b.lastGeneration());

            Random random = new Random(7);
            Instant now = Instant.now();
            List<List<Row>> published = new ArrayList<>();
            List<Row> all = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                List<Row> rows = batch(random, i, now, all);
                ca.publish("twins", rows);
                published.add(rows);
                all.addAll(rows);
            }
            Oracle full = Oracle.of(published);
            for (LiveRecorder r : List.of(a, b, plain)) {
                r.await(WAIT, "the final results", x -> Oracle.same(x.marked("q"), full.bySite()));
            }
            List<LiveRecorder.Snapshot> ga = a.generations().stream().filter(g -> g.generation() > start).toList();
            List<LiveRecorder.Snapshot> gb = b.generations().stream().filter(g -> g.generation() > start).toList();
            assertThat(ga).isNotEmpty();
            assertThat(ga.stream().map(LiveRecorder.Snapshot::generation).toList())
                    .isEqualTo(gb.stream().map(LiveRecorder.Snapshot::generation).toList());
            assertThat(ga).isEqualTo(gb);
            assertThat(plain.lastGeneration()).as("no marks without AGG_MARK_END").isEqualTo(-1);
            assertThat(plain.result("q")).isEqualTo(a.result("q"));
            assertThat(List.of(a.violations(), b.violations(), plain.violations())).allMatch(List::isEmpty);
        }
    }

    @Test
    void rollupRows_reachALiveQueryOnTheRollupArchive() {
        createPlantArchive(http, "line");
        http.createRollupArchive(RollupSpec.builder("line_1m", "line", "PT1M").aggregate("COUNT", null, "n")
                .aggregate("AVG", "temp", "avg_temp").aggregate("MAX", "power", "max_power")
                .watermarkLag(Duration.ZERO).build());
        http.activateRollup("line_1m");
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = connect(admin, true)) {
            c.registerQuery(QueryConfig.of("m", "SELECT rtId, timestamp, n, avg_temp, max_power FROM recent.line_1m"),
                    rec);
            rec.await(WAIT, "an empty snapshot", r -> r.result("m") != null);
            Instant now = Instant.now();
            Instant from = now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                rows.add(Row.of("s" + i % 4, from.plusSeconds(i), Map.of("site", "a", "temp", 20.0 + i % 7,
                        "power", (double) i, "seq", (long) i)));
            }
            c.publish("line", rows);
            assertThat(http.processRollup("line_1m")).isGreaterThan(0);

            List<Row> stored = http.streamData("line_1m", List.of(), from.minusSeconds(3600), now.plusSeconds(60),
                    10_000);
            assertThat(stored).hasSize(16); // 4 minutes x 4 sensors
            Map<List<Object>, List<Object>> expected = new HashMap<>();
            for (Row s : stored) {
                expected.put(List.of(s.timestamp(), s.rtId()), java.util.Arrays.asList(s.rtId(), s.timestamp(),
                        ((Number) s.values().get("n")).longValue(), ((Number) s.values().get("avg_temp")).doubleValue(),
                        ((Number) s.values().get("max_power")).doubleValue()));
            }
            rec.await(WAIT, "the rollup rows", r -> Oracle.same(r.result("m"), expected));
            assertThat(rec.violations()).isEmpty();
        }
    }

    /** Late rows below the rollup's watermark: the recompute's buckets reach the live query too (RollupListener). */
    @Test
    void rollupRecompute_lateRowsReachALiveQueryOnTheRollupArchive() {
        createPlantArchive(http, "late");
        http.createRollupArchive(RollupSpec.builder("late_1m", "late", "PT1M").aggregate("COUNT", null, "n")
                .aggregate("MAX", "power", "max_power").watermarkLag(Duration.ZERO).build());
        http.activateRollup("late_1m");
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = connect(admin, true)) {
            c.registerQuery(QueryConfig.of("m", "SELECT rtId, timestamp, n, max_power FROM recent.late_1m"), rec);
            rec.await(WAIT, "an empty snapshot", r -> r.result("m") != null);
            Instant now = Instant.now();
            Instant from = now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
            c.publish("late", List.of(Row.of("s0", from.plusSeconds(10), Map.of("site", "a", "power", 1.0)),
                    Row.of("s0", from.plusSeconds(70), Map.of("site", "a", "power", 2.0))));
            assertThat(http.processRollup("late_1m")).isGreaterThan(0);
            rec.await(WAIT, "the rollup rows", r -> r.result("m") != null && r.result("m").size() == 2);

            c.publish("late", List.of(Row.of("s0", from.plusSeconds(20), Map.of("site", "a", "power", 50.0))));
            http.processRollup("late_1m");

            Map<List<Object>, List<Object>> expected = new HashMap<>();
            for (Row s : http.streamData("late_1m", List.of(), from.minusSeconds(3600), now.plusSeconds(60), 100)) {
                expected.put(List.of(s.timestamp(), s.rtId()), java.util.Arrays.asList(s.rtId(), s.timestamp(),
                        ((Number) s.values().get("n")).longValue(),
                        ((Number) s.values().get("max_power")).doubleValue()));
            }
            assertThat(expected).containsValue(java.util.Arrays.asList("s0", from, 2L, 50.0));
            rec.await(WAIT, "the recomputed bucket", r -> Oracle.same(r.result("m"), expected));
            assertThat(rec.violations()).isEmpty();
        }
    }

    @Test
    void snapshotQuery_deliversOnceThenEnds_andDeletingAnArchiveEndsItsQueriesWithNotFound() {
        createPlantArchive(http, "doomed");
        http.publish("doomed", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.of("site", "x", "temp", 21.0))));
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = connect(admin, true)) {
            c.registerQuery(new QueryConfig("once", "SELECT rtId, temp FROM latest.doomed", QueryType.SNAPSHOT), rec);
            c.registerQuery(QueryConfig.of("live", "SELECT COUNT(*) AS n FROM recent.doomed"), rec);
            rec.await(WAIT, "both snapshots", r -> r.result("once") != null && r.result("live") != null);
            assertThat(rec.result("once")).containsOnlyKeys(List.of("s1"));
            http.deleteArchive("doomed");
            rec.await(WAIT, "the query to end", r -> r.error("live") != null);
            assertThat(rec.error("live").code()).isEqualTo("NOT_FOUND");
            assertThat(rec.error("once")).isNull();
        }
    }

    @Test
    void validateLiveQuery_givesTheSchemaOrTheErrorWithItsPosition() {
        createPlantArchive(http, "checked");
        JsonNode ok = http.graphql("query($s: String!) { validateLiveQuery(sql: $s) { valid schema { columns { name "
                + "type } keyColumns ordered } error { code } } }", Map.of("s", BY_SITE.formatted("checked")))
                .path("validateLiveQuery");
        assertThat(ok.path("valid").asBoolean()).isTrue();
        assertThat(ok.path("schema").path("columns").toString()).isEqualTo("[{\"name\":\"site\",\"type\":\"VARCHAR\"},"
                + "{\"name\":\"n\",\"type\":\"BIGINT\"},{\"name\":\"avg_temp\",\"type\":\"DOUBLE\"},"
                + "{\"name\":\"max_power\",\"type\":\"DOUBLE\"},{\"name\":\"hot\",\"type\":\"BIGINT\"}]");
        assertThat(ok.path("schema").path("keyColumns").toString()).isEqualTo("[\"site\"]");

        JsonNode bad = http.graphql("query($s: String!) { validateLiveQuery(sql: $s) { valid error { code message "
                + "line column } } }", Map.of("s", "SELECT COALESCE(temp, 0) FROM recent.checked"))
                .path("validateLiveQuery");
        assertThat(bad.path("valid").asBoolean()).isFalse();
        assertThat(bad.path("error").path("code").asText()).isEqualTo("INVALID_QUERY");
        assertThat(bad.path("error").path("line").asInt()).isEqualTo(1);
        assertThat(bad.path("error").path("column").asInt()).isEqualTo(8);

        JsonNode missing = http.graphql("query($s: String!) { validateLiveQuery(sql: $s) { valid error { code } } }",
                Map.of("s", "SELECT * FROM recent.nowhere")).path("validateLiveQuery");
        assertThat(missing.path("error").path("code").asText()).isEqualTo("NOT_FOUND");
    }
}
