package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.cluster.KafkaBroker;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.TestStores;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rollups in cluster mode (docs/scale-out.md, "Committed buckets in live tables"): the orchestrator's node appends
 * the committed buckets as {@code ROLLUP} records, and every node — the orchestrator's too — applies them at a cut.
 * Two servers on one embedded PostgreSQL and one real Kafka broker; live queries on the rollup archive on both; the
 * store's own {@code GROUP BY} of the raw archive is the oracle, after the forward path and after a recompute of
 * late samples.
 */
class ClusterRollupIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ROWS = "SELECT rtId, timestamp, n, s, mx, mean FROM recent.raw_1m";
    private static final String BY_RT = "SELECT rtId, COUNT(*) AS buckets, SUM(s) AS s, MAX(mx) AS mx "
            + "FROM recent.raw_1m GROUP BY rtId";
    private static final TenantId PLANT = TenantId.of("plant");
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void rollupRecords_forwardAndRecompute_liveRollupQueriesOnEveryNodeEqualTheStoresGroupBy_atOneGeneration()
            throws SQLException {
        String url = TestStores.postgresDatabase();
        String topic = "rollups";
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a"));
                ServerFixture b = new ServerFixture(TestStores.open(url), cluster(topic, "b"))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            TidemarkClient onB = b.client(token);
            onA.createArchive("raw", Map.of("temp", "DOUBLE"));
            onA.activateArchive("raw");
            onA.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "n")
                    .aggregate("SUM", "temp", "s").aggregate("MAX", "temp", "mx").aggregate("AVG", "temp", "mean")
                    .watermarkLag(Duration.ZERO).build());
            onA.activateRollup("raw_1m");
            awaitValid(onA, BY_RT);
            awaitValid(onB, BY_RT);

            LiveRecorder recA = new LiveRecorder(true);
            LiveRecorder recB = new LiveRecorder(true);
            try (Connection ca = connect(a, token); Connection cb = connect(b, token)) {
                for (Connection c : List.of(ca, cb)) {
                    LiveRecorder rec = c == ca ? recA : recB;
                    c.registerQuery(QueryConfig.of("rows", ROWS), rec);
                    c.registerQuery(QueryConfig.of("byRt", BY_RT), rec);
                }

                // Forward path: batches through both nodes, samples in five minutes, then one rollup run.
                Random random = new Random(15);
                Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(8));
                int keys = 0;
                for (int i = 0; i < 8; i++) {
                    List<Row> rows = new ArrayList<>();
                    for (int r = 0; r < 12; r++) {
                        // Distinct keys (the batch index in the millis); temps in quarters, so sums are exact.
                        rows.add(Row.of("s" + random.nextInt(10), t0.plusSeconds(random.nextInt(360)).plusMillis(
                                i * 20 + r), Map.of("temp", random.nextInt(80) / 4.0)));
                    }
                    (i % 2 == 0 ? onA : onB).publish("raw", rows);
                    keys += rows.size();
                }
                awaitStored(a, keys);
                assertThat(onB.processRollup("raw_1m")).as("buckets committed").isPositive();
                GroupBy expected = GroupBy.read(url);
                assertThat(expected.rows()).hasSizeGreaterThan(40);
                for (LiveRecorder rec : List.of(recA, recB)) {
                    rec.await(WAIT, "the committed buckets on every node", r -> expected.matches(r));
                }

                // Recompute path: late samples into buckets already aggregated, through both nodes.
                onA.publish("raw", List.of(Row.of("s0", t0.plusSeconds(70).plusMillis(999), Map.of("temp", 100.0)),
                        Row.of("s1", t0.plusSeconds(190).plusMillis(999), Map.of("temp", 50.25))));
                onB.publish("raw", List.of(Row.of("s2", t0.plusSeconds(75).plusMillis(999), Map.of("temp", -3.5)),
                        Row.of("s10", t0.plusSeconds(130).plusMillis(999), Map.of("temp", 7.0))));
                awaitStored(a, keys + 4);
                assertThat(onA.processRollup("raw_1m")).as("buckets recomputed").isPositive();
                GroupBy late = GroupBy.read(url);
                assertThat(late.rows()).isNotEqualTo(expected.rows());
                assertThat(late.rows()).containsKey(List.of(t0.plusSeconds(120), "s10"));
                for (LiveRecorder rec : List.of(recA, recB)) {
                    rec.await(WAIT, "the recomputed buckets on every node", r -> late.matches(r));
                }

                assertThat(appended(a) + appended(b)).as("ROLLUP records: the forward range split in pieces "
                        + "(cluster.max-record-bytes 1 KiB), the recomputed one").isGreaterThanOrEqualTo(3);
                assertThat(recA.violations()).isEmpty();
                assertThat(recB.violations()).isEmpty();
                assertThat(firstGeneration(recA, expected)).as("the generation holding the committed buckets")
                        .isEqualTo(firstGeneration(recB, expected)).isPositive();
                assertThat(firstGeneration(recA, late)).as("the generation holding the recomputed buckets")
                        .isEqualTo(firstGeneration(recB, late)).isPositive();
                Map<Long, Map<String, Map<List<Object>, List<Object>>>> onNodeA = byGeneration(recA);
                Map<Long, Map<String, Map<List<Object>, List<Object>>>> onNodeB = byGeneration(recB);
                Set<Long> both = new TreeSet<>(onNodeA.keySet());
                both.retainAll(onNodeB.keySet());
                assertThat(both).contains(firstGeneration(recA, expected), firstGeneration(recA, late));
                for (long g : both) {
                    assertThat(onNodeB.get(g)).as("generation %d on B equals A's", g).isEqualTo(onNodeA.get(g));
                }
            }
        }
    }

    /**
     * The log unavailable, two nodes: a recompute's append is retried for three produce timeouts, then its range is
     * marked stale again (issue 15) — each run during the outage recomputes it once more and fails within that window,
     * without counting as the rollup's failure —; a forward run's append fails, so its watermark stays. Once the
     * broker is back, the next runs recompute the range and append it, and the forward path appends the rest: every
     * node's live rollup rows equal the store's GROUP BY, the recomputed bucket included.
     */
    @Test
    void rollupRecords_logUnavailable_recomputeMarkedStaleAgainAndAppendedLater_forwardKeepsTheWatermark()
            throws SQLException {
        String url = TestStores.postgresDatabase();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), outage("a"));
                ServerFixture b = new ServerFixture(TestStores.open(url), outage("b"))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("raw", Map.of("temp", "DOUBLE"));
            onA.activateArchive("raw");
            for (String bucket : List.of("1m", "2m")) {
                onA.createRollupArchive(RollupSpec.builder("raw_" + bucket, "raw", "PT" + bucket.toUpperCase())
                        .aggregate("COUNT", null, "n").aggregate("SUM", "temp", "s").aggregate("MAX", "temp", "mx")
                        .aggregate("AVG", "temp", "mean").watermarkLag(Duration.ZERO).build());
                onA.activateRollup("raw_" + bucket);
            }
            TidemarkClient onB = b.client(token);
            awaitValid(onA, ROWS);
            awaitValid(onB, ROWS);
            LiveRecorder recA = new LiveRecorder(true);
            LiveRecorder recB = new LiveRecorder(true);
            try (Connection ca = connect(a, token); Connection cb = connect(b, token)) {
                ca.registerQuery(QueryConfig.of("rows", ROWS), recA);
                cb.registerQuery(QueryConfig.of("rows", ROWS), recB);
                Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(8));
                List<Row> rows = new ArrayList<>();
                for (int m = 0; m < 6; m++) {
                    rows.add(Row.of("s0", t0.plusSeconds(60L * m + 5), Map.of("temp", (double) m)));
                    rows.add(Row.of("s1", t0.plusSeconds(60L * m + 6), Map.of("temp", m + 0.5)));
                }
                onA.publish("raw", rows);
                awaitStored(a, rows.size());
                Instant third = t0.plusSeconds(180);
                assertThat(onA.processRollup("raw_1m")).as("the first three buckets").isEqualTo(3);
                GroupBy first = GroupBy.read(url);
                for (LiveRecorder rec : List.of(recA, recB)) {
                    rec.await(WAIT, "the first three buckets", r -> Oracle.same(r.marked("rows"),
                            first.before(third)));
                }

                onA.publish("raw", List.of(Row.of("s0", t0.plusSeconds(70), Map.of("temp", 40.0))));
                awaitStored(a, rows.size() + 1);
                Instant recomputedFrom = t0.plusSeconds(60);
                assertThat(onA.rollup("raw_1m").staleRanges()).extracting(RollupView.StaleRange::from)
                        .containsExactly(recomputedFrom);
                broker.stop();
                try {
                    onA.processRollup("raw_1m"); // the recompute: retried, then marked stale again
                    assertThat(failed(a, "recompute")).isEqualTo(1);
                    assertThat(onA.rollup("raw_1m").staleRanges()).as("the recompute committed, its range could "
                            + "not be appended: marked stale again").singleElement().satisfies(r -> {
                                assertThat(r.from()).isEqualTo(recomputedFrom);
                                assertThat(r.to()).isEqualTo(t0.plusSeconds(120));
                            });
                    onA.processRollup("raw_1m"); // again: one more retry window, the range stays, no loop
                    assertThat(failed(a, "recompute")).isEqualTo(2);
                    assertThat(onA.rollup("raw_1m").staleRanges()).hasSize(1);
                    assertThat(onA.rollup("raw_1m").watermark()).isEqualTo(third);
                    onA.processRollup("raw_2m"); // the forward path: thrown, the watermark stays
                    assertThat(failed(a, "forward")).isEqualTo(1);
                    assertThat(onA.rollup("raw_2m").watermark()).isNull();
                    for (String rollup : List.of("raw_1m", "raw_2m")) {
                        assertThat(onA.rollup(rollup)).as("a log outage is not the rollup's failure").satisfies(r -> {
                            assertThat(r.consecutiveFailures()).isZero();
                            assertThat(r.status()).isEqualTo("ACTIVATED");
                        });
                    }
                } finally {
                    broker.restart();
                }
                Instant end = t0.plusSeconds(360);
                await("the next runs recompute the range again and append it, then the forward path the rest")
                        .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                            onA.processRollup("raw_1m");
                            RollupView r = onA.rollup("raw_1m");
                            return r.staleRanges().isEmpty() && r.watermark() != null
                                    && !r.watermark().isBefore(end); // past the samples: jumps to floor(now)
                        });
                await("a forward run appends once the broker is back").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).until(() -> onA.processRollup("raw_2m") > 0);
                GroupBy all = GroupBy.read(url);
                List<Object> recomputed = List.of(recomputedFrom, "s0");
                assertThat(all.rows().get(recomputed)).isNotEqualTo(first.rows().get(recomputed));
                for (LiveRecorder rec : List.of(recA, recB)) {
                    rec.await(WAIT, "every bucket, the recompute lost during the outage included, on every node",
                            r -> Oracle.same(r.marked("rows"), all.rows()));
                    assertThat(rec.violations()).isEmpty();
                }
                assertThat(lost(a)).as("the store took the mark: nothing lost").isZero();
            }
        }
    }

    private static ServerConfig.Builder outage(String node) {
        ServerConfig.Builder config = cluster("rollups-outage", node).rollupMaxBucketsPerStatement(3)
                .rollupMaxBucketsPerTick(3);
        config.cluster().produceTimeout(Duration.ofSeconds(1));
        return config;
    }

    private static double lost(ServerFixture f) {
        return f.server.meterRegistry().get("tidemark.cluster.rollup.recompute.lost").counter().count();
    }

    private static double failed(ServerFixture f, String path) {
        return f.server.meterRegistry().get("tidemark.cluster.rollup.append.failed").tag("path", path).counter()
                .count();
    }

    /** The store's GROUP BY of the raw archive, as the two live queries would show it. */
    private record GroupBy(Map<List<Object>, List<Object>> rows, Map<List<Object>, List<Object>> byRt) {
        static GroupBy read(String url) throws SQLException {
            Map<List<Object>, List<Object>> rows = new HashMap<>();
            Map<List<Object>, List<Object>> byRt = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
            try (java.sql.Connection c = DriverManager.getConnection(url);
                    PreparedStatement ps = c.prepareStatement("SELECT date_trunc('minute', \"timestamp\"), \"rtId\", "
                            + "count(*), sum(temp), max(temp), avg(temp) FROM \"plant\".\"raw\" GROUP BY 1, 2");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant bucket = rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                    String rtId = rs.getString(2);
                    double s = rs.getDouble(4);
                    double mx = rs.getDouble(5);
                    rows.put(List.of(bucket, rtId), Arrays.asList(rtId, bucket, rs.getLong(3), s, mx,
                            rs.getDouble(6)));
                    List<Object> prev = byRt.get(List.of(rtId));
                    byRt.put(List.of(rtId), prev == null ? Arrays.asList(rtId, 1L, s, mx)
                            : Arrays.asList(rtId, (Long) prev.get(1) + 1, (Double) prev.get(2) + s,
                                    Math.max((Double) prev.get(3), mx)));
                }
            }
            return new GroupBy(Map.copyOf(rows), Map.copyOf(byRt));
        }

        /** The rows of buckets starting before {@code end}. */
        Map<List<Object>, List<Object>> before(Instant end) {
            Map<List<Object>, List<Object>> out = new HashMap<>();
            rows.forEach((k, v) -> {
                if (((Instant) k.get(0)).isBefore(end)) {
                    out.put(k, v);
                }
            });
            return out;
        }

        boolean matches(LiveRecorder r) {
            return Oracle.same(r.marked("rows"), rows)
                    && Oracle.same(r.marked("byRt"), byRt);
        }

        boolean matches(Map<String, Map<List<Object>, List<Object>>> generation) {
            return Oracle.same(generation.get("rows"), rows)
                    && Oracle.same(generation.get("byRt"), byRt);
        }
    }

    /** The number of the first generation whose results equal {@code expected}, or -1. */
    private static long firstGeneration(LiveRecorder rec, GroupBy expected) {
        return rec.generations().stream().filter(s -> expected.matches(s.results())).mapToLong(
                LiveRecorder.Snapshot::generation).findFirst().orElse(-1);
    }

    private static Map<Long, Map<String, Map<List<Object>, List<Object>>>> byGeneration(LiveRecorder rec) {
        Map<Long, Map<String, Map<List<Object>, List<Object>>>> out = new TreeMap<>();
        for (LiveRecorder.Snapshot s : rec.generations()) {
            out.put(s.generation(), s.results());
        }
        return out;
    }

    private static double appended(ServerFixture f) {
        return f.server.meterRegistry().get("tidemark.cluster.rollup.records").counter().count();
    }

    private static void awaitStored(ServerFixture f, int rows) {
        await("the writers stored " + rows + " raw rows").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> f.store.archives().read(PLANT, new ReadRequest("raw", List.of(), Instant.EPOCH,
                        Instant.parse("2100-01-01T00:00:00Z"), 10_000, null)).size() == rows);
    }

    private static Connection connect(ServerFixture f, String token) {
        return Connection.open(ConnectionConfig.builder(f.uri()).token(token)
                .capabilities(Set.of(ConnectionConfig.AGG_MARK_END)).build());
    }

    private static void awaitValid(TidemarkClient c, String sql) {
        await("the node made the archive live: " + sql).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> c.graphql("query($s: String!) { v: validateLiveQuery(sql: $s) { valid } }",
                        Map.of("s", sql)).path("v").path("valid").asBoolean());
    }

    private static ServerConfig.Builder cluster(String topic, String node) {
        ServerConfig.Builder b = ServerConfig.builder().liveArchiveSync(Duration.ofMillis(200));
        b.cluster().kafka(broker.bootstrapServers()).topic(topic).partitions(3).replicationFactor(1)
                .group("writers-" + topic).nodeId(node).produceTimeout(Duration.ofSeconds(10))
                .maxRecordBytes(1024); // the smallest allowed: the committed range goes out in several pieces
        return b;
    }
}
