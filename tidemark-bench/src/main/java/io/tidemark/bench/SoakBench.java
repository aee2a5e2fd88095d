package io.tidemark.bench;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench soak}: a long steady run of the whole server in this JVM — several writers posting batches
 * over HTTP (55 % of new samples late, spread over three days; 15 % re-sends with new values), 100 WebSocket clients
 * with three live queries each, rollups ticking every second — that samples the heap after GC (the collection usage
 * of the heap pools, i.e. what the last collection left), direct buffers and the process RSS every few seconds. It
 * prints the heap-after-GC slope (least squares, MB/hour, after warm-up), the heap after GC at the end against the
 * same figure after warm-up (the baseline of this run), RSS min/max, and at the end checks with an oracle that
 * nothing acknowledged is lost: every writer logs each acknowledged batch to a file, DuckDB (in memory) computes the
 * last value per key from those files, and the stored raw rows must equal it key by key; every rollup bucket below
 * its watermark must equal the store's own GROUP BY of the raw rows.
 *
 * <p>Run: {@code ./tidemark bench soak [--minutes 30] [--engine duckdb|postgresql] [--writers 4] [--clients 100]}.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Long mixed run (ingest with late data and re-sends, 100 live clients, rollups): heap-after-GC "
                + "slope, RSS, and an oracle check that nothing acknowledged is lost.")
final class SoakBench implements Callable<Integer> {
    private static final String TENANT = "soak";
    private static final String[] QUERIES = {
        "SELECT rtId, COUNT(*) AS n, SUM(v) AS s FROM recent.raw GROUP BY rtId",
        "SELECT COUNT(*) AS n, MAX(v) AS mx FROM recent.raw",
        "SELECT rtId, v FROM latest.raw WHERE v > 50"};

    @Option(names = "--minutes", description = "measured minutes (default: ${DEFAULT-VALUE})")
    double minutes = 30;

    @Option(names = "--warmup-minutes", description = "minutes before the heap baseline (default: ${DEFAULT-VALUE})")
    double warmupMinutes = 2;

    @Option(names = "--engine", description = "duckdb or postgresql (default: ${DEFAULT-VALUE})")
    String engine = "duckdb";

    @Option(names = "--writers", description = "concurrent writers (default: ${DEFAULT-VALUE})")
    int writers = 4;

    @Option(names = "--batches-per-second", description = "batches per second per writer (default: ${DEFAULT-VALUE})")
    double batchesPerSecond = 4;

    @Option(names = "--clients", description = "WebSocket clients, 3 live queries each (default: ${DEFAULT-VALUE})")
    int clients = 100;

    @Option(names = "--live-window", description = "live window, short enough to fill during warm-up (default: "
            + "${DEFAULT-VALUE})")
    Duration liveWindow = Duration.ofMinutes(1);

    @Option(names = "--sample-seconds", description = "memory sampling period (default: ${DEFAULT-VALUE})")
    int sampleSeconds = 10;

    @Option(names = "--passive-gc", description = "do not run System.gc() before each sample (which makes 'heap after "
            + "GC' exact but keeps the heap, and so RSS, small): read the heap pools' collection usage after the "
            + "collector's last cycle instead, and let the heap grow as it would in production")
    boolean passiveGc;

    @Option(names = "--duckdb-memory-limit", description = "DuckDB memory_limit, e.g. 512MB (default: DuckDB's own, "
            + "80 %% of RAM)")
    String duckdbMemoryLimit;

