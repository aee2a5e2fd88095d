package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.cluster.KafkaBroker;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.cluster.ClusterNode;
import io.tidemark.store.LogPosition;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode (docs/scale-out.md): servers started with {@code cluster.kafka} on one embedded PostgreSQL and one
 * real Kafka broker ({@link KafkaBroker}, one for the class) validate a batch as today, append it to the log, answer
 * once the log acknowledged it, and the writers' group puts it into the store exactly once; every node's live tables
 * follow the log, so live clients of one tenant on different nodes see the same generations.
 */
class ClusterModeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger TOPICS = new AtomicInteger();
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
    void ingest_everyWayInOnTwoNodes_acknowledgedThroughTheLog_storedOnceByTheWriters() {
        String url = TestStores.postgresDatabase();
        String topic = "ingest-" + TOPICS.incrementAndGet();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a"));
                ServerFixture b = new ServerFixture(TestStores.open(url), cluster(topic, "b"))) {
            assertThat(a.server.cluster()).isPresent();
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("temps", Map.of("temp", "DOUBLE"));
            onA.activateArchive("temps");
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
            Map<String, Double> expected = new TreeMap<>();

            // The Java client (HTTP NDJSON) on A, a key repeated later in the batch: the last value wins.
            onA.publish("temps", List.of(Row.of("s1", t0, Map.of("temp", 1.0)),
                    Row.of("s2", t0, Map.of("temp", 2.0)), Row.of("s1", t0, Map.of("temp", 1.5))));
            expected.put("s1@" + t0, 1.5);
            expected.put("s2@" + t0, 2.0);
            // CSV on B.
            Instant t1 = t0.plusSeconds(1);
            HttpResponse<String> csv = b.send("POST", "/api/v1/archives/temps/samples", token, "text/csv",
                    "rtId,timestamp,temp\ns3," + t1 + ",3.0\n");
            assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
            expected.put("s3@" + t1, 3.0);
            // Line protocol on B.
            Instant t2 = t0.plusSeconds(2);
            HttpResponse<String> line = b.send("POST", "/api/v2/write?org=o&bucket=b&precision=ms", token,
                    "text/plain", "temps,rtId=s4 temp=4.0 " + t2.toEpochMilli() + "\n");
            assertThat(line.statusCode()).as(line.body()).isEqualTo(204);
            // GraphQL on A, re-sending s2 with another value: it replaces itself.
            HttpResponse<String> gql = a.graphql(token, "mutation { ingestSamples(archive: \"temps\", samples: "
                    + "[{rtId: \"s2\", timestamp: \"" + t0 + "\", values: {temp: 2.5}}]) { written } }");
            assertThat(gql.body()).contains("\"written\":1");
            expected.put("s2@" + t0, 2.5);
            expected.put("rtId=s4@" + t2, 4.0); // line protocol's default rtId: the canonical tag set

            TenantId plant = TenantId.of("plant");
            await("the writers stored every acknowledged batch").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(stored(a, plant)).isEqualTo(expected));
            LogPosition position = a.store.logWriter().position(plant);
            assertThat(position.nextOffset()).as("four BATCH records, one per request, written").isGreaterThan(3);
            // The writers' status is refreshed every loop, at most a poll after the store commit.
            await("each record written once between the two writers").atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertThat(
                            a.server.cluster().orElseThrow().writer().status().recordsWritten()
                            + b.server.cluster().orElseThrow().writer().status().recordsWritten()).isEqualTo(4));

            // Placement: the group gives each partition to one writer, whose node alone ticks its tenants' rollups.
            ClusterNode na = a.server.cluster().orElseThrow();
            ClusterNode nb = b.server.cluster().orElseThrow();
            await("the group assigned every partition to one of the two nodes").atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                        java.util.Set<Integer> ofA = na.ownedPartitions();
                        java.util.Set<Integer> ofB = nb.ownedPartitions();
                        assertThat(java.util.Collections.disjoint(ofA, ofB)).as("A owns %s, B owns %s", ofA, ofB)
                                .isTrue();
                        java.util.Set<Integer> all = new java.util.TreeSet<>(ofA);
                        all.addAll(ofB);
                        assertThat(all).containsExactly(0, 1, 2);
                    });
            assertThat(na.owns(plant)).isNotEqualTo(nb.owns(plant));

            for (ServerFixture f : List.of(a, b)) {
                assertThat(f.server.meterRegistry().get("tidemark.cluster.produce").tag("result", "acknowledged")
                        .counter().count()).as("two requests appended through each node").isEqualTo(2);
            }
            await("the partitions.written gauges").atMost(WAIT).untilAsserted(() -> assertThat(
                    a.server.meterRegistry().get("tidemark.cluster.partitions.written").gauge().value()
                    + b.server.meterRegistry().get("tidemark.cluster.partitions.written").gauge().value())
                    .isEqualTo(3.0));
            assertThat(a.server.meterRegistry().get("tidemark.cluster.rejected").tag("reason", "not_found")
                    .functionCounter().count()).isZero();
        }
    }

    @Test
    void ingest_belowTheRetentionHorizon_refusedBeforeTheLog_nothingAppended() {
        String url = TestStores.postgresDatabase();
        String topic = "retention-" + TOPICS.incrementAndGet();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a"))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("kept", Map.of("temp", "DOUBLE"));
            onA.activateArchive("kept");
            onA.setArchiveRetention("kept", Duration.ofHours(1));
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

            HttpResponse<String> old = a.send("POST", "/api/v1/archives/kept/samples", token,
                    "application/x-ndjson", "{\"rtId\":\"old\",\"timestamp\":\"" + now.minus(Duration.ofHours(2))
                            + "\",\"temp\":1}\n");
            assertThat(old.statusCode()).as(old.body()).isEqualTo(400);
            assertThat(old.body()).contains("INVALID_BATCH", "retention");

            onA.publish("kept", List.of(Row.of("new", now, Map.of("temp", 2.0))));
            await("the good batch stored").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(stored(a, TenantId.of("plant"), "kept"))
                            .isEqualTo(Map.of("new@" + now, 2.0)));
            await("the writer's status counts the good batch").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> a.server.cluster().orElseThrow().writer().status().recordsWritten() >= 1);
            assertThat(a.server.cluster().orElseThrow().writer().status().recordsWritten())
                    .as("only the good batch reached the log").isEqualTo(1);
        }
    }

    @Test
    void ingest_brokerStopped_503LogUnavailableWithRetryAfterWithinTheProduceTimeout_thenAcceptedAgain() {
        String url = TestStores.postgresDatabase();
        String topic = "outage-" + TOPICS.incrementAndGet();
        ServerConfig.Builder config = cluster(topic, "a");
        config.cluster().produceTimeout(Duration.ofSeconds(2));
        try (ServerFixture a = new ServerFixture(TestStores.open(url), config)) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("temps", Map.of("temp", "DOUBLE"));
            onA.activateArchive("temps");
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            onA.publish("temps", List.of(Row.of("before", t0, Map.of("temp", 1.0))));

            broker.stop();
            HttpResponse<String> refused;
            long took;
            try {
                long start = System.nanoTime();
                refused = a.send("POST", "/api/v1/archives/temps/samples", token, "application/x-ndjson",
                        "{\"rtId\":\"during\",\"timestamp\":\"" + t0 + "\",\"temp\":2}\n");
                took = System.nanoTime() - start;
            } finally {
                broker.restart();
            }
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("LOG_UNAVAILABLE");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(a.server.meterRegistry().get("tidemark.cluster.produce").tag("result", "unavailable")
                    .counter().count()).isEqualTo(1);
            assertThat(Duration.ofNanos(took)).as("answered within the produce timeout (plus the request's own work)")
                    .isLessThan(Duration.ofSeconds(2).plusSeconds(5));

            await("the node appends again after the broker's restart").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> a.send("POST", "/api/v1/archives/temps/samples",
                            token, "application/x-ndjson", "{\"rtId\":\"after\",\"timestamp\":\"" + t0
                                    + "\",\"temp\":3}\n").statusCode() == 200);
            await("the writer stored what was acknowledged").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(stored(a, TenantId.of("plant"))).containsEntry("before@" + t0, 1.0)
                            .containsEntry("after@" + t0, 3.0));
        }
    }

    @Test
    void start_clusterModeOnDuckDb_refusedNamingJdbcUrl(@TempDir Path dir) {
        ServerConfig config = ServerConfig.builder().port(0).sqlPort(0).dataDir(dir).bootstrapToken(false)
                .cluster(io.tidemark.server.cluster.ClusterConfig.builder().kafka("127.0.0.1:1").build()).build();
        assertThatThrownBy(() -> TidemarkServer.builder(config).build().start())
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("--jdbc-url", "PostgreSQL", "DuckDB");
                });
        assertThat(dir.resolve("tidemark.duckdb")).as("no store was created").doesNotExist();

        try (var duck = TestStores.duckDb(dir)) {
            assertThatThrownBy(() -> TidemarkServer.builder(config).store(duck).build().start())
                    .isInstanceOfSatisfying(TidemarkException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).contains("--jdbc-url");
                    });
        }
        try (var other = TestStores.duckDb(dir.resolve("other"))) {
            assertThatThrownBy(() -> ClusterNode.requirePostgres(other)).hasMessageContaining("--jdbc-url");
        }
    }

    @Test
    void live_clientsOnTwoNodes_seeBatchesIngestedOnEither_identicalGenerations_eachAPrefixOfTheAcknowledged()
            throws Exception {
        String url = TestStores.postgresDatabase();
        String topic = "live-" + TOPICS.incrementAndGet();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a"));
                ServerFixture b = new ServerFixture(TestStores.open(url), cluster(topic, "b"))) {
            String token = a.token("plant", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("temps", Map.of("temp", "DOUBLE"));
            onA.activateArchive("temps");
            String sql = "SELECT rtId, temp FROM latest.temps";
            awaitValid(b.client(token), sql);
            LiveRecorder recA = new LiveRecorder(true);
            LiveRecorder recB = new LiveRecorder(true);
            List<Map<List<Object>, List<Object>>> prefixes = new java.util.ArrayList<>();
            try (io.tidemark.client.Connection ca = connect(a, token);
                    io.tidemark.client.Connection cb = connect(b, token)) {
                ca.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), recA);
                cb.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), recB);

                // Acknowledged one after the other, alternating nodes: the log's order is this order.
                java.util.Random random = new java.util.Random(15);
                Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(30);
                Map<List<Object>, List<Object>> state = new java.util.LinkedHashMap<>();
                prefixes.add(Map.copyOf(state));
                for (int i = 0; i < 12; i++) {
                    List<Row> rows = new java.util.ArrayList<>();
                    if (i == 0) {
                        // Older than the live window (15 minutes): only latest.temps holds it.
                        rows.add(Row.of("old", t0.minus(Duration.ofHours(1)), Map.of("temp", -1.0)));
                        state.put(List.of("old"), List.of("old", -1.0));
                    }
                    for (int r = 0; r < 1 + random.nextInt(3); r++) {
                        String id = "s" + random.nextInt(5);
                        double v = i * 10 + r;
                        rows.add(Row.of(id, t0.plusMillis(i * 100L + r), Map.of("temp", v)));
                        state.put(List.of(id), List.of(id, v));
                    }
                    (i % 2 == 0 ? onA : b.client(token)).publish("temps", rows);
                    prefixes.add(Map.copyOf(state));
                }
                Map<List<Object>, List<Object>> last = Map.copyOf(state);
                recA.await(WAIT, "A's client to see every batch", r -> last.equals(r.marked("q")));
                recB.await(WAIT, "B's client to see every batch", r -> last.equals(r.marked("q")));

                // A node started now joins the tenant from the store (its position, the live window, and the
                // newest row of each rtId silent since before the window) and then follows the log.
                try (ServerFixture c = new ServerFixture(TestStores.open(url), cluster(topic, "c"));
                        io.tidemark.client.Connection cc = connect(c, token)) {
                    LiveRecorder recC = new LiveRecorder(true);
                    cc.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), recC);
                    recC.await(WAIT, "C's client to see every batch", r -> last.equals(r.marked("q")));
                    onA.publish("temps", List.of(Row.of("s9", t0.plusSeconds(5), Map.of("temp", 99.0))));
                    state.put(List.of("s9"), List.of("s9", 99.0));
                    prefixes.add(Map.copyOf(state));
                    Map<List<Object>, List<Object>> more = Map.copyOf(state);
                    for (LiveRecorder r : List.of(recA, recB, recC)) {
                        r.await(WAIT, "every client to see the batch after C joined", x -> more.equals(x.marked("q")));
                    }
                    assertThat(recC.violations()).isEmpty();
                    assertThat(recC.lastGeneration()).isEqualTo(recA.lastGeneration());
                    Map<Long, Map<List<Object>, List<Object>>> onNodeC = byGeneration(recC);
                    Map<Long, Map<List<Object>, List<Object>>> onA2 = byGeneration(recA);
                    onNodeC.forEach((g, result) -> {
                        if (onA2.containsKey(g)) {
                            assertThat(result).as("generation %d on the joined node C equals A's", g)
                                    .isEqualTo(onA2.get(g));
                        }
                    });
                }
            }
            assertThat(recA.violations()).isEmpty();
            assertThat(recB.violations()).isEmpty();
            Map<Long, Map<List<Object>, List<Object>>> onNodeA = byGeneration(recA);
            Map<Long, Map<List<Object>, List<Object>>> onNodeB = byGeneration(recB);
            assertThat(recA.lastGeneration()).as("the generation holding the last batch has one number on both nodes")
                    .isEqualTo(recB.lastGeneration());
            java.util.Set<Long> both = new java.util.TreeSet<>(onNodeA.keySet());
            both.retainAll(onNodeB.keySet());
            assertThat(both).isNotEmpty();
            for (long g : both) {
                assertThat(onNodeB.get(g)).as("generation %d on B equals A's", g).isEqualTo(onNodeA.get(g));
            }
            for (Map<Long, Map<List<Object>, List<Object>>> node : List.of(onNodeA, onNodeB)) {
                node.forEach((g, result) -> assertThat(prefixes).as("generation %d is a prefix of the acknowledged "
                        + "batches", g).contains(result));
            }
        }
    }

    @Test
    void archiveRecords_createdAndDeletedOnA_liveAndEndedOnB_withoutTheArchiveSync() {
        String url = TestStores.postgresDatabase();
        String topic = "archives-" + TOPICS.incrementAndGet();
        ServerConfig.Builder ca = cluster(topic, "a").liveArchiveSync(Duration.ofHours(1));
        ServerConfig.Builder cb = cluster(topic, "b").liveArchiveSync(Duration.ofHours(1));
        try (ServerFixture a = new ServerFixture(TestStores.open(url), ca)) {
            String token = a.token("plant", Role.ADMIN); // the tenant exists before B starts: B joins it at start
            try (ServerFixture b = new ServerFixture(TestStores.open(url), cb)) {
                TidemarkClient onA = a.client(token);
                onA.createArchive("temps", Map.of("temp", "DOUBLE"));
                String sql = "SELECT rtId, temp FROM latest.temps";
                awaitValid(b.client(token), sql);
                onA.activateArchive("temps");
                LiveRecorder rec = new LiveRecorder(true);
                try (io.tidemark.client.Connection cbc = connect(b, token)) {
                    cbc.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), rec);
                    Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                    onA.publish("temps", List.of(Row.of("s1", t0, Map.of("temp", 1.0))));
                    rec.await(WAIT, "the row on B", r -> Map.of(List.<Object>of("s1"), List.<Object>of("s1", 1.0))
                            .equals(r.marked("q")));
                    onA.deleteArchive("temps");
                    rec.await(WAIT, "B's query to end", r -> r.error("q") != null);
                    assertThat(rec.error("q").code()).isEqualTo("NOT_FOUND");
                }
                assertThat(rec.violations()).isEmpty();
            }
        }
    }

    @Test
    void tenantCreatedAfterTheNodesStarted_joinedOnEveryNodeFromTheLog_withoutTheArchiveSync() {
        String url = TestStores.postgresDatabase();
        String topic = "newtenant-" + TOPICS.incrementAndGet();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a")
                .liveArchiveSync(Duration.ofHours(1)));
                ServerFixture b = new ServerFixture(TestStores.open(url), cluster(topic, "b")
                        .liveArchiveSync(Duration.ofHours(1)))) {
            // A tenant neither node knew at its start: its first record in the log makes B join it.
            String token = a.token("newcomer", Role.ADMIN);
            TidemarkClient onA = a.client(token);
            onA.createArchive("temps", Map.of("temp", "DOUBLE"));
            onA.activateArchive("temps");
            String sql = "SELECT rtId, temp FROM latest.temps";
            awaitValid(b.client(token), sql);
            LiveRecorder rec = new LiveRecorder(true);
            try (io.tidemark.client.Connection cb = connect(b, token)) {
                cb.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), rec);
                onA.publish("temps", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                        Map.of("temp", 1.0))));
                rec.await(WAIT, "A's batch on B", r -> Map.of(List.<Object>of("s1"), List.<Object>of("s1", 1.0))
                        .equals(r.marked("q")));
            }
            assertThat(rec.violations()).isEmpty();
        }
    }

    @Test
    void settings_otherLiveWindowThanThePartitionsWriter_liveQueriesRefusedThere_servedOnTheWriter() {
        String url = TestStores.postgresDatabase();
        String topic = "settings-" + TOPICS.incrementAndGet();
        try (ServerFixture a = new ServerFixture(TestStores.open(url), cluster(topic, "a"));
                ServerFixture b = new ServerFixture(TestStores.open(url), cluster(topic, "b")
                        .liveWindow(Duration.ofMinutes(10)))) {
            String token = a.token("plant", Role.ADMIN);
            TenantId tenant = TenantId.of("plant");
            TidemarkClient onA = a.client(token);
            onA.createArchive("temps", Map.of("temp", "DOUBLE"));
            onA.activateArchive("temps");
            String sql = "SELECT rtId, temp FROM latest.temps";
            awaitValid(b.client(token), sql);
            // Once the group settled, one node writes the tenant's partition: the other refuses its live queries.
            await("one node writes the tenant's partition").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .until(() -> a.server.cluster().orElseThrow().owns(tenant)
                            ^ b.server.cluster().orElseThrow().owns(tenant));
            ServerFixture writer = a.server.cluster().orElseThrow().owns(tenant) ? a : b;
            ServerFixture other = writer == a ? b : a;
            LiveRecorder refused = new LiveRecorder(true);
            try (io.tidemark.client.Connection co = connect(other, token);
                    io.tidemark.client.Connection cw = connect(writer, token)) {
                java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
                await("the other node to refuse").atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                    String id = "q" + tries.incrementAndGet();
                    co.registerQuery(io.tidemark.client.QueryConfig.of(id, sql), refused);
                    refused.await(Duration.ofSeconds(10), "an answer to " + id,
                            r -> r.error(id) != null || r.result(id) != null);
                    return refused.error(id) != null;
                });
                io.tidemark.client.TidemarkClientException e = refused.error("q" + tries.get());
                assertThat(e.code()).isEqualTo("INVALID_STATE");
                assertThat(e.getMessage()).contains("live settings").contains("live.window");
                LiveRecorder served = new LiveRecorder(true);
                cw.registerQuery(io.tidemark.client.QueryConfig.of("q", sql), served);
                onA.publish("temps", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                        Map.of("temp", 1.0))));
                served.await(WAIT, "the writer's node serves the query", r -> Map.of(List.<Object>of("s1"),
                        List.<Object>of("s1", 1.0)).equals(r.marked("q")));
                assertThat(served.error("q")).isNull();
            }
            // Every partition the other node writes (the node follows them all) differs, so at least the tenant's.
            String mismatch = other.send("GET", "/metrics", token, null, null).body().lines()
                    .filter(l -> l.startsWith("tidemark_cluster_settings_mismatch ")).findFirst().orElseThrow();
            assertThat(Double.parseDouble(mismatch.substring(mismatch.indexOf(' ') + 1))).isGreaterThanOrEqualTo(1.0);
        }
    }

    private static Map<Long, Map<List<Object>, List<Object>>> byGeneration(LiveRecorder rec) {
        Map<Long, Map<List<Object>, List<Object>>> out = new TreeMap<>();
        for (LiveRecorder.Snapshot s : rec.generations()) {
            Map<List<Object>, List<Object>> r = s.results().get("q");
            out.put(s.generation(), r == null ? Map.of() : Map.copyOf(r));
        }
        return out;
    }

    private static io.tidemark.client.Connection connect(ServerFixture f, String token) {
        return io.tidemark.client.Connection.open(io.tidemark.client.ConnectionConfig.builder(f.uri()).token(token)
                .capabilities(java.util.Set.of(io.tidemark.client.ConnectionConfig.AGG_MARK_END)).build());
    }

    private static void awaitValid(TidemarkClient c, String sql) {
        await("the node made the archive live: " + sql).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> c.graphql("query($s: String!) { v: validateLiveQuery(sql: $s) { valid } }",
                        Map.of("s", sql)).path("v").path("valid").asBoolean());
    }

    private static ServerConfig.Builder cluster(String topic, String node) {
        ServerConfig.Builder b = ServerConfig.builder().liveArchiveSync(Duration.ofMillis(200));
        b.cluster().kafka(broker.bootstrapServers()).topic(topic).partitions(3).replicationFactor(1)
                .group("writers-" + topic).nodeId(node).produceTimeout(Duration.ofSeconds(10));
        return b;
    }

    private static Map<String, Double> stored(ServerFixture f, TenantId tenant) {
        return stored(f, tenant, "temps");
    }

    private static Map<String, Double> stored(ServerFixture f, TenantId tenant, String archive) {
        Map<String, Double> out = new TreeMap<>();
        List<Sample> rows = f.store.archives().read(tenant, new ReadRequest(archive, List.of(),
                Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), 10_000, null));
        for (Sample s : rows) {
            out.put(s.rtId() + "@" + s.timestamp(), ((Number) s.values().get("temp")).doubleValue());
        }
        return out;
    }
}
