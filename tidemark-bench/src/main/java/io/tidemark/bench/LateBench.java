package io.tidemark.bench;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.rollup.OrchestratorConfig;
import io.tidemark.rollup.RollupOrchestrator;
import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench late}: ingest with 0 %, 1 % and 5 % late samples, measured in the same run, each share into
 * an archive and PT1M rollup of its own (same history, same watermark), 0 % being the baseline; then the recompute
 * of the stale buckets the 5 % share left (source rows per second) against the forward path over the freshly
 * ingested data of the same archive.
 *
 * <p>Every batch carries the same on-time samples in every share (the next seconds of all series, in time order);
 * in the late shares 1 % or 5 % of them, at random positions, are replaced by late ones. Late samples follow
 * {@code --late}: {@code gateway} (default) — gateways that were offline replay their buffer in time order, each
 * {@code --gateway-series} series of its own at 1 Hz starting {@code --lag} seconds before the watermark, one gateway
 * after the other, so late samples are new keys scattered over many rtIds in a narrow, moving time window;
 * {@code scattered} — new keys at random microseconds anywhere in the history (the worst case for the stale-range
 * record); {@code resend} — late re-sends of stored keys: gateways replay, as in {@code gateway}, a buffer that was
 * already delivered (the history's own series and values, at-least-once delivery), one re-send in ten carrying a
 * corrected value. Shares run round robin, rotating which goes first; {@code --warmup} rounds are not measured; the rate of a
 * share is its batch size over its median batch time. Each batch size in {@code --batch} is measured in turn on the
 * same archives.
 *
 * <p>Run: {@code ./tidemark bench late [--engine duckdb|postgresql|all] [--rtids 1000] [--history 1200]
 * [--batch 10000,100000] [--batches 20] [--warmup 3] [--late gateway|scattered|resend] [--lag 600] [--json]}.
 */
@Command(name = "late", mixinStandardHelpOptions = true,
        description = "Ingest with 0/1/5 %% late samples (same run) and recompute vs forward rollup throughput.")
final class LateBench implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("bench");
    private static final int[] LATE_PERCENT = {0, 1, 5};

    @Option(names = "--engine", description = "duckdb, postgresql or all (default: ${DEFAULT-VALUE})")
    String engine = "all";

    @Option(names = "--rtids", description = "series (default: ${DEFAULT-VALUE})")
    int rtIds = 1_000;

    @Option(names = "--history", description = "seconds of 1 Hz history below the watermark (default: ${DEFAULT-VALUE})")
    int history = 1_200;

    @Option(names = "--batches", description = "measured batches per late share and batch size (default: ${DEFAULT-VALUE})")
    int batches = 20;

    @Option(names = "--warmup", description = "unmeasured rounds per batch size (default: ${DEFAULT-VALUE})")
    int warmup = 3;

    @Option(names = "--batch", split = ",", description = "samples per batch, one run each (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes = List.of(10_000, 100_000);

    @Option(names = "--late", description = "gateway, scattered or resend (default: ${DEFAULT-VALUE})")
    String pattern = "gateway";

    @Option(names = "--lag", description = "gateway, resend: seconds its replay starts before the watermark (default: ${DEFAULT-VALUE})")
    int lag = 600;

    @Option(names = "--gateway-series", description = "gateway: series per gateway (default: ${DEFAULT-VALUE})")
    int gatewaySeries = 50;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for database files, kept (default: a temporary one, "
            + "removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        history = Math.max(60, history / 60 * 60);
        lag = Math.max(1, Math.min(lag, history));
        if (!List.of("gateway", "scattered", "resend").contains(pattern)) {
            throw new IllegalArgumentException("--late must be gateway, scattered or resend, got " + pattern);
        }
        return WorkDir.run(dir, "tidemark-bench-late", this::run);
    }

    private Integer run(Path work) throws Exception {
        List<Figure> figures = new ArrayList<>();
        if (engine.equals("all") || engine.equals("duckdb")) {
            figures.addAll(run("duckdb", Stores.open(StoreConfig.embedded(work.resolve("late"))),
                    pattern.equals("resend") ? null : new RawLate(work.resolve("late-raw.duckdb"))));
        }
        if (engine.equals("all") || engine.equals("postgresql")) {
            try (BenchPostgres pg = BenchPostgres.start()) {
                figures.addAll(run("postgresql", Stores.open(new StoreConfig(pg.newDatabase(), null, null, 4)), null));
            }
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("rtIds", rtIds);
        setup.put("history", history + " s of 1 Hz samples per series below the watermark, per archive");
        setup.put("measured", batches + " batches per share and batch size " + batchSizes + ", round robin, after "
                + warmup + " unmeasured rounds; rate = batch size / median batch time");
        setup.put("late samples", switch (pattern) {
            case "gateway" -> "gateways of " + gatewaySeries + " new series each replaying 1 Hz from " + lag
                    + " s before the watermark, in time order";
            case "resend" -> "gateways of " + gatewaySeries + " stored series each re-sending their history from "
                    + lag + " s before the watermark, in time order; 1 in 10 with a corrected value";
            default -> "new keys at random microseconds in the history";
        });
        setup.put("rollup", "PT1M: COUNT(*), SUM, AVG of a; MAX of b");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "late", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench late", setup, figures);
        }
        return 0;
    }

    /**
     * @param raw where the same samples also go through DuckDB's Appender alone (0 % and 5 % shares, same history),
     *     timed apart: the engine's own cost of the late keys; null to skip
     */
    private List<Figure> run(String name, Store store, RawLate raw) throws Exception {
        List<Figure> out = new ArrayList<>();
        try (store; RawLate rawLate = raw) {
            store.createTenant(TENANT);
            Generator gen = new Generator(rtIds, history, 100_000);
            for (int pct : LATE_PERCENT) {
                create(store, pct);
                if (raw != null) {
                    raw.create(pct);
                }
                for (int k = 0; k < gen.batches(); k++) {
                    List<Sample> samples = Generator.samples(gen.batch(k));
                    store.archives().write(TENANT, archive(pct), samples);
                    if (raw != null) {
                        raw.append(pct, samples);
                    }
                }
                Clock atHistoryEnd = Clock.fixed(Generator.T0.plusSeconds(history), ZoneOffset.UTC);
                orchestrator(store, atHistoryEnd).processRollup(rollup(pct));
            }
            Random rnd = new Random(42);
            long[] late = new long[LATE_PERCENT.length];
            long position = 0;
            for (int batch : batchSizes) {
                log(name + ": ingest, " + batch + " samples per batch, " + warmup + " + " + batches
                        + " rounds, round robin");
                long[][] nanos = new long[LATE_PERCENT.length][batches];
                long[][] rawNanos = new long[LATE_PERCENT.length][batches];
                for (int k = -warmup; k < batches; k++, position += batch) {
                    for (int i = 0; i < LATE_PERCENT.length; i++) {
                        int s = Math.floorMod(i + k, LATE_PERCENT.length);
                        List<Sample> samples = batch(position, batch, LATE_PERCENT[s], late, s, rnd);
                        long t0 = System.nanoTime();
                        store.archives().write(TENANT, archive(LATE_PERCENT[s]), samples);
                        long t1 = System.nanoTime();
                        if (raw != null) {
                            raw.append(LATE_PERCENT[s], samples);
                        }
                        if (k >= 0) {
                            nanos[s][k] = t1 - t0;
                            rawNanos[s][k] = System.nanoTime() - t1;
                        }
                    }
                }
                double base = batch / (median(nanos[0]) / 1e9);
                for (int i = 1; i < LATE_PERCENT.length; i++) {
                    out.add(new Figure(name, "ingest, " + LATE_PERCENT[i] + " % late, " + batch + "/batch",
                            batch / (median(nanos[i]) / 1e9), "rows/s", base, "ingest, 0 % late (same run)", 0.9));
                }
                if (raw != null) {
                    double rawBase = batch / (median(rawNanos[0]) / 1e9);
                    for (int i = 1; i < LATE_PERCENT.length; i++) {
                        out.add(new Figure(name, "raw Appender, " + LATE_PERCENT[i] + " % late, " + batch + "/batch",
                                batch / (median(rawNanos[i]) / 1e9), "rows/s", rawBase,
                                "raw Appender, 0 % late (same run)", Double.NaN));
                    }
                }
            }
            int last = LATE_PERCENT.length - 1;
            int pct = LATE_PERCENT[last];
            List<StaleRange> ranges = store.rollups().staleRanges(rollup(pct));
            long buckets = ranges.stream().mapToLong(r -> Duration.between(r.from(), r.to()).toMinutes()).sum();
            long recomputeRows = buckets * 60 * rtIds + (pattern.equals("resend") ? 0 : late[last]);
            log(name + ": recompute " + ranges.size() + " stale ranges, " + buckets + " buckets");
            long t0 = System.nanoTime();
            orchestrator(store, Clock.fixed(historyEnd(), ZoneOffset.UTC)).processRollup(rollup(pct));
            double recompute = (System.nanoTime() - t0) / 1e9;
            if (!store.rollups().staleRanges(rollup(pct)).isEmpty()) {
                throw new IllegalStateException(name + ": stale ranges left after the recompute");
            }
            long forwardRows = position - late[last];
            Clock later = Clock.fixed(historyEnd().plusSeconds(position / rtIds + 120), ZoneOffset.UTC);
            t0 = System.nanoTime();
            orchestrator(store, later).processRollup(rollup(pct));
            double forward = (System.nanoTime() - t0) / 1e9;
            out.add(new Figure(name, "recompute (source rows/s)", recomputeRows / recompute, "rows/s",
                    forwardRows / forward, "forward path, same rollup (rows/s)", Double.NaN));
        }
        return out;
    }

    /**
     * The batch of on-time positions {@code [from, from + size)} (position p: series p mod rtIds, second p div rtIds
     * after the watermark), {@code pct} % of them replaced by the next late samples of share {@code s}.
     */
    private List<Sample> batch(long from, int size, int pct, long[] late, int s, Random rnd) {
        List<Sample> out = new ArrayList<>(size);
        for (int j = 0; j < size; j++) {
            long idx = from + j;
            String rtId = "sensor-" + (idx % rtIds);
            Instant t = historyEnd().plusSeconds(idx / rtIds);
            if (rnd.nextInt(100) < pct) {
                long m = late[s]++;
                long perGateway = (long) gatewaySeries * lag;
                if (pattern.equals("gateway")) {
                    rtId = "gateway-" + (m / perGateway) + "-" + (m % gatewaySeries);
                    t = historyEnd().minusSeconds(lag).plusSeconds(m % perGateway / gatewaySeries);
                } else if (pattern.equals("resend")) {
                    int series = (int) ((m / perGateway * gatewaySeries + m % gatewaySeries) % rtIds);
                    int second = (int) (history - lag + m % perGateway / gatewaySeries);
                    out.add(resent(series, second, m % 10 == 0));
                    continue;
                } else {
                    t = Generator.T0.plusNanos((long) (rnd.nextDouble() * history * 1e6) * 1000);
                }
            }
            out.add(new Sample(rtId, t, Map.of("a", rnd.nextDouble() * 10, "b", (double) (idx % rtIds))));
        }
        return out;
    }

    /**
     * DuckDB's Appender alone, on a database of its own: one table per late share with the archive's layout and
     * primary key, the same samples appended and committed batch by batch. What the engine itself pays for late
     * keys (inserted into the middle of the primary key's index), without Tidemark.
     */
    private static final class RawLate implements AutoCloseable {
        private final org.duckdb.DuckDBConnection c;

        RawLate(Path file) throws java.sql.SQLException {
            c = (org.duckdb.DuckDBConnection) java.sql.DriverManager.getConnection("jdbc:duckdb:" + file);
        }

        void create(int pct) throws java.sql.SQLException {
            try (java.sql.Statement s = c.createStatement()) {
                s.execute("CREATE TABLE raw" + pct + " (\"timestamp\" TIMESTAMPTZ NOT NULL, \"rtId\" VARCHAR NOT NULL, "
                        + "a DOUBLE, b DOUBLE, PRIMARY KEY (\"timestamp\", \"rtId\"))");
            }
        }

        void append(int pct, List<Sample> samples) throws java.sql.SQLException {
            c.setAutoCommit(false);
            try (org.duckdb.DuckDBAppender app = c.createAppender(org.duckdb.DuckDBConnection.DEFAULT_SCHEMA,
                    "raw" + pct)) {
                for (Sample x : samples) {
                    app.beginRow();
                    app.appendEpochMicros(x.timestamp().getEpochSecond() * 1_000_000L + x.timestamp().getNano() / 1000);
                    app.append(x.rtId());
                    app.append((Double) x.values().get("a"));
                    app.append((Double) x.values().get("b"));
                    app.endRow();
                }
                app.flush();
            }
            c.commit();
            c.setAutoCommit(true);
        }

        @Override
        public void close() throws java.sql.SQLException {
            c.close();
        }
    }

    /** The stored history sample of {@code series} at {@code second} (see {@link Generator}), or a correction of it. */
    private static Sample resent(int series, int second, boolean corrected) {
        double a = 20 + 5 * Math.sin(second / 60.0 + series) + (corrected ? 1 : 0);
        return new Sample("sensor-" + series, Generator.T0.plusSeconds(second),
                Map.of("a", a, "b", series + second * 0.001));
    }

    private static double median(long[] xs) {
        long[] sorted = xs.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private Instant historyEnd() {
        return Generator.T0.plusSeconds(history);
    }

    private static void create(Store store, int pct) {
        store.archives().createArchive(TENANT, ArchiveDefinition.raw(archive(pct),
                List.of(Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE))));
        store.archives().activateArchive(TENANT, archive(pct));
        store.archives().createRollupArchive(TENANT, RollupDefinition.builder(archive(pct) + "_1m")
                .source(archive(pct)).bucket("PT1M").watermarkLag(Duration.ZERO)
                .aggregate(AggregateFunction.COUNT, null, "n").aggregate(AggregateFunction.SUM, "a", "a_sum")
                .aggregate(AggregateFunction.AVG, "a", "a_avg").aggregate(AggregateFunction.MAX, "b", "b_max")
                .build());
        store.archives().activateArchive(TENANT, archive(pct) + "_1m");
    }

    private static RollupOrchestrator orchestrator(Store store, Clock clock) {
        return RollupOrchestrator.builder(store, TENANT).clock(clock).config(OrchestratorConfig.DEFAULT).build();
    }

    private static String archive(int pct) {
        return "late" + pct;
    }

    private static RollupId rollup(int pct) {
        return new RollupId(TENANT, archive(pct) + "_1m");
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
