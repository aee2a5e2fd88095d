package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.cluster.KafkaBroker;
import io.tidemark.cluster.LogPartitions;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster mode as it is meant to run (docs/scale-out.md, issue 15): three {@code tidemark serve --cluster kafka=…}
 * processes ({@link ServerProcesses}, a JVM each) on one embedded PostgreSQL and one real Kafka broker
 * ({@link KafkaBroker}, its own JVM), both started once for the class and restartable.
 *
 * <p><b>The oracle.</b> Each tenant has one writer that sends its batches one after the other (the next only once
 * the previous was acknowledged), round robin over the three nodes, re-sending a batch that failed to the next node.
 * So the tenant's records are in the log in the writer's order (a batch that failed may be there once more, right
 * after itself: a re-sent sample replaces itself with the same value), and "the state after the first k batches"
 * is well defined. Concurrent writers of one tenant would not give that: two batches acknowledged by two nodes at
 * about the same time may be in the log in either order. Every aggMarkEnd of every live client (one per tenant per
 * node, each behind a {@link Balancer} that prefers its node, as a load balancer would) must show, for both of its
 * queries, the state after the same k batches, for some k; generations with the same number on two clients of one
 * tenant must have equal results. At the end: the store holds every acknowledged sample once with its last value
 * and nothing else, the last generation of every client equals it, and the rollups equal the direct GROUP BY.
 *
 * <p><b>Faults</b> (second test, one after the other under the writers): {@code kill -9} of the node that writes a
 * tenant's partition, a broker restart, a rolling restart of the three nodes, PostgreSQL restarted.
 */
class ClusterProcessesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * The broker's consumer-group session timeout (KIP-848: a broker setting), which bounds how long a killed node's
     * partitions wait for a new writer; Kafka's default is 45 s.
     */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    private static final List<String> TENANTS = List.of("alpha", "beta");
    private static final String ROWS = "SELECT rtId, v FROM latest.raw";
    private static final String AGG = FaultHarness.LIVE_QUERY;
    /** Batches each tenant's writer gets acknowledged after an event before the test goes on. */
    private static final int PROGRESS = 8;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private static KafkaBroker broker;
    private static EmbeddedPostgres pg;
    private static Path pgData;
    private static int pgPort;

    @RegisterExtension
    final ServerProcesses nodes = new ServerProcesses();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<TenantWriter> writers = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        pgData = Files.createTempDirectory("tidemark-cluster-pg-");
        pgPort = freePort();
        pg = postgres();
        broker = KafkaBroker.start(Map.of(
                "group.consumer.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()),
                "group.consumer.min.session.timeout.ms", "1000",
                "group.consumer.heartbeat.interval.ms", "1000",
                "group.consumer.min.heartbeat.interval.ms", "500"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.close();
        }
        try (Stream<Path> files = Files.walk(pgData)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterEach
    void closeClients() throws Exception {
        writers.forEach(TenantWriter::stop);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void oracle_writersOnAllThree_liveClientsOnAllThree_everyGenerationAPrefix_identicalAcrossNodes()
            throws Exception {
        long t0 = System.nanoTime();
        Cluster c = startCluster(t0);
        awaitProgress(40, "writers running on all three nodes");
        writers.forEach(TenantWriter::join);
        phase(t0, "writers stopped: " + acknowledged());
        assertFinal(c, t0);
    }

    @Test
    void faults_kill9_brokerRestart_rollingRestart_postgresRestart_nothingLostNothingTwice_clientsConverge()
            throws Exception {
        long t0 = System.nanoTime();
        Cluster c = startCluster(t0);
        awaitProgress(PROGRESS, "writers running on all three nodes");

        // 1. kill -9 of the node writing alpha's partition.
        int partition = LogPartitions.of(TenantId.of("alpha"), 3);
        int victimIndex = await("one node owns alpha's partition " + partition).atMost(WAIT)
                .pollInterval(Duration.ofMillis(200)).until(() -> owner(partition), i -> i >= 0);
        NodeProcess victim = c.nodes.get(victimIndex);
        int[] failuresBefore = writers.stream().mapToInt(TenantWriter::failures).toArray();
        victim.kill();
        long killedAt = System.nanoTime();
        phase(t0, victim.name() + " (writer of alpha's partition " + partition + ") killed");
        int ackedAfterKill = writers.get(0).acknowledged();
        awaitProgress(PROGRESS, victim.name() + " killed");
        for (int w = 0; w < writers.size(); w++) {
            assertThat(writers.get(w).failures()).as("%s's writer failed on the dead node and re-sent elsewhere",
                    writers.get(w).tenant).isGreaterThan(failuresBefore[w]);
        }
        // Its live clients reconnect through their balancer to another node and get a fresh snapshot.
        for (Client client : c.clients) {
            if (client.preferred == victimIndex) {
                client.recorder.await(WAIT, client + " re-snapshotted on another node",
                        r -> r.snapshots("rows") >= 2 && r.snapshots("agg") >= 2);
                assertThat(client.balancer.connections().subList(1, 3).stream().mapToInt(Integer::intValue).sum())
                        .as("%s reconnected to another node", client).isPositive();
            }
        }
        // Alpha's cuts resume once the partition moved: every alpha client reaches a state acknowledged after the kill.
        awaitConverged(c, writers.get(0), ackedAfterKill + PROGRESS, SESSION_TIMEOUT.plusSeconds(40),
                "alpha's cuts resumed on the other nodes after the kill");
        phase(t0, "alpha's clients caught up " + Duration.ofNanos(System.nanoTime() - killedAt).toMillis()
                + " ms after the kill");
        await("alpha's partition has a writer on a live node").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> owner(partition), i -> i >= 0 && i != victimIndex);
        victim.restart();
        awaitProgress(PROGRESS, victim.name() + " restarted");
        phase(t0, victim.name() + " restarted in " + victim.lastStart().toMillis() + " ms");

        // 2. The broker restarted: 503 LOG_UNAVAILABLE while it is down, the writers re-send.
        broker.stop();
        phase(t0, "broker stopped");
        try {
            await("every writer refused with LOG_UNAVAILABLE").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> writers.stream().allMatch(w -> w.failuresWith("LOG_UNAVAILABLE") > 0));
        } finally {
            broker.restart();
        }
        phase(t0, "broker restarted");
        awaitProgress(PROGRESS, "the broker's restart");
        awaitAllConverged(c, "after the broker's restart");

        // 3. Rolling restart: each node in turn SIGTERM, writers go on, started again.
        for (NodeProcess n : c.nodes) {
            assertThat(n.stop()).as("%s's exit code after SIGTERM", n.name()).isEqualTo(143);
            awaitProgress(PROGRESS, n.name() + " stopped");
            n.restart();
            awaitProgress(PROGRESS, n.name() + " restarted");
            phase(t0, n.name() + " restarted in " + n.lastStart().toMillis() + " ms");
        }
        awaitAllConverged(c, "after the rolling restart");

        // 4. PostgreSQL restarted under load.
        int[] storeFailuresBefore = writers.stream().mapToInt(w -> w.failuresWith("STORE_UNAVAILABLE")).toArray();
        pg.close();
        phase(t0, "PostgreSQL stopped");
        try {
            // Down until every writer was refused: the nodes read the token and the archive from the store first.
            await("every writer refused with STORE_UNAVAILABLE").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        for (int w = 0; w < writers.size(); w++) {
                            if (writers.get(w).failuresWith("STORE_UNAVAILABLE") <= storeFailuresBefore[w]) {
                                return false;
                            }
                        }
                        return true;
                    });
        } finally {
            pg = postgres();
        }
        phase(t0, "PostgreSQL restarted");
        awaitProgress(PROGRESS, "PostgreSQL's restart");
        awaitAllConverged(c, "after PostgreSQL's restart");

        writers.forEach(TenantWriter::join);
        phase(t0, "writers stopped: " + acknowledged() + ", failures " + writers.stream()
                .map(w -> w.tenant + "=" + w.failureCodes()).toList());
        assertFinal(c, t0);
    }

    /** The nodes, the tenants' tokens and every live client. */
    private record Cluster(String url, List<NodeProcess> nodes, Map<String, String> tokens, List<Client> clients) {}

    /** One live connection of one tenant, through a balancer that prefers node {@code preferred}. */
    private record Client(String tenant, int preferred, Balancer balancer, Connection connection,
            LiveRecorder recorder) {
        @Override
        public String toString() {
            return tenant + "'s client on node-" + preferred;
        }
    }

    private Cluster startCluster(long t0) throws Exception {
        int run = RUNS.incrementAndGet();
        String url = database("tm_cp_" + run);
        Map<String, String> tokens = new LinkedHashMap<>();
        try (Store store = TestStores.open(url)) {
            for (String t : TENANTS) {
                tokens.put(t, Tokens.issue(store, TenantId.of(t), Role.ADMIN, "test", Instant.now()).secret());
            }
        }
        List<NodeProcess> started = nodes.start(3, List.of("--jdbc-url", url,
                "--cluster", "kafka=" + broker.bootstrapServers(),
                "--set", "bootstrap.token=false",
                "--set", "cluster.topic=cp-" + run,
                "--set", "cluster.group=cp-writers-" + run,
                "--set", "cluster.partitions=3",
                "--set", "cluster.replication-factor=1",
                "--set", "cluster.produce-timeout=PT10S",
                "--set", "cluster.writer-max-backoff=PT1S",
                "--set", "live.archive-sync=500ms",
                "--set", "live.window=" + FaultHarness.LIVE_WINDOW,
                "--set", "rollup.interval=200ms"));
        started.forEach(n -> phase(t0, n.name() + " started in " + n.lastStart().toMillis() + " ms"));
        List<Client> clients = new ArrayList<>();
        for (int ti = 0; ti < TENANTS.size(); ti++) {
            String tenant = TENANTS.get(ti);
            String token = tokens.get(tenant);
            FaultHarness.createSchema(http(started.get(ti % 3).uri(), token));
            for (NodeProcess n : started) {
                awaitValid(http(n.uri(), token), ROWS);
                awaitValid(http(n.uri(), token), AGG);
            }
            for (int i = 0; i < 3; i++) {
                List<Integer> ports = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    ports.add(started.get((i + k) % 3).port());
                }
                Balancer balancer = new Balancer(ports);
                closing.add(balancer);
                Connection connection = Connection.open(ConnectionConfig.builder(balancer.uri()).token(token)
                        .capabilities(Set.of(ConnectionConfig.AGG_MARK_END))
                        .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
                closing.add(0, connection);
                LiveRecorder recorder = new LiveRecorder(true);
                connection.registerQuery(QueryConfig.of("rows", ROWS), recorder);
                connection.registerQuery(QueryConfig.of("agg", AGG), recorder);
                clients.add(new Client(tenant, i, balancer, connection, recorder));
            }
        }
        for (Client client : clients) {
            client.recorder.await(WAIT, client + "'s first snapshots", r -> r.snapshots("rows") >= 1
                    && r.snapshots("agg") >= 1);
        }
        phase(t0, "schemas created, six live clients registered");
        for (int ti = 0; ti < TENANTS.size(); ti++) {
            String tenant = TENANTS.get(ti);
            List<TidemarkClient> direct = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                direct.add(http(started.get((ti + k) % 3).uri(), tokens.get(tenant)));
            }
            writers.add(new TenantWriter(tenant, 15L * (ti + 1), direct).start());
        }
        return new Cluster(url, started, tokens, clients);
    }

    /** The end of both tests: the store, the live results and the rollups against the writers' oracle. */
    private void assertFinal(Cluster c, long t0) throws Exception {
        for (TenantWriter w : writers) {
            assertThat(w.gaveUp).as("%s's writer gave up a batch", w.tenant).isNull();
        }
        awaitAllConverged(c, "the last batch");
        for (TenantWriter w : writers) {
            Expected last = w.prefix(w.acknowledged());
            for (Client client : c.clients) {
                if (client.tenant.equals(w.tenant)) {
                    client.recorder.await(WAIT, client + " at the last acknowledged state",
                            r -> last.equals(lastState(r)));
                }
            }
        }
        phase(t0, "every client shows the last acknowledged state");
        for (TenantWriter w : writers) {
            List<Client> ofTenant = c.clients.stream().filter(x -> x.tenant.equals(w.tenant)).toList();
            assertGenerations(w, ofTenant);
        }
        phase(t0, "every generation of every client checked");
        try (java.sql.Connection jdbc = DriverManager.getConnection(c.url)) {
            for (TenantWriter w : writers) {
                Map<String, Double> stored = new HashMap<>();
                int rows = 0;
                try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT \"timestamp\", \"rtId\", v FROM \"" + w.tenant + "\".\"raw\"")) {
                    while (rs.next()) {
                        rows++;
                        Instant ts = rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                        stored.put(FaultHarness.key(ts, rs.getString(2)), rs.getDouble(3));
                    }
                }
                assertThat(rows).as("%s: one row per sample key", w.tenant).isEqualTo(stored.size());
                Map<String, Double> expected = w.values();
                List<String> wrong = new ArrayList<>();
                expected.forEach((k, v) -> {
                    if (!v.equals(stored.get(k))) {
                        wrong.add(k + " acknowledged " + v + " stored " + stored.get(k));
                    }
                });
                stored.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(k -> wrong.add(k
                        + " stored, never sent"));
                assertThat(wrong).as("%s: acknowledged samples lost, wrong or unsent (of %d)", w.tenant,
                        expected.size()).isEmpty();
                assertThat(FaultHarness.liveOracle(stored)).as("%s: the live GROUP BY's final state equals the store",
                        w.tenant).isEqualTo(w.prefix(w.acknowledged()).agg());
            }
        }
        phase(t0, "the store holds every acknowledged sample once");
        Instant caughtUp = Instant.now().minusSeconds(90);
        for (TenantWriter w : writers) {
            Map<String, Instant> watermarks = FaultHarness.settle(http(c.nodes.get(0).uri(), c.tokens.get(w.tenant)),
                    caughtUp, WAIT);
            try (java.sql.Connection jdbc = DriverManager.getConnection(c.url)) {
                FaultHarness.assertRollupsEqualGroupBy(jdbc, w.tenant, watermarks);
            }
        }
        phase(t0, "rollups settled and equal the GROUP BY");
    }

    /**
     * Every aggMarkEnd of every client of the writer's tenant shows the state after the same k acknowledged-or-sent
     * batches in both queries; two clients' generations with the same number have equal results.
     */
    private static void assertGenerations(TenantWriter w, List<Client> clients) {
        Map<Expected, Integer> index = w.index();
        Set<Map<List<Object>, List<Object>>> rowsStates = new java.util.HashSet<>();
        Set<Map<List<Object>, List<Object>>> aggStates = new java.util.HashSet<>();
        index.keySet().forEach(e -> {
            rowsStates.add(e.rows());
            aggStates.add(e.agg());
        });
        List<String> wrong = new ArrayList<>();
        Map<Long, Map<String, Map<List<Object>, List<Object>>>> byNumber = new TreeMap<>();
        Map<Long, String> seenOn = new HashMap<>();
        int generations = 0;
        Set<Long> shared = new TreeSet<>();
        for (Client client : clients) {
            assertThat(client.recorder.violations()).as("%s's order contract", client).isEmpty();
            long previous = -1;
            for (LiveRecorder.Snapshot s : client.recorder.generations()) {
                generations++;
                long before = previous;
                previous = s.generation();
                Map<List<Object>, List<Object>> rows = s.results().get("rows");
                Map<List<Object>, List<Object>> agg = s.results().get("agg");
                boolean ok = rows != null && agg != null ? index.containsKey(new Expected(rows, agg))
                        : rows != null ? rowsStates.contains(rows) : agg == null || aggStates.contains(agg);
                if (!ok && wrong.size() < 5) {
                    wrong.add(client + " generation " + s.generation() + " at " + s.at() + (s.reset()
                            ? " (a snapshot: registered or re-registered)" : "") + ", after generation " + before
                            + ": rows " + rows + " (the state after batches " + w.batchesWithRows(rows)
                            + ") agg " + agg + " (" + count(agg) + " samples; after batches "
                            + w.batchesWithCount(count(agg)) + ")");
                }
                Map<String, Map<List<Object>, List<Object>>> other = byNumber.get(s.generation());
                if (other == null) {
                    byNumber.put(s.generation(), s.results());
                    seenOn.put(s.generation(), client.toString());
                    continue;
                }
                if (!seenOn.get(s.generation()).equals(client.toString())) {
                    shared.add(s.generation());
                }
                for (String q : List.of("rows", "agg")) {
                    if (other.get(q) != null && s.results().get(q) != null && !other.get(q).equals(s.results().get(q))
                            && wrong.size() < 5) {
                        wrong.add("generation " + s.generation() + " query " + q + ": " + seenOn.get(s.generation())
                                + " " + other.get(q) + ", " + client + " " + s.results().get(q));
                    }
                }
            }
        }
        assertThat(wrong).as("%s: generations that are no prefix of the writer's batches, or that differ between "
                + "clients (of %d generations over %d batches)", w.tenant, generations, w.acknowledged()).isEmpty();
        assertThat(shared).as("%s: generation numbers seen by two clients", w.tenant).hasSizeGreaterThan(3);
        System.out.printf("%s: %d generations on %d clients, %d numbers seen on two or more, %d batches%n", w.tenant,
                generations, clients.size(), shared.size(), w.acknowledged());
    }

    private static long count(Map<List<Object>, List<Object>> agg) {
        return agg == null ? -1 : agg.values().stream().mapToLong(v -> ((Number) v.get(1)).longValue()).sum();
    }

    /** Waits until every client of the writer's tenant shows a state after at least {@code batches} batches. */
    private static void awaitConverged(Cluster c, TenantWriter w, int batches, Duration max, String what) {
        for (Client client : c.clients) {
            if (client.tenant.equals(w.tenant)) {
                client.recorder.await(max, client + ": " + what, r -> {
                    Integer k = w.indexOf(lastState(r));
                    return k != null && k >= batches;
                });
            }
        }
    }

    private void awaitAllConverged(Cluster c, String what) {
        for (TenantWriter w : writers) {
            awaitConverged(c, w, w.acknowledged(), WAIT, "caught up " + what);
        }
    }

    private static Expected lastState(LiveRecorder r) {
        List<LiveRecorder.Snapshot> g = r.generations();
        if (g.isEmpty()) {
            return null;
        }
        Map<String, Map<List<Object>, List<Object>>> last = g.get(g.size() - 1).results();
        return last.get("rows") == null || last.get("agg") == null ? null
                : new Expected(last.get("rows"), last.get("agg"));
    }

    /** Waits (bounded) until every writer has {@code batches} more acknowledged batches. */
    private void awaitProgress(int batches, String after) {
        int[] from = writers.stream().mapToInt(TenantWriter::acknowledged).toArray();
        await("every writer acknowledged " + batches + " more batches after " + after).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    for (int w = 0; w < writers.size(); w++) {
                        if (writers.get(w).acknowledged() < from[w] + batches) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private String acknowledged() {
        return writers.stream().map(w -> w.tenant + " " + w.acknowledged() + " batches").toList().toString();
    }

    /** The node (index) whose writer owns {@code partition}, read from each node's /metrics; -1 if none. */
    private int owner(int partition) {
        List<NodeProcess> all = nodes.nodes();
        int found = -1;
        for (int i = 0; i < all.size(); i++) {
            if (!all.get(i).isRunning()) {
                continue;
            }
            String metrics;
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(all.get(i).uri().resolve("/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                metrics = r.body();
            } catch (IOException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            for (String line : metrics.split("\n")) {
                if (line.startsWith("tidemark_cluster_writer_lag_records{") && line.contains("partition=\""
                        + partition + "\"") && !line.endsWith("NaN")) {
                    found = i;
                }
            }
        }
        return found;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static TidemarkClient http(URI uri, String token) {
        return TidemarkClient.create(ConnectionConfig.builder(uri).token(token).requestTimeout(Duration.ofSeconds(20))
                .build());
    }

    private static void awaitValid(TidemarkClient c, String sql) {
        await("the node made the archive live: " + sql).atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> c.graphql("query($s: String!) { v: validateLiveQuery(sql: $s) { valid } }",
                        Map.of("s", sql)).path("v").path("valid").asBoolean());
    }

    private static void phase(long t0, String what) {
        System.out.printf("cluster processes: %s at %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    private static EmbeddedPostgres postgres() throws IOException {
        return EmbeddedPostgres.builder().setPort(pgPort).setDataDirectory(pgData.resolve("data"))
                .setCleanDataDirectory(false).setServerConfig("max_connections", "300").start();
    }

    private static String database(String name) throws Exception {
        try (java.sql.Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return pg.getJdbcUrl("postgres", name);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** What both live queries show after some number of a tenant's batches. */
    record Expected(Map<List<Object>, List<Object>> rows, Map<List<Object>, List<Object>> agg) {}

    /**
     * One tenant's only writer: batches of 5–20 samples of rtIds r0–r7, sent one after the other, batch i first to
     * node i mod 3 (rotated per tenant), re-sent to the next node until acknowledged. 75 % of new samples within the
     * last 1.5 s, 25 % up to {@link FaultHarness#SPREAD} back (late for the rollups), 10 % re-sends of an earlier key
     * with a new value. It keeps the state after each batch it began to send ({@link #prefix(int)}), since a batch
     * may be in the log before it is acknowledged.
     */
    static final class TenantWriter implements Runnable {
        final String tenant;
        private final Random random;
        private final List<TidemarkClient> clients;
        private final Thread thread;
        private final List<String> keys = new ArrayList<>();
        private final Map<String, Double> values = new HashMap<>();
        private final Map<String, String> newest = new HashMap<>();
        private final Map<String, Instant> newestTs = new HashMap<>();
        private final List<Expected> prefixes = new ArrayList<>();
        private final Map<Expected, Integer> index = new HashMap<>();
        private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        private volatile int acknowledged;
        private volatile boolean stop;
        volatile String gaveUp;
        private int node;

        TenantWriter(String tenant, long seed, List<TidemarkClient> clients) {
            this.tenant = tenant;
            this.random = new Random(seed);
            this.clients = List.copyOf(clients);
            this.thread = new Thread(this, "cluster-writer-" + tenant);
            thread.setDaemon(true);
            synchronized (this) {
                Expected empty = new Expected(Map.of(), Map.of());
                prefixes.add(empty);
                index.put(empty, 0);
            }
        }

        TenantWriter start() {
            thread.start();
            return this;
        }

        @Override
        public void run() {
            while (!stop) {
                List<Row> batch = nextBatch();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (true) {
                    try {
                        clients.get(node).publish(FaultHarness.RAW, batch);
                        break;
                    } catch (RuntimeException e) {
                        String code = e instanceof TidemarkClientException t && t.code() != null ? t.code()
                                : e.getClass().getSimpleName();
                        failures.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                        if (System.nanoTime() > deadline) {
                            gaveUp = "batch " + acknowledged + " refused for 90 s, last " + e;
                            return;
                        }
                        node = (node + 1) % clients.size();
                        FaultHarness.pause(100);
                    }
                }
                acknowledged++;
                node = (node + 1) % clients.size();
                FaultHarness.pause(60);
            }
        }

        /** Builds the next batch and records the state after it. */
        private List<Row> nextBatch() {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Row> rows = new LinkedHashMap<>();
            int n = 5 + random.nextInt(16);
            while (rows.size() < n) {
                Instant ts;
                String rtId;
                int p = random.nextInt(100);
                if (p < 10 && !keys.isEmpty()) {
                    String k = keys.get(random.nextInt(keys.size()));
                    ts = Instant.parse(k.substring(0, k.indexOf('|')));
                    rtId = k.substring(k.indexOf('|') + 1);
                } else {
                    ts = p < 32 ? now.minusMillis(random.nextLong(FaultHarness.SPREAD.toMillis()))
                            : now.minusMillis(random.nextInt(1500));
                    rtId = "r" + random.nextInt(8);
                }
                double v = (random.nextInt(801) - 400) * 0.25;
                rows.put(FaultHarness.key(ts, rtId), Row.of(rtId, ts, Map.of("v", v)));
            }
            synchronized (this) {
                for (Row r : rows.values()) {
                    String k = FaultHarness.key(r.timestamp(), r.rtId());
                    double v = ((Number) r.values().get("v")).doubleValue();
                    if (values.put(k, v) == null) {
                        keys.add(k);
                    }
                    Instant t = newestTs.get(r.rtId());
                    if (t == null || !r.timestamp().isBefore(t)) {
                        newestTs.put(r.rtId(), r.timestamp());
                        newest.put(r.rtId(), k);
                    }
                }
                Map<List<Object>, List<Object>> latest = new HashMap<>();
                newest.forEach((id, k) -> latest.put(List.of(id), List.of(id, values.get(k))));
                Expected e = new Expected(latest, FaultHarness.liveOracle(values));
                prefixes.add(e);
                index.put(e, prefixes.size() - 1);
            }
            return new ArrayList<>(rows.values());
        }

        int acknowledged() {
            return acknowledged;
        }

        synchronized Expected prefix(int k) {
            return prefixes.get(k);
        }

        /** The k whose state after k batches shows {@code rows} in the row query (a diagnosis). */
        synchronized List<Integer> batchesWithRows(Map<List<Object>, List<Object>> rows) {
            List<Integer> out = new ArrayList<>();
            for (int k = 0; k < prefixes.size(); k++) {
                if (prefixes.get(k).rows().equals(rows)) {
                    out.add(k);
                }
            }
            return out;
        }

        /** The k whose state after k batches has {@code n} samples, or the nearest ones (a diagnosis). */
        synchronized String batchesWithCount(long n) {
            int below = -1;
            for (int k = 0; k < prefixes.size(); k++) {
                long c = count(prefixes.get(k).agg());
                if (c == n) {
                    return "exactly " + k;
                }
                if (c < n) {
                    below = k;
                }
            }
            return "between " + below + " and " + (below + 1);
        }

        /** The greatest k whose state after k batches begun is {@code e}, or null. */
        synchronized Integer indexOf(Expected e) {
            return e == null ? null : index.get(e);
        }

        /** Every state after k batches begun, to its greatest k. */
        synchronized Map<Expected, Integer> index() {
            return new HashMap<>(index);
        }

        /** The samples of every batch begun: once stopped, every one was acknowledged. */
        synchronized Map<String, Double> values() {
            return new HashMap<>(values);
        }

        int failures() {
            return failures.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        int failuresWith(String code) {
            AtomicInteger n = failures.get(code);
            return n == null ? 0 : n.get();
        }

        Map<String, Integer> failureCodes() {
            Map<String, Integer> out = new TreeMap<>();
            failures.forEach((k, v) -> out.put(k, v.get()));
            return out;
        }

        void stop() {
            stop = true;
        }

        /** Stops after the batch being sent is acknowledged, and waits (bounded by the writer's 90 s give-up). */
        void join() {
            stop = true;
            try {
                thread.join(Duration.ofMinutes(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(thread.isAlive()).as("%s's writer still running", tenant).isFalse();
        }
    }
}