    @Option(names = "--dir", description = "working directory (kept); default a temporary one, removed")
    Path dir;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    private volatile boolean stop;
    private final AtomicLong generations = new AtomicLong();
    private final AtomicLong liveErrors = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        if (!engine.equals("duckdb") && !engine.equals("postgresql")) {
            throw new IllegalArgumentException("--engine must be duckdb or postgresql, got " + engine);
        }
        return WorkDir.run(dir, "tidemark-bench-soak", this::run);
    }

    private Integer run(Path work) throws Exception {
        BenchPostgres pg = engine.equals("postgresql") ? BenchPostgres.start() : null;
        try {
            String jdbcUrl = pg == null ? "jdbc:duckdb:" + work.resolve("tidemark.duckdb")
                    + (duckdbMemoryLimit == null ? "" : ";memory_limit=" + duckdbMemoryLimit) : pg.newDatabase();
            return soak(work, jdbcUrl);
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    private Integer soak(Path work, String jdbcUrl) throws Exception {
        ServerConfig.Builder b = ServerConfig.builder().host("127.0.0.1").port(0).sqlEnabled(false).bootstrapToken(false)
                .rollupInterval(Duration.ofSeconds(1)).liveWindow(liveWindow);
        ServerConfig config = b.jdbcUrl(jdbcUrl).build();
        List<Memory> samples = new ArrayList<>();
        List<Writer> ws = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        Map<String, Instant> watermarks;
        long start = System.nanoTime();
        double warmupSeconds = warmupMinutes * 60;
        double endSeconds = warmupSeconds + minutes * 60;
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String token = Tokens.issue(server.store(), TenantId.of(TENANT), Role.ADMIN, "soak", Instant.now())
                    .secret();
            ConnectionConfig cc = ConnectionConfig.builder(server.uri()).token(token).build();
            TidemarkClient admin = TidemarkClient.create(cc);
            createSchema(admin);
            log("connecting " + clients + " clients with " + QUERIES.length + " live queries each");
            for (int i = 0; i < clients; i++) {
                Connection c = Connection.open(cc);
                for (int q = 0; q < QUERIES.length; q++) {
                    c.registerQuery(QueryConfig.of("q" + q, QUERIES[q]), new Counting(i == 0));
                }
                connections.add(c);
            }
            for (int w = 0; w < writers; w++) {
                ws.add(new Writer(w, TidemarkClient.create(cc), work.resolve("ledger-" + w + ".csv")));
            }
            ws.forEach(w -> w.thread.start());
            log(String.format("soaking: %d writers × %.1f batches/s, warm-up %.1f min, then %.1f min measured, a "
                    + "sample every %d s", writers, batchesPerSecond, warmupMinutes, minutes, sampleSeconds));
            while (true) {
                double t = (System.nanoTime() - start) / 1e9;
                if (!passiveGc) {
                    System.gc();
                }
                Memory m = Memory.sample(t, !passiveGc);
                samples.add(m);
                log(String.format("t=%5.0f s heap-after-GC %6.1f MB, heap used %6.1f MB, direct %6.1f MB, RSS %6.1f "
                        + "MB, acknowledged %,d samples, generations at client 0: %,d", t, m.heapAfterGc / 1e6,
                        m.heapUsed / 1e6, m.direct / 1e6, m.rss / 1e6, ws.stream().mapToLong(w -> w.samples).sum(),
                        generations.get()));
                if (t >= endSeconds) {
                    break;
                }
                Thread.sleep(Math.min(sampleSeconds * 1000L, (long) ((endSeconds - t) * 1000) + 1));
            }
            stop = true;
            for (Writer w : ws) {
                w.thread.join();
                w.ledger.close();
            }
            log("ingest stopped; settling the rollups");
            watermarks = settle(admin);
            connections.forEach(Connection::close);
        }
        log("server stopped; checking the store against the oracle");
        Check check = check(work, jdbcUrl, ws.size(), watermarks);
        return report(samples, warmupSeconds, ws, check);
    }

    private static void createSchema(TidemarkClient admin) {
        admin.createArchive("raw", Map.of("v", "DOUBLE"));
        admin.activateArchive("raw");
        admin.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "n")
                .aggregate("SUM", "v", "s").aggregate("MAX", "v", "mx").watermarkLag(Duration.ofSeconds(5)).build());
        admin.createRollupArchive(RollupSpec.builder("raw_1h", "raw_1m", "PT1H").aggregate("SUM", "n", "n")
                .aggregate("SUM", "s", "s").aggregate("MAX", "mx", "mx").watermarkLag(Duration.ofSeconds(5)).build());
        admin.activateArchive("raw_1m");
        admin.activateArchive("raw_1h");
    }

    /** Counts generations (client 0 only, so the figure is per client) and errors. */
    private final class Counting implements QueryListener {
        private final boolean counts;

        Counting(boolean counts) {
            this.counts = counts;
        }

        @Override
        public void aggMarkEnd(long generation) {
            if (counts) {
                generations.incrementAndGet();
            }
        }

        @Override
        public void exceptionRaised(String queryId, TidemarkClientException error) {
            liveErrors.incrementAndGet();
            log("live query " + queryId + " failed: " + error.getMessage());
        }
    }

    /**
     * A paced writer of its own 50 rtIds, so the order of writes to a key is its order. Each acknowledged batch goes
     * to its ledger file (micros, rtId, v, sequence), not the heap, so the oracle costs the server nothing.
     */
    private final class Writer implements Runnable {
        final Thread thread;
        final BufferedWriter ledger;
        private final int id;
        private final Random random;
        private final TidemarkClient client;
        /** A ring of recent keys for re-sends, so memory stays flat. */
        private final long[] recentMicros = new long[4096];
        private final int[] recentIds = new int[4096];
        private long recent;
        private long seq;
        volatile long samples;

        Writer(int id, TidemarkClient client, Path ledger) throws IOException {
            this.id = id;
            this.random = new Random(id);
            this.client = client;
            this.ledger = Files.newBufferedWriter(ledger);
            this.thread = new Thread(this, "soak-writer-" + id);
        }

        @Override
        public void run() {
            long period = (long) (1e9 / batchesPerSecond);
            long next = System.nanoTime();
            while (!stop) {
                List<Row> batch = batch();
                while (!send(batch)) {
                    pause(500);
                }
                try {
                    for (Row r : batch) {
                        ledger.write(micros(r.timestamp()) + "," + r.rtId() + "," + r.values().get("v") + "," + (seq++)
                                + "\n");
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                samples += batch.size();
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    pause(wait / 1_000_000);
                }
            }
        }

        private boolean send(List<Row> batch) {
            try {
                client.publish("raw", batch);
                return true;
            } catch (RuntimeException e) {
                log("writer " + id + ": batch failed, sending it again: " + e.getMessage());
                return false;
            }
        }

        private List<Row> batch() {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Row> rows = new LinkedHashMap<>();
            int n = 100 + random.nextInt(151);
            while (rows.size() < n) {
                int p = random.nextInt(100);
                long ts;
                int rt;
                if (p < 15 && recent > 0) {
                    int i = (int) (random.nextLong(Math.min(recent, recentMicros.length)));
                    ts = recentMicros[i];
                    rt = recentIds[i];
                } else {
                    Instant t = p < 62 ? now.minusMillis(random.nextLong(Duration.ofDays(3).toMillis()))
                            : now.minusMillis(random.nextInt(2000));
                    ts = micros(t);
                    rt = random.nextInt(50);
                    int slot = (int) (recent++ % recentMicros.length);
                    recentMicros[slot] = ts;
                    recentIds[slot] = rt;
                }
                // Same length and shape, so every collation orders them as the oracle does.
                String rtId = String.format("w%02d-%03d", id, rt);
                Instant t = Instant.EPOCH.plus(ts, ChronoUnit.MICROS);
                rows.put(ts + "|" + rtId, Row.of(rtId, t, Map.of("v", (random.nextInt(801) - 400) * 0.25)));
            }
            return new ArrayList<>(rows.values());
        }
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** Drives the rollups until neither has a stale range, twice in a row (at most 10 minutes). */
    private static Map<String, Instant> settle(TidemarkClient admin) {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        int settled = 0;
        while (System.nanoTime() < deadline) {
            for (String r : List.of("raw_1m", "raw_1h")) {
                try {
                    admin.processRollup(r);
                } catch (RuntimeException e) {
                    // a lost race with the orchestrator's own round
                }
            }
            Map<String, Instant> out = new LinkedHashMap<>();
            boolean clean = true;
            for (RollupView v : admin.rollupsFor("raw")) {
                out.put(v.name(), v.watermark());
                clean &= v.staleRanges().isEmpty() && v.watermark() != null;
            }
            settled = clean ? settled + 1 : 0;
            if (settled == 2) {
                return out;
            }
            pause(200);
        }
        throw new IllegalStateException("the rollups did not settle within 10 minutes");
    }

    /** What the oracle found: counts of samples and of differences. */
    private record Check(long expected, long stored, long lost, long wrong, long extra, long buckets,
            long wrongBuckets) {}

    private Check check(Path work, String jdbcUrl, int writerCount, Map<String, Instant> watermarks)
            throws SQLException {
        try (java.sql.Connection oracle = DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Connection store = DriverManager.getConnection(jdbcUrl)) {
            try (Statement s = oracle.createStatement()) {
                List<String> files = new ArrayList<>();
                for (int w = 0; w < writerCount; w++) {
                    files.add("'" + work.resolve("ledger-" + w + ".csv").toString().replace("'", "''") + "'");
                }
                s.execute("CREATE TABLE ledger AS SELECT * FROM read_csv([" + String.join(", ", files)
                        + "], header = false, columns = {'us': 'BIGINT', 'rt': 'VARCHAR', 'v': 'DOUBLE', "
                        + "'seq': 'BIGINT'}, filename = true)");
            }
            long[] counts = compareRaw(oracle, store);
            long[] buckets = compareRollups(store, watermarks);
            return new Check(counts[0], counts[1], counts[2], counts[3], counts[4], buckets[0], buckets[1]);
        }
    }

    /** Merge-compares the last acknowledged value per key with the stored rows, both in key order. */
    private static long[] compareRaw(java.sql.Connection oracle, java.sql.Connection store) throws SQLException {
        long expected = 0;
        long stored = 0;
        long lost = 0;
        long wrong = 0;
        long extra = 0;
        try (Statement os = oracle.createStatement();
                ResultSet e = os.executeQuery("SELECT us, rt, arg_max(v, seq) FROM ledger GROUP BY filename, us, rt "
                        + "ORDER BY us, rt");
                PreparedStatement ps = store.prepareStatement("SELECT \"timestamp\", \"rtId\", v FROM \"" + TENANT
                        + "\".\"raw\" ORDER BY \"timestamp\", \"rtId\"");
                ResultSet s = ps.executeQuery()) {
            boolean he = e.next();
            boolean hs = s.next();
            while (he || hs) {
                int cmp;
                if (!he) {
                    cmp = 1;
                } else if (!hs) {
                    cmp = -1;
                } else {
                    long su = micros(s.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC));
                    cmp = su != e.getLong(1) ? Long.compare(e.getLong(1), su) : e.getString(2).compareTo(s.getString(2));
                }
                if (cmp == 0 && e.getDouble(3) != s.getDouble(3)) {
                    wrong++;
                }
                if (cmp < 0) {
                    lost++;
                }
                if (cmp > 0) {
                    extra++;
                }
                if (cmp <= 0) {
                    expected++;
                    he = e.next();
                }
                if (cmp >= 0) {
                    stored++;
                    hs = s.next();
                }
            }
        }
        return new long[] {expected, stored, lost, wrong, extra};
    }

    /** Buckets below the watermark compared with the store's GROUP BY date_trunc(...) of the raw rows. */
    private static long[] compareRollups(java.sql.Connection c, Map<String, Instant> watermarks) throws SQLException {
        long buckets = 0;
        long wrong = 0;
        for (String[] r : new String[][] {{"raw_1m", "minute"}, {"raw_1h", "hour"}}) {
            Map<String, List<Object>> expected = rollupRows(c, "SELECT date_trunc('" + r[1] + "', \"timestamp\"), "
                    + "\"rtId\", count(*), sum(v), max(v) FROM \"" + TENANT + "\".\"raw\" GROUP BY 1, 2",
                    watermarks.get(r[0]), r[1]);
            Map<String, List<Object>> actual = rollupRows(c, "SELECT \"timestamp\", \"rtId\", n, s, mx FROM \""
                    + TENANT + "\".\"" + r[0] + "\"", watermarks.get(r[0]), r[1]);
            buckets += expected.size();
            for (Map.Entry<String, List<Object>> e : expected.entrySet()) {
                if (!e.getValue().equals(actual.remove(e.getKey()))) {
                    wrong++;
                    if (wrong <= 10) {
                        log(r[0] + " " + e.getKey() + ": GROUP BY " + e.getValue() + ", rollup differs");
                    }
                }
            }
            wrong += actual.size();
        }
        return new long[] {buckets, wrong};
    }

    private static Map<String, List<Object>> rollupRows(java.sql.Connection c, String sql, Instant watermark,
            String unit) throws SQLException {
        Map<String, List<Object>> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Instant bucket = rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                if (bucket.plus(1, unit.equals("hour") ? ChronoUnit.HOURS : ChronoUnit.MINUTES).isAfter(watermark)) {
                    continue;
                }
                out.put(bucket + "|" + rs.getString(2), List.of(rs.getLong(3), rs.getDouble(4), rs.getDouble(5)));
            }
        }
        return out;
    }

    /** One memory sample: seconds since start, bytes. */
    private record Memory(double t, long heapAfterGc, long heapUsed, long heapCommitted, long direct, long rss) {
        static Memory sample(double t, boolean forced) {
            long afterGc = 0;
            long used = 0;
            long committed = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() != MemoryType.HEAP) {
                    continue;
                }
                if (forced) {
                    afterGc += p.getUsage().getUsed();
                } else if (p.getCollectionUsage() != null) {
                    afterGc += p.getCollectionUsage().getUsed();
                }
                used += p.getUsage().getUsed();
                committed += p.getUsage().getCommitted();
            }
            long direct = 0;
            for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                direct += b.getMemoryUsed();
            }
            return new Memory(t, afterGc, used, committed, direct, readRss());
        }

        /** VmRSS from /proc/self/status, in bytes; -1 where there is none. */
        private static long readRss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return -1;
        }
    }

    /** Least-squares slope of heap after GC over the samples after warm-up, in MB per hour. */
    static double slopeMbPerHour(List<double[]> points) {
        int n = points.size();
        if (n < 2) {
            return Double.NaN;
        }
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
        double my = points.stream().mapToDouble(p -> p[1]).average().orElse(0);
        double num = 0;
        double den = 0;
        for (double[] p : points) {
            num += (p[0] - mx) * (p[1] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return den == 0 ? Double.NaN : num / den * 3600 / 1e6;
    }

    private Integer report(List<Memory> samples, double warmupSeconds, List<Writer> ws, Check check) {
        List<Memory> measured = samples.stream().filter(m -> m.t() >= warmupSeconds).toList();
        List<double[]> points = measured.stream().map(m -> new double[] {m.t(), m.heapAfterGc()}).toList();
        Memory first = measured.isEmpty() ? samples.get(0) : measured.get(0);
        Memory last = samples.get(samples.size() - 1);
        long rssMin = samples.stream().mapToLong(Memory::rss).min().orElse(-1);
        long rssMax = samples.stream().mapToLong(Memory::rss).max().orElse(-1);
        long directMax = samples.stream().mapToLong(Memory::direct).max().orElse(-1);
        long committedMax = samples.stream().mapToLong(Memory::heapCommitted).max().orElse(-1);
        double slope = slopeMbPerHour(points);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("engine", engine);
        setup.put("duration", String.format("%.1f min measured after %.1f min warm-up", minutes, warmupMinutes));
        setup.put("writers", writers + " × " + batchesPerSecond + " batches/s of 100–250 samples (55 % of new "
                + "samples late over 3 days, 15 % re-sends)");
        setup.put("live clients", clients + " × " + QUERIES.length + " queries: " + String.join("; ", QUERIES));
        setup.put("live window", liveWindow);
        setup.put("rollups", "raw_1m (COUNT, SUM, MAX), raw_1h of raw_1m; rollup.interval 1 s");
        setup.put("max heap (-Xmx)", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        setup.put("heap after GC measured", !passiveGc ? "after System.gc() at each sample" : "collection usage of the "
                + "heap pools after their last cycle");
        setup.put("DuckDB memory_limit", engine.equals("duckdb") ? duckdbMemoryLimit == null ? "DuckDB's default (80 % "
                + "of RAM)" : duckdbMemoryLimit : "-");
        setup.put("heap after GC, least-squares slope after warm-up", String.format("%.1f MB/hour over %d samples",
                slope, points.size()));
        setup.put("RSS min / max", String.format("%.0f / %.0f MB", rssMin / 1e6, rssMax / 1e6));
        setup.put("heap committed max; direct buffers max", String.format("%.0f MB; %.0f MB", committedMax / 1e6,
                directMax / 1e6));
        setup.put("RSS − heap committed − direct at the end (metaspace, code, threads, DuckDB native)",
                String.format("%.0f MB", (last.rss() - last.heapCommitted() - last.direct()) / 1e6));
        setup.put("samples acknowledged", ws.stream().mapToLong(w -> w.samples).sum());
        setup.put("generations at client 0; live errors", generations.get() + "; " + liveErrors.get());
        setup.put("oracle: distinct keys expected / stored", check.expected() + " / " + check.stored());
        setup.put("oracle: lost / wrong value / extra", check.lost() + " / " + check.wrong() + " / " + check.extra());
        setup.put("oracle: rollup buckets compared / differing", check.buckets() + " / " + check.wrongBuckets());
        boolean ok = check.lost() == 0 && check.wrong() == 0 && check.extra() == 0 && check.wrongBuckets() == 0;
        setup.put("verdict", ok ? "nothing acknowledged lost, rollups equal the GROUP BY" : "ORACLE MISMATCH");
        List<Figure> figures = List.of(
                new Figure(engine, "heap after GC at the end", last.heapAfterGc() / 1e6, "MB",
                        first.heapAfterGc() / 1e6, "heap after GC after warm-up", Double.NaN),
                new Figure(engine, "RSS at the end", last.rss() / 1e6, "MB", first.rss() / 1e6,
                        "RSS after warm-up", Double.NaN));
        if (json) {
            Report.json(System.out, "soak", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench soak", setup, figures);
        }
        return ok ? 0 : 1;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void log(String s) {
        System.err.println("[bench soak] " + s);
    }
}
