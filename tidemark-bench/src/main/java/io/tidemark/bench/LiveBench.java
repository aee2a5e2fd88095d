package io.tidemark.bench;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.live.Capabilities;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.LiveListener;
import io.tidemark.live.QueryConfig;
import io.tidemark.live.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench live}: the live-query engine.
 *
 * <ol>
 *   <li>Throughput: samples/s applied to {@code recent.bench} with 1, 10 and 100 registered aggregate queries
 *       ({@code SELECT g, COUNT(*), SUM(a) … WHERE b > k GROUP BY g}, each with its own k, so none share an operator),
 *       over {@code --rtids} series at 1 Hz, a 10 s live window (rows expire and are retracted) and a cut every
 *       simulated second, against a plain-Java GROUP BY over primitive arrays doing the same arithmetic (add, and
 *       subtract what leaves the window), measured in the same run.</li>
 *   <li>Latency: from the return of {@code onCommit} to the delivery of the {@code aggMarkEnd} that contains the
 *       batch, at {@code --rate} samples/s in batches every 10 ms, with {@code --subscribers} subscribers, the real
 *       clock and the engine's own scheduler cutting every {@code --publish-ms}. A batch is attributed to the
 *       generation after the one current when its commit returned, which can only overstate its latency.</li>
 * </ol>
 *
 * <p>Run: {@code ./tidemark bench live [--rtids 10000] [--seconds 30] [--latency-seconds 10] [--subscribers 100]
 * [--rate 100000] [--publish-ms 100] [--json]}.
 */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = "Live-query throughput vs a primitive-array GROUP BY, and commit-to-aggMarkEnd latency.")
