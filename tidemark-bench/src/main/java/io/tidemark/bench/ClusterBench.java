package io.tidemark.bench;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.Tuple;
import io.tidemark.cluster.LogPartitions;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.cli.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench cluster}: cluster mode (docs/scale-out.md) against the single-node server on the same
 * PostgreSQL (embedded), with a real Kafka broker ({@link KafkaProcess}) in a JVM of its own. On a 2-core machine the
 * figures are the cluster's overhead, not its scaling. Three parts:
 *
 * <ol>
 *   <li><b>ingest</b>: the same {@link GatewayLoad} requests from the same clients (clients × samples per request)
 *       into a single-node server on PostgreSQL and into one cluster node (in-process, each side on a fresh server
 *       and database, alternating). The cluster's figures: samples/s acknowledged (in the log), and samples/s stored
 *       (the measured samples ÷ the time from the run's start until the node's writer had committed every
 *       acknowledged record); both ÷ the single-node server's acknowledged (= committed) samples/s. Stored row
 *       counts are checked on both sides. CPU of the cluster node's threads by role ({@link ThreadCpu}) gives the
 *       per-core rates of ingest, writer and follower (PostgreSQL's and the broker's processes are not in them).</li>
 *   <li><b>latency</b>: ingest at a fixed rate through node A; one live client on A and one on node B (both
 *       in-process, one store, one topic), each with {@code SELECT MAX(seq) …}; the latency of a batch is from the
 *       moment its ingest request returned 2xx to the {@code aggMarkEnd} of the first generation that shows it
 *       (HdrHistogram). Baseline: the same on a single-node server. A batch visible before its request returned
 *       (single-node: the live tables apply it before the answer) counts 0.</li>
 *   <li><b>failover</b>: {@code --nodes} servers as child JVMs ({@link ServerProcess}); the node whose writer owns
 *       the tenant's partition (read from each node's {@code tidemark_cluster_writer_lag_records{partition}}, NaN
 *       where not owned) is killed with {@code kill -9} while ingest goes on through a surviving node at a fixed
 *       rate; measured from the kill until a batch sent after the kill is in a generation delivered to a live
 *       client on that surviving node (the partition moved, the new writer committed and cut), and until a survivor
 *       reports owning the partition. Baseline: the broker's {@code group.consumer.session.timeout.ms}.</li>
 * </ol>
 *
 * <p>Run: {@code ./tidemark bench cluster [--parts ingest,latency,failover] [--clients 1,16,64] [--batch 100]
 * [--bulk 10000] [--seconds 3] [--rounds 1] [--rate 5000] [--latency-seconds 20] [--nodes 3]
 * [--session-timeout-ms 45000] [--json]}.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Cluster mode (Kafka log) vs the single-node server on PostgreSQL: ingest acknowledged and "
                + "stored, commit -> aggMarkEnd on a second node, failover after kill -9.")
final class ClusterBench implements Callable<Integer> {
    private static final TenantId TENANT = TidemarkTarget.TENANT;
    private static final String ARCHIVE = "samples";
    private static final String LIVE_ARCHIVE = "live";
    private static final String SEQ = "SELECT MAX(seq) AS seq, COUNT(*) AS n FROM recent." + LIVE_ARCHIVE;
    private static final Pattern LAG = Pattern.compile(
            "tidemark_cluster_writer_lag_records\\{partition=\"(\\d+)\"[^}]*} (\\S+)");

    @Option(names = "--parts", split = ",", description = "ingest, latency, failover (default: ${DEFAULT-VALUE})")
    List<String> parts = List.of("ingest", "latency", "failover");

    @Option(names = "--clients", split = ",", description = "ingest: concurrent clients, a list, each with --batch "
            + "samples per request (default: ${DEFAULT-VALUE})")
    List<Integer> clients = List.of(1, 16, 64);

    @Option(names = "--batch", description = "ingest: samples per request (default: ${DEFAULT-VALUE})")
    int batch = 100;

    @Option(names = "--bulk", description = "ingest: one more scenario, 1 client × this many samples per request; "
            + "0 skips it (default: ${DEFAULT-VALUE})")
    int bulk = 10_000;

    @Option(names = "--seconds", description = "ingest: measured seconds per side and scenario (default: "
            + "${DEFAULT-VALUE})")
    double seconds = 3;

