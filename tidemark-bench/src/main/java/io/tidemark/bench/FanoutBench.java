package io.tidemark.bench;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.QuerySchema;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.Tuple;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Role;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.LiveListener;
import io.tidemark.live.Subscription;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench fanout}: many WebSocket clients, each with three live queries, while samples stream in over
 * HTTP at a fixed rate; measures commit → {@code aggMarkEnd} at the client (HdrHistogram), against the publish
 * interval as the baseline (a batch committed just after a cut waits one interval for the next one).
 *
 * <p>Commit time is taken in the server's {@code LiveEngine.onCommit}, which the server calls right after the store
 * commit returns (the engine is wrapped through {@code TidemarkServer.Builder.liveEngine}). Every batch carries its
 * sequence number in column {@code seq}; one of each client's queries is {@code MAX(seq)}, so at each
 * {@code aggMarkEnd} a client knows which batches the generation made visible and records one latency per batch.
 * Everything runs in one JVM on the same cores: server, store, engine, ingest client and all WebSocket clients.
 *
 * <p>Run: {@code ./tidemark bench fanout [--clients 1000] [--rate 100000] [--seconds 30] [--json]}.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "N WebSocket clients x 3 live queries under ingest at R samples/s: commit -> aggMarkEnd at the "
                + "client (p50/p99/max) vs the publish interval.")
final class FanoutBench implements Callable<Integer> {
    static final String BY_SITE = "SELECT site, COUNT(*) AS n, AVG(temp) AS t, MAX(power) AS p FROM recent.bench "
            + "GROUP BY site";
    static final String SEQ = "SELECT MAX(seq) AS seq, COUNT(*) AS n FROM recent.bench";
    static final String TOP = "SELECT rtId, power FROM latest.bench ORDER BY power DESC, rtId LIMIT 5";

    @Option(names = "--clients", description = "WebSocket clients (default: ${DEFAULT-VALUE})")
    int clients = 1_000;

    @Option(names = "--rate", description = "samples per second ingested (default: ${DEFAULT-VALUE})")
    int rate = 100_000;

    @Option(names = "--batches-per-second", description = "ingest requests per second (default: ${DEFAULT-VALUE})")
    int batchesPerSecond = 20;

    @Option(names = "--sensors", description = "rtIds (default: ${DEFAULT-VALUE})")
    int sensors = 10_000;

    @Option(names = "--seconds", description = "measured seconds (default: ${DEFAULT-VALUE})")
    int seconds = 30;

    @Option(names = "--warmup", description = "seconds before measuring (default: ${DEFAULT-VALUE})")
    int warmup = 5;

    @Option(names = "--publish-interval-ms", description = "live.publish-interval (default: ${DEFAULT-VALUE})")
    int publishIntervalMs = 100;