final class LiveBench implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("bench");
    private static final int GROUPS = 100;
    private static final int WINDOW_SECONDS = 10;
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private static final ArchiveDefinition ARCHIVE = ArchiveDefinition.raw("bench", List.of(
            Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.BIGINT), Column.of("g", ColumnType.VARCHAR)));

    @Option(names = "--rtids", description = "series (default: ${DEFAULT-VALUE})")
    int rtIds = 10_000;

    @Option(names = "--seconds", description = "simulated seconds of 1 Hz samples per throughput run (default: ${DEFAULT-VALUE})")
    int seconds = 30;

    @Option(names = "--latency-seconds", description = "wall-clock seconds of the latency run (default: ${DEFAULT-VALUE})")
    int latencySeconds = 10;

    @Option(names = "--subscribers", description = "subscribers in the latency run (default: ${DEFAULT-VALUE})")
    int subscribers = 100;

    @Option(names = "--rate", description = "samples/s in the latency run (default: ${DEFAULT-VALUE})")
    int rate = 100_000;

    @Option(names = "--publish-ms", description = "publish interval in ms (default: ${DEFAULT-VALUE})")
    int publishMs = 100;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Figure> figures = new ArrayList<>();
        List<SampleBatch> batches = batches();
        for (int queries : new int[] {1, 10, 100}) {
            figures.add(throughput(batches, queries));
        }
        figures.addAll(latency());
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("rtIds", rtIds);
        setup.put("samples per throughput run", (long) rtIds * seconds);
        setup.put("query", "SELECT g, COUNT(*) AS n, SUM(a) AS total FROM recent.bench WHERE b > k GROUP BY g (k per query, " + GROUPS + " groups)");
        setup.put("live window", WINDOW_SECONDS + " s, cut every simulated second");
        setup.put("latency run", rate + " samples/s, " + subscribers + " subscribers, publish interval " + publishMs
                + " ms, " + latencySeconds + " s; target p99 <= " + (publishMs + 10) + " ms");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "live", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench live", setup, figures);
        }
        return 0;
    }

    /** One batch per simulated second: every rtId once, a uniform in [0, 100), b uniform in [0, 100). */
    private List<SampleBatch> batches() {
        java.util.Random rnd = new java.util.Random(42);
        List<SampleBatch> out = new ArrayList<>();
        for (int s = 0; s < seconds; s++) {
            List<Sample> samples = new ArrayList<>(rtIds);
            Instant t = T0.plusSeconds(s);
            for (int r = 0; r < rtIds; r++) {
                samples.add(Sample.of("rt" + r, t, Map.of("a", rnd.nextInt(10_000) / 100.0, "b", (long) rnd.nextInt(100),
                        "g", "g" + (r % GROUPS))));
            }
            out.add(SampleBatch.validate(ARCHIVE, samples, BatchLimits.DEFAULT));
        }
        return out;
    }

    private Figure throughput(List<SampleBatch> batches, int queries) {
        log("throughput with " + queries + " queries: baseline");
        double baseline = Math.max(median(() -> baseline(batches, queries)), 1);
        log("throughput with " + queries + " queries: tidemark-live");
        double live = median(() -> live(batches, queries));
        return new Figure("live", "samples/s, " + queries + " aggregate queries", live, "samples/s", baseline,
                "primitive-array GROUP BY, same arithmetic", queries == 10 ? 0.25 : Double.NaN);
    }

    private static double median(java.util.function.DoubleSupplier run) {
        double[] xs = {run.getAsDouble(), run.getAsDouble(), run.getAsDouble()};
        java.util.Arrays.sort(xs);
        return xs[1];
    }

    /** Samples/s through the engine: onCommit per second of data, a cut after each (expiry, retraction, delivery). */
    private double live(List<SampleBatch> batches, int queries) {
        SimClock clock = new SimClock();
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run)
                .memoryBudgetBytes(Long.MAX_VALUE).build();
        engine.defineArchive(TENANT, ARCHIVE, Duration.ofSeconds(WINDOW_SECONDS));
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), new LiveListener() {});
        for (int q = 0; q < queries; q++) {
            sub.register(QueryConfig.of("q" + q, "SELECT g, COUNT(*) AS n, SUM(a) AS total FROM recent.bench WHERE b > "
                    + (q % 100) + (q >= 100 ? " AND a >= 0" : "") + " GROUP BY g"));
        }
        engine.cut(TENANT);
        long t0 = System.nanoTime();
        for (int s = 0; s < batches.size(); s++) {
            clock.now = T0.plusSeconds(s);
            engine.onCommit(TENANT, batches.get(s));
            engine.cut(TENANT);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        sub.close();
        return (double) rtIds * batches.size() / secs;
    }

    /**
     * The same arithmetic over primitive arrays: per query and group a count and a sum; each sample adds to the
     * queries whose filter it passes; a ring of the last {@value #WINDOW_SECONDS} seconds subtracts what expires.
     */
    private double baseline(List<SampleBatch> batches, int queries) {
        int n = rtIds;
        long[][] count = new long[queries][GROUPS];
        double[][] sum = new double[queries][GROUPS];
        int[] thresholds = new int[queries];
        for (int q = 0; q < queries; q++) {
            thresholds[q] = q % 100;
        }
        double[][] ringA = new double[WINDOW_SECONDS + 1][n];
        long[][] ringB = new long[WINDOW_SECONDS + 1][n];
        int[][] ringG = new int[WINDOW_SECONDS + 1][n];
        // The conversion from the columnar batch (boxed values, string groups) is part of both paths' input cost.
        long t0 = System.nanoTime();
        for (int s = 0; s < batches.size(); s++) {
            SampleBatch b = batches.get(s);
            int slot = s % (WINDOW_SECONDS + 1);
            if (s > WINDOW_SECONDS) {
                for (int r = 0; r < n; r++) {
                    apply(count, sum, thresholds, ringG[slot][r], ringA[slot][r], ringB[slot][r], -1);
                }
            }
            for (int r = 0; r < b.size(); r++) {
                double a = (Double) b.value(r, 0);
                long bv = (Long) b.value(r, 1);
                int g = groupIndex((String) b.value(r, 2));
                ringA[slot][r] = a;
                ringB[slot][r] = bv;
                ringG[slot][r] = g;
                apply(count, sum, thresholds, g, a, bv, 1);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (count[0][0] < 0) {
            throw new IllegalStateException("impossible count");
        }
        return (double) n * batches.size() / secs;
    }

    private static int groupIndex(String g) {
        return Integer.parseInt(g, 1, g.length(), 10);
    }

    private static void apply(long[][] count, double[][] sum, int[] thresholds, int g, double a, long b, int sign) {
        for (int q = 0; q < thresholds.length; q++) {
            if (b > thresholds[q]) {
                count[q][g] += sign;
                sum[q][g] += sign * a;
            }
        }
    }

    private List<Figure> latency() throws Exception {
        log("latency: " + rate + " samples/s, " + subscribers + " subscribers, " + latencySeconds + " s");
        ExecutorService delivery = Executors.newFixedThreadPool(2);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        LiveEngine engine = LiveEngine.builder().publishInterval(Duration.ofMillis(publishMs)).deliveryExecutor(delivery)
                .memoryBudgetBytes(Long.MAX_VALUE).build();
        engine.defineArchive(TENANT, ARCHIVE, Duration.ofSeconds(WINDOW_SECONDS));
        ConcurrentHashMap<Long, List<Long>> commitsByGeneration = new ConcurrentHashMap<>();
        Histogram histogram = new Histogram(60_000_000_000L, 3);
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Subscription s = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), new LiveListener() {
                @Override
                public void aggMarkEnd(long generation) {
                    long now = System.nanoTime();
                    List<Long> commits = commitsByGeneration.get(generation);
                    if (commits == null) {
                        return;
                    }
                    synchronized (histogram) {
                        synchronized (commits) {
                            for (long c : commits) {
                                histogram.recordValue(Math.max(0, now - c));
                            }
                        }
                    }
                }
            });
            s.register(QueryConfig.of("q", "SELECT g, COUNT(*) AS n, SUM(a) AS total FROM recent.bench WHERE b > "
                    + (i % 10) + " GROUP BY g"));
            subs.add(s);
        }
        ScheduledFuture<?> cutting = engine.schedule(scheduler);
        int perBatch = Math.max(1, rate / 100);
        java.util.Random rnd = new java.util.Random(7);
        long start = System.nanoTime();
        long batchesSent = 0;
        long end = start + latencySeconds * 1_000_000_000L;
        long warmupEnd = start + Math.min(2, latencySeconds / 3) * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long due = start + batchesSent * 10_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            List<Sample> samples = new ArrayList<>(perBatch);
            Instant now = Instant.now();
            for (int k = 0; k < perBatch; k++) {
                int r = rnd.nextInt(rtIds);
                samples.add(Sample.of("rt" + r, now, Map.of("a", rnd.nextInt(10_000) / 100.0, "b", (long) rnd.nextInt(100),
                        "g", "g" + (r % GROUPS))));
            }
            SampleBatch batch = SampleBatch.validate(ARCHIVE, samples, BatchLimits.DEFAULT);
            engine.onCommit(TENANT, batch);
            long committed = System.nanoTime();
            if (committed > warmupEnd) {
                commitsByGeneration.computeIfAbsent(engine.generation(TENANT) + 1, g -> new ArrayList<>()).add(committed);
            }
            batchesSent++;
        }
        // Let the last generation be cut and delivered before stopping.
        TimeUnit.MILLISECONDS.sleep(3L * publishMs);
        cutting.cancel(false);
        scheduler.shutdown();
        delivery.shutdown();
        delivery.awaitTermination(30, TimeUnit.SECONDS);
        subs.forEach(Subscription::close);
        double interval = publishMs;
        List<Figure> out = new ArrayList<>();
        out.add(new Figure("live", "commit→aggMarkEnd p50", histogram.getValueAtPercentile(50) / 1e6, "ms", interval,
                "publish interval", Double.NaN));
        out.add(new Figure("live", "commit→aggMarkEnd p99", histogram.getValueAtPercentile(99) / 1e6, "ms", interval,
                "publish interval (target p99 <= +10 ms)", Double.NaN));
        out.add(new Figure("live", "commit→aggMarkEnd max", histogram.getMaxValue() / 1e6, "ms", interval,
                "publish interval", Double.NaN));
        out.add(new Figure("live", "latency samples (batch × subscriber)", histogram.getTotalCount(), "count",
                (double) batchesSent * subscribers, "batches sent × subscribers", Double.NaN));
        return out;
    }

    /** A clock the throughput run sets to the data's time. */
    private static final class SimClock extends Clock {
        volatile Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