    @Option(names = "--warmup-seconds", description = "ingest: untimed seconds on each fresh server (default: "
            + "${DEFAULT-VALUE})")
    double warmupSeconds = 0.5;

    @Option(names = "--rounds", description = "ingest: measurements per side and scenario, the median reported "
            + "(default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--partitions", description = "the topic's partitions (default: ${DEFAULT-VALUE})")
    int partitions = 12;

    @Option(names = "--rate", description = "latency and failover: samples/s ingested (default: ${DEFAULT-VALUE})")
    int rate = 5_000;

    @Option(names = "--batches-per-second", description = "latency and failover: ingest requests/s (default: "
            + "${DEFAULT-VALUE})")
    int batchesPerSecond = 20;

    @Option(names = "--latency-seconds", description = "latency: measured seconds per side (default: "
            + "${DEFAULT-VALUE})")
    double latencySeconds = 20;

    @Option(names = "--latency-warmup", description = "latency: seconds before measuring (default: ${DEFAULT-VALUE})")
    double latencyWarmup = 3;

    @Option(names = "--publish-ms", description = "live.publish-interval of every server (default: ${DEFAULT-VALUE})")
    int publishMs = 100;

    @Option(names = "--nodes", description = "failover: servers (child JVMs) (default: ${DEFAULT-VALUE})")
    int nodes = 3;

    @Option(names = "--session-timeout-ms", description = "the broker's group.consumer.session.timeout.ms (and its "
            + "minimum); Kafka's default is 45000 (default: ${DEFAULT-VALUE})")
    int sessionTimeoutMs = 45_000;

    @Option(names = "--heartbeat-ms", description = "the broker's group.consumer.heartbeat.interval.ms (and its "
            + "minimum); Kafka's default is 5000 (default: ${DEFAULT-VALUE})")
    int heartbeatMs = 5_000;

    @Option(names = "--timeout", description = "seconds any single wait may take (default: ${DEFAULT-VALUE})")
    int timeout = 120;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory (broker, servers' logs), kept (default: a temporary "
            + "one, removed at the end)")
    Path dir;

    private final Map<String, Object> setup = new LinkedHashMap<>();
    private final List<Acks> latencyAcks = new ArrayList<>();
    private int topics;

    @Override
    public Integer call() throws Exception {
        for (String p : parts) {
            if (!List.of("ingest", "latency", "failover").contains(p)) {
                throw new IllegalArgumentException("unknown part " + p + " (ingest, latency, failover)");
            }
        }
        return WorkDir.run(dir, "tidemark-bench-cluster", this::run);
    }

