package io.tidemark.bench;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench ingest}: HTTP ingest into a Tidemark server against the engine's own bulk path, same run, in
 * two parts.
 *
 * <ul>
 *   <li><b>bulk</b> (embedded DuckDB): NDJSON and CSV requests of {@code --bulk-batch} samples vs DuckDB's Appender
 *       straight into a table of the same shape, interleaved batch by batch; the same from {@code --bulk-clients}
 *       clients; {@code store.write} without HTTP; and one gateway's {@code --small-batch}-sample requests vs the
 *       Appender committing as many rows.
 *   <li><b>writers</b> ({@link WritersMatrix}): many small writers — every cell of {@code --clients} ×
 *       {@code --batch} (samples per request) posts fresh samples for {@code --cell-seconds}, in NDJSON and/or line
 *       protocol, vs the Appender (or PostgreSQL's COPY with {@code --engine postgresql}) loading the same samples in
 *       {@code --baseline-commit}-row commits.
 * </ul>
 *
 * <p>Run: {@code ./tidemark bench ingest [--part all|bulk|writers] [--clients 1,8,64,256] [--batch 10,100,1000]
 * [--format ndjson|line|all] [--engine duckdb|postgresql|all] [--cell-seconds 3] [--cell-rounds 1] [--json]}, e.g.
 * {@code ./tidemark bench ingest --part writers --clients 64 --batch 100}.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "HTTP ingest samples/s vs the engine's bulk path (DuckDB Appender, PostgreSQL COPY), same run: "
                + "large NDJSON/CSV requests (bulk) and many small writers (writers).")
final class IngestBench implements Callable<Integer> {
    private static final double TARGET = 0.7;

    @Option(names = "--part", description = "bulk, writers or all (default: ${DEFAULT-VALUE})")
    String part = "all";

    @Option(names = "--rtids", description = "bulk: series (default: ${DEFAULT-VALUE})")
    int rtIds = 1_000;

    @Option(names = "--seconds", description = "bulk: seconds of 1 Hz samples per series (default: ${DEFAULT-VALUE})")
    int seconds = 1_000;

    @Option(names = "--bulk-batch", description = "bulk: samples per request (default: ${DEFAULT-VALUE})")
    int batch = 50_000;

    @Option(names = "--bulk-clients", description = "bulk: concurrent clients for the pipelined NDJSON figure "
            + "(default: ${DEFAULT-VALUE})")
    int clients = 2;

    @Option(names = "--small-batch", description = "bulk: samples per request for the small-batch figure: one gateway "
            + "of that many series posting every second (default: ${DEFAULT-VALUE}; 0 skips it)")
    int smallBatch = 100;

    @Option(names = "--small-batches", description = "bulk: requests measured for the small-batch figure "
            + "(default: ${DEFAULT-VALUE})")
    int smallBatches = 500;

    @Option(names = "--warmup", description = "bulk: untimed batches per path first, into separate tables, so the JIT "
            + "has compiled both sides before timing (default: ${DEFAULT-VALUE})")
    int warmup = 5;

    @Option(names = "--clients", split = ",", description = "writers: concurrent clients, a list "
            + "(default: ${DEFAULT-VALUE})")
    List<Integer> writerClients = List.of(1, 8, 64, 256);

    @Option(names = "--batch", split = ",", description = "writers: samples per request, a list "
            + "(default: ${DEFAULT-VALUE})")
    List<Integer> writerBatches = List.of(10, 100, 1000);

    @Option(names = "--format", description = "writers: ndjson, line (InfluxDB line protocol at /api/v2/write; "
            + "skipped with a message where the server answers 404) or all (default: ${DEFAULT-VALUE})")
    String format = "ndjson";

    @Option(names = "--engine", description = "writers: duckdb (embedded), postgresql (embedded server) or all; the "
            + "bulk part runs on DuckDB only (default: ${DEFAULT-VALUE})")
    String engine = "duckdb";

    @Option(names = "--cell-seconds", description = "writers: measured seconds per cell and format "
            + "(default: ${DEFAULT-VALUE})")
    double cellSeconds = 3;

