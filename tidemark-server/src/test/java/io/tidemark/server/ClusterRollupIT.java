package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.RollupSpec;
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
     * The log unavailable: a forward run's append fails, so the watermark stays and the next run after the broker is
     * back appends the buckets; a recompute's append is retried for three produce timeouts, then counted as lost —
     * the gap scale-out.md documents: the stale range is consumed, and the live tables keep the older bucket. Neither
     * counts as the rollup's failure.
     */
    @Test
    void rollupRecords_logUnavailable_forwardKeepsTheWatermarkAndAppendsLater_recomputeRetriedThenCountedAsLost()
            throws SQLException {
        String url = TestStores.postgresDatabase();
        ServerConfig.Builder config = cluster("rollups-outage", "a").rollupMaxBucketsPerStatement(3)
                .rollupMaxBucketsPerTick(3);
        config.cluster().produceTimeout(Duration.ofSeconds(1));
        try (ServerFixture a = new ServerFixture(TestStores.open(url), config)) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("raw", Map.of("temp", "DOUBLE"));
            onA.activateArchive("raw");
            onA.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "n")
                    .aggregate("SUM", "temp", "s").aggregate("MAX", "temp", "mx").aggregate("AVG", "temp", "mean")
                    .watermarkLag(Duration.ZERO).build());
            onA.activateRollup("raw_1m");
            awaitValid(onA, ROWS);
            LiveRecorder rec = new LiveRecorder(true);
            try (Connection c = connect(a, token)) {
                c.registerQuery(QueryConfig.of("rows", ROWS), rec);
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
                rec.await(WAIT, "the first three buckets", r -> Oracle.same(r.marked("rows"), first.before(third)));

                onA.publish("raw", List.of(Row.of("s0", t0.plusSeconds(70), Map.of("temp", 40.0))));
                awaitStored(a, rows.size() + 1);
                assertThat(onA.rollup("raw_1m").staleRanges()).isNotEmpty();
                broker.stop();
                try {
                    onA.processRollup("raw_1m"); // the recompute: retried, then lost for the live tables
                    assertThat(failed(a, "recompute")).isEqualTo(1);
                    assertThat(onA.rollup("raw_1m").staleRanges()).as("the recompute committed").isEmpty();
                    onA.processRollup("raw_1m"); // the forward path: thrown, the watermark stays
                    assertThat(failed(a, "forward")).isEqualTo(1);
                    assertThat(onA.rollup("raw_1m").watermark()).isEqualTo(third);
                    assertThat(onA.rollup("raw_1m")).as("a log outage is not the rollup's failure").satisfies(r -> {
                        assertThat(r.consecutiveFailures()).isZero();
                        assertThat(r.status()).isEqualTo("ACTIVATED");
                    });
                } finally {
                    broker.restart();
                }
                await("a forward run appends once the broker is back").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).until(() -> onA.processRollup("raw_1m") > 0);
                assertThat(onA.rollup("raw_1m").watermark()).isEqualTo(t0.plusSeconds(360));
                GroupBy all = GroupBy.read(url);
                Map<List<Object>, List<Object>> live = new HashMap<>(all.rows());
                List<Object> recomputed = List.of(t0.plusSeconds(60), "s0");
                live.put(recomputed, first.rows().get(recomputed));
                assertThat(all.rows().get(recomputed)).isNotEqualTo(first.rows().get(recomputed));
                rec.await(WAIT, "the later buckets appended, the lost recompute not", r -> Oracle.same(
                        r.marked("rows"), live));
                assertThat(rec.violations()).isEmpty();
            }
        }
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