    @Option(names = "--live-window", description = "live window of the archive (default: ${DEFAULT-VALUE})")
    Duration liveWindow = Duration.ofSeconds(60);

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    private final AtomicLongArray commitNanos = new AtomicLongArray(1 << 20);
    private final Recorder latency = new Recorder(3);
    private volatile boolean measuring;
    private final AtomicLong generations = new AtomicLong();
    private final AtomicLong measuredGenerations = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(null, "tidemark-bench-fanout", this::run);
    }

    private Integer run(Path work) throws Exception {
        int batch = Math.max(1, rate / batchesPerSecond);
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlEnabled(false).dataDir(work).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).livePublishInterval(Duration.ofMillis(publishIntervalMs))
                .liveWindow(liveWindow).liveMemoryBudgetBytes(2L << 30).ingestMaxRows(Math.max(batch, 1000)).build();
        List<Connection> connections = new ArrayList<>();
        long published = 0;
        long batches = 0;
        long measuredNanos;
        ThreadCpu cpuAtMeasure = null;
        Map<String, Double> cpu;
        try (TidemarkServer server = TidemarkServer.builder(config).liveEngine(Timed::new).build().start()) {
            String token = Tokens.issue(server.store(), TenantId.of("bench"), Role.ADMIN, "bench", Instant.now())
                    .secret();
            ConnectionConfig cc = ConnectionConfig.builder(server.uri()).token(token).build();
            TidemarkClient http = TidemarkClient.create(cc);
            Map<String, String> cols = new LinkedHashMap<>();
            cols.put("site", "VARCHAR");
            cols.put("temp", "DOUBLE");
            cols.put("power", "DOUBLE");
            cols.put("seq", "BIGINT");
            http.createArchive("bench", cols);
            http.activateArchive("bench");
            log("connecting " + clients + " clients with 3 queries each");
            for (int i = 0; i < clients; i++) {
                Connection c = Connection.open(cc);
                Client listener = new Client(i == 0);
                c.registerQuery(QueryConfig.of("bySite", BY_SITE), listener);
                c.registerQuery(QueryConfig.of("seq", SEQ), listener);
                c.registerQuery(QueryConfig.of("top", TOP), listener);
                connections.add(c);
            }
            log("ingesting " + rate + " samples/s in " + batchesPerSecond + " batches/s; warm-up " + warmup + " s, "
                    + "then " + seconds + " s measured");
            long periodNanos = 1_000_000_000L / batchesPerSecond;
            long start = System.nanoTime();
            long measureFrom = start + warmup * 1_000_000_000L;
            long end = measureFrom + seconds * 1_000_000_000L;
            long publishedAtMeasure = 0;
            long next = start;
            java.util.Random random = new java.util.Random(1);
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (!measuring && now >= measureFrom) {
                    latency.getIntervalHistogram(); // drop the warm-up
                    cpuAtMeasure = ThreadCpu.snapshot();
                    measuring = true;
                    publishedAtMeasure = published;
                }
                if (now < next) {
                    java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                    continue;
                }
                batches++;
                http.publish("bench", rows(random, batches, batch));
                published += batch;
                next += periodNanos;
                if (System.nanoTime() - next > 2_000_000_000L) {
                    next = System.nanoTime(); // fell behind by 2 s: do not burst to catch up, report the real rate
                }
            }
            measuredNanos = System.nanoTime() - measureFrom;
            measuring = false;
            cpu = ThreadCpu.snapshot().since(cpuAtMeasure);
            published -= publishedAtMeasure;
            for (Connection c : connections) {
                c.close();
            }
        }
        Histogram h = latency.getIntervalHistogram();
        double achieved = published / (measuredNanos / 1e9);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("clients", clients);
        setup.put("queries per client", 3 + " (" + BY_SITE + "; " + SEQ + "; " + TOP + ")");
        setup.put("target rate", rate + " samples/s in " + batchesPerSecond + " HTTP batches/s of " + batch);
        setup.put("achieved rate", String.format("%.0f samples/s", achieved));
        setup.put("sensors", sensors);
        setup.put("live window", liveWindow);
        setup.put("publish interval", publishIntervalMs + " ms");
        setup.put("latencies recorded", h.getTotalCount() + " (one per batch per client)");
        setup.put("generations seen by client 0", generations.get() + " (" + measuredGenerations.get()
                + " while measuring)");
        double seconds = measuredNanos / 1e9;
        setup.put("CPU while measuring, by thread role", String.format("%.1f s of %.1f s wall", cpu.values().stream()
                .mapToDouble(Double::doubleValue).sum(), seconds));
        cpu.forEach((role, s) -> setup.put("  " + role, String.format("%.2f s (%.0f %% of one core)", s,
                100 * s / seconds)));
        double delivery = cpu.getOrDefault(ThreadCpu.role("tidemark-live-delivery-1"), 0.0);
        long connectionGenerations = measuredGenerations.get() * clients;
        setup.put("server delivery CPU per connection and generation", connectionGenerations == 0 ? "-"
                : String.format("%.1f µs (client 0's generations × clients)", delivery * 1e6 / connectionGenerations));
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        double interval = publishIntervalMs;
        List<Figure> figures = List.of(
                new Figure("duckdb", "commit -> aggMarkEnd p50", h.getValueAtPercentile(50) / 1e6, "ms", interval,
                        "publish interval", Double.NaN),
                new Figure("duckdb", "commit -> aggMarkEnd p99", h.getValueAtPercentile(99) / 1e6, "ms", interval,
                        "publish interval", Double.NaN),
                new Figure("duckdb", "commit -> aggMarkEnd max", h.getMaxValue() / 1e6, "ms", interval,
                        "publish interval", Double.NaN),
                new Figure("duckdb", "ingest rate achieved", achieved, "rows/s", rate, "target rate", Double.NaN));
        if (json) {
            Report.json(System.out, "fanout", setup, figures);
        } else {
            Report.table(System.out, "bench fanout: commit -> aggMarkEnd at the client", setup, figures);
        }
        return 0;
    }

    private List<Row> rows(java.util.Random random, long seq, int n) {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Row> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int sensor = random.nextInt(sensors);
            Map<String, Object> v = new HashMap<>(8);
            v.put("site", "site-" + sensor % 10);
            v.put("temp", 15 + random.nextInt(2000) / 100.0);
            v.put("power", random.nextInt(10_000) / 10.0);
            v.put("seq", seq);
            out.add(Row.of("s" + sensor, t.plusNanos(1000L * (i / sensors)), v));
        }
        return out;
    }

    private static void log(String s) {
        System.err.println("[bench fanout] " + s);
    }

    /** One client's view: the highest batch number visible; at each aggMarkEnd, one latency per new batch. */
    private final class Client implements QueryListener {
        private final boolean counts;
        private long seen;
        private long visible;

        Client(boolean counts) {
            this.counts = counts;
        }

        @Override
        public void snapshotBegin(String queryId, QuerySchema schema) {}

        @Override
        public void tupleAdded(String queryId, Tuple t) {
            track(queryId, t);
        }

        @Override
        public void tupleUpdated(String queryId, Tuple t) {
            track(queryId, t);
        }

        private void track(String queryId, Tuple t) {
            if (queryId.equals("seq") && t.get(0) instanceof Long s) {
                visible = Math.max(visible, s);
            }
        }

        @Override
        public void aggMarkEnd(long generation) {
            long now = System.nanoTime();
            if (counts) {
                generations.incrementAndGet();
                if (measuring) {
                    measuredGenerations.incrementAndGet();
                }
            }
            for (long s = seen + 1; s <= visible; s++) {
                long c = commitNanos.get((int) (s & (commitNanos.length() - 1)));
                if (measuring && c != 0 && now > c) {
                    latency.recordValue(now - c);
                }
            }
            seen = Math.max(seen, visible);
        }
    }

    /** The server's engine, noting when each bench batch reaches onCommit (right after its store commit). */
    private final class Timed implements LiveEngine {
        private final LiveEngine e;

        Timed(LiveEngine e) {
            this.e = e;
        }

        @Override
        public boolean onCommit(TenantId tenant, SampleBatch batch) {
            if (batch.archive().name().equals("bench") && batch.size() > 0) {
                int col = batch.archive().columns().indexOf(batch.archive().requireColumn("seq"));
                Object seq = batch.value(0, col);
                if (seq instanceof Long s) {
                    commitNanos.set((int) (s & (commitNanos.length() - 1)), System.nanoTime());
                }
            }
            return e.onCommit(tenant, batch);
        }

        @Override
        public int staleQueries() {
            return e.staleQueries();
        }

        @Override
        public void defineArchive(TenantId tenant, ArchiveDefinition archive, Duration liveWindow) {
            e.defineArchive(tenant, archive, liveWindow);
        }

        @Override
        public void dropArchive(TenantId tenant, String archive) {
            e.dropArchive(tenant, archive);
        }

        @Override
        public long cut(TenantId tenant) {
            return e.cut(tenant);
        }

        @Override
        public long cut(TenantId tenant, long generation, Instant asOf) {
            return e.cut(tenant, generation, asOf);
        }

        @Override
        public void cutAll() {
            e.cutAll();
        }

        @Override
        public long generation(TenantId tenant) {
            return e.generation(tenant);
        }

        @Override
        public io.tidemark.live.QuerySchema validate(TenantId tenant, String sql) {
            return e.validate(tenant, sql);
        }

        @Override
        public io.tidemark.live.LiveSnapshot snapshot(TenantId tenant, String sql) {
            return e.snapshot(tenant, sql);
        }

        @Override
        public Subscription subscribe(TenantId tenant, Set<String> capabilities, LiveListener listener,
                Executor executor) {
            return e.subscribe(tenant, capabilities, listener, executor);
        }

        @Override
        public long memoryUsed(TenantId tenant) {
            return e.memoryUsed(tenant);
        }

        @Override
        public Duration publishInterval() {
            return e.publishInterval();
        }

        @Override
        public ScheduledFuture<?> schedule(ScheduledExecutorService scheduler) {
            return e.schedule(scheduler);
        }
    }
}