    @Option(names = "--cell-warmup", description = "writers: untimed seconds per cell and format first, same clients "
            + "and archive (default: ${DEFAULT-VALUE})")
    double cellWarmup = 0.5;

    @Option(names = "--cell-rounds", description = "writers: measured rounds per cell and format, each followed by "
            + "its baseline; the round with the median ratio is reported (default: ${DEFAULT-VALUE})")
    int cellRounds = 1;

    @Option(names = "--baseline-commit", description = "writers: rows per commit of the baseline's bulk load "
            + "(default: ${DEFAULT-VALUE})")
    int baselineCommit = 50_000;

    @Option(names = "--timeout", description = "writers: seconds a request may wait for its answer "
            + "(default: ${DEFAULT-VALUE})")
    int timeout = 120;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for database files, kept (default: a temporary one, "
            + "removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench-ingest", this::run);
    }

    private Integer run(Path work) throws Exception {
        if (!List.of("all", "bulk", "writers").contains(part)) {
            throw new IllegalArgumentException("--part must be all, bulk or writers, not " + part);
        }
        if (!List.of("all", "duckdb", "postgresql").contains(engine)) {
            throw new IllegalArgumentException("--engine must be duckdb, postgresql or all, not " + engine);
        }
        List<Figure> figures = new ArrayList<>();
        Map<String, Object> setup = new LinkedHashMap<>();
        boolean duckdb = !engine.equals("postgresql");
        if (!part.equals("writers") && duckdb) {
            figures.addAll(bulk(work, setup));
        }
        if (!part.equals("bulk")) {
            figures.addAll(writers(work, setup));
        }
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        setup.put("load average at the end", Report.loadAverage());
        if (json) {
            Report.json(System.out, "ingest", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench ingest", setup, figures);
        }
        return 0;
    }

    private List<Figure> writers(Path work, Map<String, Object> setup) throws Exception {
        List<GatewayLoad.Format> formats = format.equals("all") ? List.of(GatewayLoad.Format.NDJSON,
                GatewayLoad.Format.LINE) : List.of(GatewayLoad.Format.of(format));
        WritersMatrix matrix = new WritersMatrix(new WritersMatrix.Settings(writerClients, writerBatches, formats,
                seconds(cellSeconds), seconds(cellWarmup), cellRounds, baselineCommit, Duration.ofSeconds(timeout)));
        setup.put("writers", "clients " + writerClients + " × samples per request " + writerBatches + ", "
                + formats.stream().map(WritersMatrix::name).toList() + "; " + cellSeconds + " s measured after "
                + cellWarmup + " s untimed per cell and format, " + cellRounds + " round(s) (median ratio); every "
                + "request a distinct set of keys");
        setup.put("writers path", "one keep-alive HTTP/1.1 connection per client → parse → validate → one store "
                + "transaction (or whatever main batches them into) → answer; stored rows counted over SQL");
        List<Figure> figures = new ArrayList<>();
        if (!engine.equals("postgresql")) {
            try (TidemarkTarget target = TidemarkTarget.start(work.resolve("writers-tidemark"), null);
                    RawDuckDb raw = new RawDuckDb(work.resolve("writers-baseline.duckdb"))) {
                figures.addAll(matrix.run("duckdb", target, raw));
            }
        }
        if (!engine.equals("duckdb")) {
            try (BenchPostgres pg = BenchPostgres.start();
                    TidemarkTarget target = TidemarkTarget.start(work.resolve("writers-tidemark-pg"),
                            pg.newDatabase());
                    RawPostgres raw = new RawPostgres(pg.newDatabase())) {
                figures.addAll(matrix.run("postgresql", target, raw));
            }
        }
        return figures;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private List<Figure> bulk(Path work, Map<String, Object> setup) throws Exception {
        Generator gen = new Generator(rtIds, seconds, batch);
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlEnabled(false).dataDir(work.resolve("tidemark"))
                .bootstrapToken(false).rollupInterval(Duration.ofHours(1))
                .ingestMaxRows(Math.max(batch, 1000)).ingestMaxBytes(Math.max(64L << 20, batch * 200L)).build();
        long rawNanos = 0;
        long ndjsonNanos = 0;
        long csvNanos = 0;
        long concurrentNanos;
        long storeNanos = 0;
        long[] small = null;
        try (RawDuckDb raw = new RawDuckDb(work.resolve("baseline.duckdb"));
                TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            raw.createSamples();
            String token = Tokens.issue(server.store(), TenantId.of("bench"), Role.ADMIN, "bench", Instant.now())
                    .secret();
            TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token)
                    .build());
            for (String archive : List.of("ndjson", "csv", "concurrent", "direct", "warm_ndjson", "warm_csv",
                    "small")) {
                client.createArchive(archive, new LinkedHashMap<>(Map.of("a", "DOUBLE", "b", "DOUBLE")));
                client.activateArchive(archive);
            }
            warmUp(work, client, gen);
            log("ingest, " + gen.batches() + " batches of " + batch + " each way, interleaved");
            for (int k = 0; k < gen.batches(); k++) {
                Generator.Batch b = gen.batch(k);
                byte[] nd = ndjson(b);
                byte[] csv = csv(b);
                long t0 = System.nanoTime();
                raw.bulkWrite(b);
                long t1 = System.nanoTime();
                int n1 = client.publishBody("ndjson", TidemarkClient.BodyFormat.NDJSON, nd);
                long t2 = System.nanoTime();
                int n2 = client.publishBody("csv", TidemarkClient.BodyFormat.CSV, csv);
                long t3 = System.nanoTime();
                List<io.tidemark.core.Sample> samples = Generator.samples(b);
                long t4 = System.nanoTime();
                server.store().archives().write(TenantId.of("bench"), "direct", samples);
                long t5 = System.nanoTime();
                storeNanos += t5 - t4;
                if (n1 != b.size() || n2 != b.size()) {
                    throw new IllegalStateException("batch " + k + ": wrote " + n1 + " / " + n2 + " of " + b.size());
                }
                rawNanos += t1 - t0;
                ndjsonNanos += t2 - t1;
                csvNanos += t3 - t2;
            }
            concurrentNanos = concurrent(client, gen);
            if (smallBatch > 0) {
                small = small(work, client);
            }
        }
        double baseline = gen.total() / (rawNanos / 1e9);
        String load = "load " + Report.loadAverage();
        List<Figure> figures = new ArrayList<>();
        figures.add(new Figure("duckdb", "HTTP ingest NDJSON", gen.total() / (ndjsonNanos / 1e9), "rows/s", baseline,
                "DuckDB Appender into the table", TARGET, load));
        figures.add(new Figure("duckdb", "HTTP ingest CSV", gen.total() / (csvNanos / 1e9), "rows/s", baseline,
                "DuckDB Appender into the table", TARGET, load));
        figures.add(new Figure("duckdb", "store.write, no HTTP (diagnostic)", gen.total() / (storeNanos / 1e9),
                "rows/s", baseline, "DuckDB Appender into the table", Double.NaN, load));
        figures.add(new Figure("duckdb", "HTTP ingest NDJSON, " + clients + " clients", gen.total()
                / (concurrentNanos / 1e9), "rows/s", baseline, "DuckDB Appender into the table", TARGET, load));
        if (small != null) {
            long rows = (long) smallBatch * smallBatches;
            figures.add(new Figure("duckdb", "HTTP ingest NDJSON, " + smallBatch + "-sample requests", rows
                    / (small[1] / 1e9), "rows/s", rows / (small[0] / 1e9), "DuckDB Appender, a commit per "
                    + smallBatch + " rows", Double.NaN, load));
        }
        setup.put("bulk samples", gen.total());
        setup.put("bulk rtIds", rtIds);
        setup.put("bulk seconds", seconds);
        setup.put("bulk batch", batch);
        setup.put("bulk path", "TidemarkClient.publishBody → HTTP/1.1 loopback → parse → validate → Appender + "
                + "insert");
        setup.put("bulk bodies", "encoded before timing; NDJSON ~" + ndjson(gen.batch(0)).length / Math.max(1,
                gen.batch(0).size()) + " B/sample, CSV ~" + csv(gen.batch(0)).length / Math.max(1,
                gen.batch(0).size()) + " B/sample");
        return figures;
    }

    /** The first batches through every path into tables that are not measured; nothing here is timed. */
    private void warmUp(Path work, TidemarkClient client, Generator gen) throws Exception {
        int n = Math.min(warmup, gen.batches());
        log("warm-up, " + n + " batches each way, untimed");
        try (RawDuckDb warm = new RawDuckDb(work.resolve("warmup.duckdb"))) {
            warm.createSamples();
            for (int k = 0; k < n; k++) {
                Generator.Batch b = gen.batch(k);
                warm.bulkWrite(b);
                client.publishBody("warm_ndjson", TidemarkClient.BodyFormat.NDJSON, ndjson(b));
                client.publishBody("warm_csv", TidemarkClient.BodyFormat.CSV, csv(b));
            }
        }
    }

    /**
     * Small requests, as gateways post them: {@code smallBatch} series, one sample each per request, interleaved
     * request by request with the Appender writing and committing the same rows into a database of its own, after
     * as many untimed warm-up requests each way. Per-request costs (HTTP, auth, the archive and dependants look-ups,
     * the commit) dominate here, not per-sample ones. Returns the nanoseconds of {raw, HTTP}.
     */
    private long[] small(Path work, TidemarkClient client) throws Exception {
        log("ingest, " + smallBatches + " requests of " + smallBatch + " samples each way, interleaved");
        Generator g = new Generator(smallBatch, 2 * smallBatches, smallBatch);
        long[] nanos = new long[2];
        try (RawDuckDb raw = new RawDuckDb(work.resolve("small.duckdb"))) {
            raw.createSamples();
            for (int k = 0; k < 2 * smallBatches; k++) {
                Generator.Batch b = g.batch(k);
                byte[] nd = ndjson(b);
                long t0 = System.nanoTime();
                raw.bulkWrite(b);
                long t1 = System.nanoTime();
                if (client.publishBody("small", TidemarkClient.BodyFormat.NDJSON, nd) != b.size()) {
                    throw new IllegalStateException("small batch " + k + " not fully written");
                }
                long t2 = System.nanoTime();
                if (k >= smallBatches) {
                    nanos[0] += t1 - t0;
                    nanos[1] += t2 - t1;
                }
            }
        }
        return nanos;
    }

    /**
     * The same batches again from {@code clients} threads at once into a third archive, so the server parses one
     * request while it writes another (DuckDB has one writer); measured as wall time over all batches.
     */
    private long concurrent(TidemarkClient client, Generator gen) throws Exception {
        log("ingest, " + gen.batches() + " batches from " + clients + " concurrent clients");
        List<byte[]> bodies = new ArrayList<>();
        for (int k = 0; k < gen.batches(); k++) {
            bodies.add(ndjson(gen.batch(k)));
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            long t0 = System.nanoTime();
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    for (int k = next.getAndIncrement(); k < bodies.size(); k = next.getAndIncrement()) {
                        client.publishBody("concurrent", TidemarkClient.BodyFormat.NDJSON, bodies.get(k));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) {
                f.get();
            }
            return System.nanoTime() - t0;
        } finally {
            pool.shutdown();
        }
    }

    private static byte[] ndjson(Generator.Batch b) {
        StringBuilder sb = new StringBuilder(b.size() * 80);
        for (int j = 0; j < b.size(); j++) {
            sb.append("{\"rtId\":\"").append(b.rtIds[j]).append("\",\"timestamp\":").append(b.micros[j] / 1000)
                    .append(",\"a\":").append(b.a[j]).append(",\"b\":").append(b.b[j]).append("}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] csv(Generator.Batch b) {
        StringBuilder sb = new StringBuilder(b.size() * 50).append("rtId,timestamp,a,b\n");
        for (int j = 0; j < b.size(); j++) {
            sb.append(b.rtIds[j]).append(',').append(b.micros[j] / 1000).append(',').append(b.a[j]).append(',')
                    .append(b.b[j]).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