    private Integer run(Path work) throws Exception {
        List<Figure> figures = new ArrayList<>();
        Map<String, String> broker = Map.of("group.consumer.session.timeout.ms", Integer.toString(sessionTimeoutMs),
                "group.consumer.min.session.timeout.ms", Integer.toString(sessionTimeoutMs),
                "group.consumer.heartbeat.interval.ms", Integer.toString(heartbeatMs),
                "group.consumer.min.heartbeat.interval.ms", Integer.toString(heartbeatMs));
        log("starting the Kafka broker and PostgreSQL");
        try (KafkaProcess kafka = KafkaProcess.start(work.resolve("kafka"), broker);
                BenchPostgres pg = BenchPostgres.start()) {
            setup.put("broker", "Kafka 4.4 KRaft, one node, own JVM (-Xmx512m, SerialGC, C1), "
                    + kafka.bootstrapServers() + "; group.consumer.session.timeout.ms=" + sessionTimeoutMs
                    + ", heartbeat.interval.ms=" + heartbeatMs);
            setup.put("store", "embedded PostgreSQL (zonky), one database per server pair or side");
            setup.put("topic", partitions + " partitions, replication factor 1, a new topic per measurement");
            if (parts.contains("ingest")) {
                figures.addAll(ingest(work, pg, kafka));
            }
            if (parts.contains("latency")) {
                figures.addAll(latency(work, pg, kafka));
            }
            if (parts.contains("failover")) {
                figures.addAll(failover(work, pg, kafka));
            }
        }
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "cluster", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench cluster", setup, figures);
        }
        return 0;
    }

    // ---- ingest ------------------------------------------------------------------------------------------------

    /** One side's measurement: acknowledged rate, and for the cluster the stored rate and CPU by role. */
    private record Ingested(double ackedPerSecond, double storedPerSecond, long samples, long refused, String load,
            Map<String, Double> cpu) {}

    private List<Figure> ingest(Path work, BenchPostgres pg, KafkaProcess kafka) throws Exception {
        List<int[]> scenarios = new ArrayList<>();
        for (int c : clients) {
            scenarios.add(new int[] {c, batch});
        }
        if (bulk > 0) {
            scenarios.add(new int[] {1, bulk});
        }
        setup.put("ingest", scenarios.stream().map(s -> s[0] + "x" + s[1]).toList() + " (clients x samples per "
                + "request, NDJSON, one keep-alive connection per client), " + seconds + " s measured after "
                + warmupSeconds + " s untimed on each fresh server, " + rounds + " round(s), median; single-node and "
                + "cluster alternate; the cluster node is in-process, its writer and follower included");
        List<Figure> out = new ArrayList<>();
        Map<String, Double> cpuTotal = new LinkedHashMap<>();
        long cpuSamples = 0;
        for (int i = 0; i < scenarios.size(); i++) {
            int c = scenarios.get(i)[0];
            int b = scenarios.get(i)[1];
            List<Ingested> single = new ArrayList<>();
            List<Ingested> cluster = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                boolean clusterFirst = (i + round) % 2 == 1;
                for (int k = 0; k < 2; k++) {
                    boolean isCluster = (k == 0) == clusterFirst;
                    log(c + " x " + b + ", round " + (round + 1) + " of " + rounds + ": "
                            + (isCluster ? "cluster node" : "single-node"));
                    Ingested m = measureIngest(work, pg, kafka, c, b, isCluster);
                    (isCluster ? cluster : single).add(m);
                    if (isCluster) {
                        m.cpu().forEach((role, s) -> cpuTotal.merge(role, s, Double::sum));
                    }
                }
            }
            Map<String, Double> cpu = new LinkedHashMap<>();
            long samples = 0;
            for (Ingested m : cluster) {
                samples += m.samples();
                m.cpu().forEach((role, sec) -> cpu.merge(role, sec, Double::sum));
            }
            cpuSamples += samples;
            setup.put("cluster node, " + c + "x" + b + ", samples per CPU-second by role", perCpuSecond(cpu, samples));
            Ingested s = median(single);
            Ingested cl = median(cluster);
            String name = c + " × " + b;
            String note = String.format("load %s / %s; %,d / %,d samples measured, stored counts checked%s", s.load(),
                    cl.load(), s.samples(), cl.samples(), rounds(single, cluster));
            out.add(new Figure("cluster", name + ", acknowledged (in the log)", cl.ackedPerSecond(), "samples/s",
                    s.ackedPerSecond(), "single-node PostgreSQL", 0.5, note));
            out.add(new Figure("cluster", name + ", stored (writer committed)", cl.storedPerSecond(), "samples/s",
                    s.ackedPerSecond(), "single-node PostgreSQL", 0.5, note));
        }
        double total = cpuTotal.values().stream().mapToDouble(Double::doubleValue).sum();
        setup.put("cluster node CPU by thread role, all ingest scenarios", String.format("%.1f s for %,d samples "
                + "(PostgreSQL's and the broker's processes not included)", total, cpuSamples));
        for (Map.Entry<String, Double> e : cpuTotal.entrySet()) {
            setup.put("  " + e.getKey(), String.format("%.2f s, %,.0f samples per CPU-second", e.getValue(),
                    cpuSamples / e.getValue()));
        }
        return out;
    }

    private Ingested measureIngest(Path work, BenchPostgres pg, KafkaProcess kafka, int c, int b, boolean cluster)
            throws Exception {
        String topic = "ingest-" + (++topics);
        Path root = work.resolve("ingest").resolve(topic + (cluster ? "-cluster" : "-single"));
        Files.createDirectories(root);
        String url = pg.newDatabase();
        GatewayLoad load = new GatewayLoad(b);
        Duration bound = Duration.ofSeconds(timeout);
        try (TidemarkTarget t = TidemarkTarget.start(root, url, cfg -> {
            cfg.ingestMaxRows(Math.max(b, 500_000)).livePublishInterval(Duration.ofMillis(publishMs));
            if (cluster) {
                cluster(cfg, kafka, topic, "ingest-node");
            }
        })) {
            t.createArchive(ARCHIVE);
            try (Writers w = new Writers(load, c, k -> t.poster(GatewayLoad.Format.NDJSON, ARCHIVE, bound),
                    GatewayLoad.Format.NDJSON, ARCHIVE, 200, bound)) {
                w.run(Duration.ofNanos((long) (warmupSeconds * 1e9)));
                if (cluster) {
                    awaitWritten(t, requests(w.acknowledged()));
                }
                ThreadCpu before = ThreadCpu.snapshot();
                long t0 = System.nanoTime();
                Writers.Result r = w.run(Duration.ofNanos((long) (seconds * 1e9)));
                String loadAvg = Report.loadAverage();
                double stored = r.samplesPerSecond();
                Map<String, Double> cpu = Map.of();
                if (cluster) {
                    awaitWritten(t, requests(w.acknowledged()));
                    stored = r.samples() / ((System.nanoTime() - t0) / 1e9);
                    cpu = ThreadCpu.snapshot().since(before, ClusterBench::role);
                }
                long expected = requests(w.acknowledged()) * b;
                long count = t.count(ARCHIVE);
                if (count != expected) {
                    throw new IllegalStateException((cluster ? "the cluster node" : "the single-node server")
                            + " holds " + count + " rows, " + expected + " acknowledged");
                }
                return new Ingested(r.samplesPerSecond(), stored, r.samples(), r.refused(), loadAvg, cpu);
            }
        } finally {
            if (dir == null) {
                TempDirs.delete(root, "tidemark bench cluster");
            }
        }
    }

    /** "role N, role N, …": samples per CPU-second of each role. */
    private static String perCpuSecond(Map<String, Double> cpu, long samples) {
        List<String> out = new ArrayList<>();
        cpu.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e -> out.add(
                e.getKey() + " " + String.format("%,.0f", samples / e.getValue())));
        return String.join("; ", out);
    }

    /** Waits until the node's writer has written {@code records} BATCH records (one per acknowledged request). */
    private void awaitWritten(TidemarkTarget t, long records) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        var writer = t.server().cluster().orElseThrow().writer();
        while (writer.status().recordsWritten() < records) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the writer wrote " + writer.status().recordsWritten() + " of "
                        + records + " records within " + timeout + " s");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static long requests(int[] acknowledged) {
        return Arrays.stream(acknowledged).asLongStream().sum();
    }

    /** Thread roles of a cluster node's JVM, for the per-core rates of the capacity model. */
    static String role(String name) {
        if (name.startsWith("tidemark-log-writer")) {
            return "writer (log -> PostgreSQL, its JDBC calls)";
        }
        if (name.startsWith("tidemark-follow-")) {
            return "live follower (log -> live tables, cuts)";
        }
        if (name.startsWith("kafka-producer-network-thread")) {
            return "ingest: Kafka producer I/O";
        }
        if (name.startsWith("JettyServerThreadPool") || name.startsWith("qtp")) {
            return "ingest: HTTP threads (parse, validate, append)";
        }
        if (name.startsWith("bench-writer-")) {
            return "bench clients (not the server)";
        }
        if (name.startsWith("consumer_background") || name.contains("consumer")) {
            return "Kafka consumers' background threads";
        }
        return "other threads (GC not counted)";
    }

    private static Ingested median(List<Ingested> ms) {
        List<Ingested> sorted = new ArrayList<>(ms);
        sorted.sort((x, y) -> Double.compare(x.ackedPerSecond(), y.ackedPerSecond()));
        return sorted.get(sorted.size() / 2);
    }

    private static String rounds(List<Ingested> s, List<Ingested> c) {
        if (s.size() < 2) {
            return "";
        }
        return "; rounds (k samples/s) single " + String.join(" / ", s.stream().map(m -> String.format("%.1f",
                m.ackedPerSecond() / 1000)).toList()) + ", cluster acked " + String.join(" / ", c.stream()
                .map(m -> String.format("%.1f", m.ackedPerSecond() / 1000)).toList()) + ", stored " + String.join(
                " / ", c.stream().map(m -> String.format("%.1f", m.storedPerSecond() / 1000)).toList());
    }

    private void cluster(ServerConfig.Builder cfg, KafkaProcess kafka, String topic, String node) {
        cfg.cluster().kafka(kafka.bootstrapServers()).topic(topic).partitions(partitions).replicationFactor(1)
                .group("writers-" + topic).nodeId(node).produceTimeout(Duration.ofSeconds(10));
    }

    // ---- latency -----------------------------------------------------------------------------------------------

    private List<Figure> latency(Path work, BenchPostgres pg, KafkaProcess kafka) throws Exception {
        int perBatch = Math.max(1, rate / batchesPerSecond);
        setup.put("latency", rate + " samples/s in " + batchesPerSecond + " requests/s of " + perBatch + " through "
                + "the Java client, " + latencyWarmup + " s warm-up, " + latencySeconds + " s measured; live "
                + "query " + SEQ + "; publish interval " + publishMs + " ms");
        Histogram single;
        long singleBeforeAck;
        log("latency: single-node server on PostgreSQL");
        Path root = work.resolve("latency");
        Files.createDirectories(root);
        try (TidemarkTarget s = TidemarkTarget.start(root.resolve("single"), pg.newDatabase(),
                cfg -> cfg.livePublishInterval(Duration.ofMillis(publishMs)))) {
            createLiveArchive(s.client());
            Acks acks = new Acks();
            latencyAcks.add(acks);
            try (Connection c = Connection.open(config(s))) {
                Tracker tracker = new Tracker(acks);
                c.registerQuery(QueryConfig.of("seq", SEQ), tracker);
                tracker.awaitSnapshot(timeout);
                publish(s.client(), acks, List.of(tracker), perBatch);
                single = tracker.histogram();
                singleBeforeAck = tracker.beforeAck;
            }
        }
        log("latency: two cluster nodes, ingest through A, live clients on A and on B");
        String topic = "latency-" + (++topics);
        String url = pg.newDatabase();
        Histogram onA;
        Histogram onB;
        long beforeAckA;
        long beforeAckB;
        try (TidemarkTarget a = TidemarkTarget.start(root.resolve("a"), url, cfg -> {
            cfg.livePublishInterval(Duration.ofMillis(publishMs)).liveArchiveSync(Duration.ofMillis(500));
            cluster(cfg, kafka, topic, "a");
        });
                TidemarkTarget b = TidemarkTarget.start(root.resolve("b"), url, cfg -> {
                    cfg.livePublishInterval(Duration.ofMillis(publishMs)).liveArchiveSync(Duration.ofMillis(500));
                    cluster(cfg, kafka, topic, "b");
                })) {
            createLiveArchive(a.client());
            for (TidemarkTarget t : List.of(a, b)) {
                t.server().liveHub().join(TENANT).orElseThrow().get(timeout, TimeUnit.SECONDS);
            }
            setup.put("latency, writer of the tenant's partition", a.server().cluster().orElseThrow().owns(TENANT)
                    ? "A (the ingesting node)" : b.server().cluster().orElseThrow().owns(TENANT)
                    ? "B (the second node)" : "not settled when the clients registered");
            Acks acks = new Acks();
            latencyAcks.add(acks);
            try (Connection ca = Connection.open(config(a)); Connection cb = Connection.open(config(b))) {
                Tracker ta = new Tracker(acks);
                Tracker tb = new Tracker(acks);
                ca.registerQuery(QueryConfig.of("seq", SEQ), ta);
                cb.registerQuery(QueryConfig.of("seq", SEQ), tb);
                ta.awaitSnapshot(timeout);
                tb.awaitSnapshot(timeout);
                publish(a.client(), acks, List.of(ta, tb), perBatch);
                onA = ta.histogram();
                onB = tb.histogram();
                beforeAckA = ta.beforeAck;
                beforeAckB = tb.beforeAck;
            }
        }
        List<Figure> out = new ArrayList<>();
        String note = String.format("load %s; batches recorded: single %,d, A %,d, B %,d; of them visible before "
                + "their answer (counted 0): %,d, %,d, %,d; requests failed: %d, %d", Report.loadAverage(),
                single.getTotalCount(), onA.getTotalCount(), onB.getTotalCount(), singleBeforeAck, beforeAckA,
                beforeAckB, latencyAcks.get(0).failed.get(), latencyAcks.get(1).failed.get());
        for (double p : new double[] {50, 99}) {
            String q = p == 50 ? "p50" : "p99";
            out.add(new Figure("cluster", "ack→aggMarkEnd " + q + ", ingesting node", ms(onA, p), "ms", ms(single, p),
                    "single-node " + q, Double.NaN, note));
            out.add(new Figure("cluster", "ack→aggMarkEnd " + q + ", second node", ms(onB, p), "ms", ms(onA, p),
                    "ingesting node " + q, Double.NaN, note));
        }
        out.add(new Figure("cluster", "ack→aggMarkEnd max, second node", onB.getMaxValue() / 1e6, "ms",
                single.getMaxValue() / 1e6, "single-node max", Double.NaN));
        return out;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    private static ConnectionConfig config(TidemarkTarget t) {
        return ConnectionConfig.builder(t.uri()).token(t.token()).build();
    }

    private static void createLiveArchive(TidemarkClient client) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("seq", "BIGINT");
        cols.put("v", "DOUBLE");
        client.createArchive(LIVE_ARCHIVE, cols);
        client.activateArchive(LIVE_ARCHIVE);
    }

    /**
     * Publishes at the fixed rate for warm-up plus the measured time, then waits (bounded) until every tracker saw
     * the last batch.
     */
    private void publish(TidemarkClient client, Acks acks, List<Tracker> trackers, int perBatch) {
        long period = 1_000_000_000L / batchesPerSecond;
        long start = System.nanoTime();
        long measureFrom = start + (long) (latencyWarmup * 1e9);
        long end = measureFrom + (long) (latencySeconds * 1e9);
        trackers.forEach(t -> t.measureFrom = measureFrom);
        long next = start;
        long seq = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            seq++;
            acks.send(client, seq, perBatch);
            next += period;
            if (System.nanoTime() - next > 2_000_000_000L) {
                next = System.nanoTime(); // fell behind by 2 s: no burst to catch up
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        for (Tracker t : trackers) {
            while (t.seen < seq && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
            if (t.seen < seq) {
                throw new IllegalStateException("a live client saw batch " + t.seen + " of " + seq + " within "
                        + timeout + " s");
            }
        }
    }

    /** Per batch number: when its request was sent and when it returned 2xx (nanoTime; 0 = not yet). */
    private static final class Acks {
        static final int SIZE = 1 << 16;
        final AtomicLongArray sent = new AtomicLongArray(SIZE);
        final AtomicLongArray acked = new AtomicLongArray(SIZE);
        final AtomicLong failed = new AtomicLong();
        volatile String lastError = "";

        /** Sends batch {@code seq}; a refused or failed request is counted and not retried. */
        void send(TidemarkClient client, long seq, int n) {
            Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<Row> rows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                rows.add(Row.of("s" + i, t, Map.of("seq", seq, "v", (double) i)));
            }
            int k = (int) (seq & (SIZE - 1));
            acked.set(k, 0);
            sent.set(k, System.nanoTime());
            try {
                client.publish(LIVE_ARCHIVE, rows);
                acked.set(k, System.nanoTime());
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                lastError = String.valueOf(e.getMessage());
            }
        }
    }

    /** One live client's view: the highest batch visible; at each aggMarkEnd one latency per newly visible batch. */
    private static final class Tracker implements QueryListener {
        private final Acks acks;
        private final Recorder recorder = new Recorder(3);
        private final AtomicBoolean snapshot = new AtomicBoolean();
        volatile long measureFrom = Long.MAX_VALUE;
        /** Failover: the kill's nanoTime; the first generation showing a batch sent after it sets resumedAt. */
        volatile long resumeAfter;
        volatile long resumedAt;
        volatile long seen;
        private long visible;
        long beforeAck;

        Tracker(Acks acks) {
            this.acks = acks;
        }

        @Override
        public void snapshotEnd(String queryId) {
            snapshot.set(true);
        }

        @Override
        public void tupleAdded(String queryId, Tuple t) {
            track(t);
        }

        @Override
        public void tupleUpdated(String queryId, Tuple t) {
            track(t);
        }

        private void track(Tuple t) {
            if (t.get(0) instanceof Long s) {
                visible = Math.max(visible, s);
            }
        }

        @Override
        public void aggMarkEnd(long generation) {
            long now = System.nanoTime();
            for (long s = seen + 1; s <= visible; s++) {
                int k = (int) (s & (Acks.SIZE - 1));
                long sentAt = acks.sent.get(k);
                long ackedAt = acks.acked.get(k);
                if (sentAt >= measureFrom) {
                    if (ackedAt == 0) {
                        beforeAck++;
                        recorder.recordValue(0);
                    } else {
                        recorder.recordValue(Math.max(0, now - ackedAt));
                    }
                }
                if (resumeAfter != 0 && resumedAt == 0 && sentAt > resumeAfter) {
                    resumedAt = now;
                }
            }
            seen = Math.max(seen, visible);
        }

        void awaitSnapshot(int timeoutSeconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!snapshot.get()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no snapshot of the live query within " + timeoutSeconds + " s");
                }
                Thread.sleep(10);
            }
        }

        Histogram histogram() {
            return recorder.getIntervalHistogram();
        }
    }

    // ---- failover ----------------------------------------------------------------------------------------------

    private List<Figure> failover(Path work, BenchPostgres pg, KafkaProcess kafka) throws Exception {
        if (nodes < 2) {
            throw new IllegalArgumentException("--nodes must be at least 2 for the failover part");
        }
        Path root = work.resolve("failover");
        Files.createDirectories(root);
        String url = pg.newDatabase();
        String topic = "failover-" + (++topics);
        List<String> jvm = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        int perBatch = Math.max(1, rate / batchesPerSecond);
        setup.put("failover", nodes + " servers as child JVMs (" + String.join(" ", jvm) + "), one PostgreSQL "
                + "database, topic " + topic + "; ingest " + rate + " samples/s in " + batchesPerSecond
                + " requests/s through a surviving node, its live client on that node; kill -9 of the owner of the "
                + "tenant's partition");
        List<ServerProcess> servers = new ArrayList<>();
        try {
            log("failover: starting " + nodes + " servers as child JVMs");
            for (int i = 0; i < nodes; i++) {
                List<String> args = new ArrayList<>(List.of("--jdbc-url", url, "--cluster",
                        "kafka=" + kafka.bootstrapServers(), "--set", "cluster.topic=" + topic, "--set",
                        "cluster.partitions=" + partitions, "--set", "cluster.replication-factor=1", "--set",
                        "cluster.group=writers-" + topic, "--set", "cluster.node-id=n" + (i + 1), "--set",
                        "live.archive-sync=PT0.5S", "--set", "live.publish-interval=" + publishMs + "ms", "--set",
                        "bootstrap.tenant=" + TENANT.value()));
                ServerProcess p = ServerProcess.launch("n" + (i + 1), root, jvm, args);
                servers.add(p);
                if (i == 0) {
                    p.awaitServing(); // the first creates the topic and prints the tenant's admin token
                }
            }
            for (ServerProcess p : servers) {
                p.awaitServing();
            }
            String token = servers.get(0).bootstrapToken();
            if (token == null) {
                throw new IllegalStateException("n1 printed no admin token; see " + root.resolve("n1.out"));
            }
            createLiveArchive(client(servers.get(0), token));
            int partition = LogPartitions.of(TENANT, partitions);
            log("failover: waiting until one node owns partition " + partition);
            ServerProcess owner = awaitOwner(servers, partition, null);
            ServerProcess survivor = servers.stream().filter(p -> p != owner).findFirst().orElseThrow();
            log("failover: " + owner.name() + " owns partition " + partition + "; ingest and live client on "
                    + survivor.name());
            TidemarkClient ingest = client(survivor, token);
            Acks acks = new Acks();
            try (Connection c = Connection.open(ConnectionConfig.builder(survivor.uri()).token(token).build())) {
                Tracker tracker = awaitQuery(c, acks);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong sentSeq = new AtomicLong();
                Thread publisher = new Thread(() -> {
                    long period = 1_000_000_000L / batchesPerSecond;
                    long next = System.nanoTime();
                    while (!stop.get()) {
                        long now = System.nanoTime();
                        if (now < next) {
                            LockSupport.parkNanos(next - now);
                            continue;
                        }
                        acks.send(ingest, sentSeq.incrementAndGet(), perBatch);
                        next = Math.max(next + period, System.nanoTime() - 2_000_000_000L);
                    }
                }, "bench-failover-publisher");
                publisher.setDaemon(true);
                publisher.start();
                try {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
                    while (tracker.seen < 3 * batchesPerSecond && System.nanoTime() < deadline) {
                        Thread.sleep(10); // steady state: three seconds of batches seen before the kill
                    }
                    if (tracker.seen < 3 * batchesPerSecond) {
                        throw new IllegalStateException("the live client saw " + tracker.seen + " batches before "
                                + "the kill, within " + timeout + " s; ingest errors: " + acks.failed.get() + " "
                                + acks.lastError);
                    }
                    long killAt = System.nanoTime();
                    tracker.resumeAfter = killAt;
                    owner.kill();
                    long killed = System.nanoTime();
                    log("failover: killed " + owner.name() + " (kill -9) in " + (killed - killAt) / 1_000_000
                            + " ms; waiting for live results to resume on " + survivor.name());
                    List<ServerProcess> alive = servers.stream().filter(p -> p != owner).toList();
                    long movedAt = 0;
                    long bound = killAt + TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs)
                            + TimeUnit.SECONDS.toNanos(timeout);
                    while ((tracker.resumedAt == 0 || movedAt == 0) && System.nanoTime() < bound) {
                        if (movedAt == 0 && ownerOf(alive, partition) != null) {
                            movedAt = System.nanoTime();
                        }
                        Thread.sleep(20);
                    }
                    if (tracker.resumedAt == 0) {
                        throw new IllegalStateException("live results did not resume within the session timeout + "
                                + timeout + " s; see " + root);
                    }
                    double resumed = (tracker.resumedAt - killAt) / 1e6;
                    double moved = movedAt == 0 ? Double.NaN : (movedAt - killAt) / 1e6;
                    String note = String.format("%s killed, %s serving; %,d requests sent, %d failed%s; partition "
                            + "ownership polled every ~20 ms from /metrics", owner.name(), survivor.name(),
                            sentSeq.get(), acks.failed.get(), acks.failed.get() == 0 ? "" : " (" + acks.lastError
                            + ")");
                    return List.of(
                            new Figure("cluster", "failover: kill -9 → live results resume", resumed, "ms",
                                    sessionTimeoutMs, "group session timeout", Double.NaN, note),
                            new Figure("cluster", "failover: kill -9 → partition owned again", moved, "ms",
                                    sessionTimeoutMs, "group session timeout", Double.NaN, note));
                } finally {
                    stop.set(true);
                    publisher.join(TimeUnit.SECONDS.toMillis(timeout));
                }
            }
        } finally {
            for (ServerProcess p : servers) {
                p.close();
            }
            if (dir == null) {
                TempDirs.delete(root, "tidemark bench cluster");
            }
        }
    }

    private static TidemarkClient client(ServerProcess p, String token) {
        return TidemarkClient.create(ConnectionConfig.builder(p.uri()).token(token).build());
    }

    /**
     * Registers the query on a new tracker and waits 5 s for its snapshot; a node that has not joined the tenant yet
     * may not answer with one, so the query is dropped and registered again, until {@code --timeout}. Returns the
     * tracker whose query delivered its snapshot.
     */
    private Tracker awaitQuery(Connection c, Acks acks) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        for (int attempt = 1; ; attempt++) {
            Tracker tracker = new Tracker(acks);
            io.tidemark.client.Query q = c.registerQuery(QueryConfig.of("seq-" + attempt, SEQ), tracker);
            long until = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            while (!tracker.snapshot.get() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            if (tracker.snapshot.get()) {
                return tracker;
            }
            q.unregister();
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("no snapshot of the live query within " + timeout + " s ("
                        + attempt + " attempts)");
            }
            log("failover: no snapshot within 5 s (the node may not have joined the tenant yet); registering again");
        }
    }

    /** Waits until exactly one of {@code servers} owns {@code partition}; returns it. */
    private ServerProcess awaitOwner(List<ServerProcess> servers, int partition, ServerProcess not)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs)
                + TimeUnit.SECONDS.toNanos(timeout);
        while (System.nanoTime() < deadline) {
            ServerProcess o = ownerOf(servers, partition);
            if (o != null && o != not) {
                return o;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no single node owned partition " + partition + " within " + timeout + " s");
    }

    /** The one server whose writer owns {@code partition} (its lag gauge is a number), or null (none or several). */
    private static ServerProcess ownerOf(List<ServerProcess> servers, int partition) throws InterruptedException {
        ServerProcess found = null;
        for (ServerProcess p : servers) {
            String metrics = p.get("/metrics");
            if (metrics == null) {
                continue;
            }
            Matcher m = LAG.matcher(metrics);
            while (m.find()) {
                if (Integer.parseInt(m.group(1)) == partition && !m.group(2).equals("NaN")) {
                    if (found != null) {
                        return null;
                    }
                    found = p;
                }
            }
        }
        return found;
    }

    private static void log(String what) {
        System.err.println("[bench cluster] " + what);
    }
}
