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
 *       subtract what leaves the window), measured in the same run. Both sides are first checked to compute the
 *       same result; then warm-up rounds, then measured rounds alternating baseline and engine; medians.</li>
 *   <li>Latency: from the return of {@code onCommit} to the delivery of the {@code aggMarkEnd} that contains the
 *       batch, at {@code --rate} samples/s in batches every 10 ms, with {@code --subscribers} subscribers, the real
 *       clock and the engine's own scheduler cutting every {@code --publish-ms}. A batch is attributed to the
 *       generation after the one current when its commit returned, which can only overstate its latency.</li>
 * </ol>
 *
 * <p>Run: {@code ./tidemark bench live [--rtids 10000] [--seconds 30] [--latency-seconds 10] [--subscribers 100]
 * [--rate 100000] [--publish-ms 100] [--queries 1,10,100] [--rounds 5] [--warmup 3] [--min-ms 300] [--no-latency]
 * [--no-throughput] [--json]}; JVM options (e.g. {@code -XX:+UseZGC}) through {@code TIDEMARK_JAVA_OPTS}.
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

    @Option(names = "--queries", split = ",", description = "query counts of the throughput runs (default: 1,10,100)")
    int[] queryCounts = {1, 10, 100};

    @Option(names = "--rounds", description = "measured rounds per query count, baseline and engine alternating; "
            + "medians are reported (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--warmup", description = "unmeasured rounds of each side first, for the JIT (default: ${DEFAULT-VALUE})")
    int warmup = 3;

    @Option(names = "--min-ms", description = "a measurement repeats its pass over the data until it took this long "
            + "(default: ${DEFAULT-VALUE})")
    int minMillis = 300;

    @Option(names = "--no-latency", negatable = false, description = "skip the latency run")
    boolean noLatency;

    @Option(names = "--no-throughput", negatable = false, description = "skip the throughput runs")
    boolean noThroughput;

    @Override
    public Integer call() throws Exception {
        List<Figure> figures = new ArrayList<>();
        if (!noThroughput) {
            List<SampleBatch> batches = batches();
            for (int queries : queryCounts) {
                figures.add(throughput(batches, queries));
            }
        }
        if (!noLatency) {
            figures.addAll(latency());
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("rtIds", rtIds);
        setup.put("samples per throughput pass", (long) rtIds * seconds);
        setup.put("query", "SELECT g, COUNT(*) AS n, SUM(a) AS total FROM recent.bench WHERE b > k GROUP BY g (k per query, " + GROUPS + " groups)");
        setup.put("live window", WINDOW_SECONDS + " s, cut every simulated second");
        setup.put("throughput rounds", warmup + " warm-up + " + rounds + " measured, baseline and engine alternating, "
                + "each >= " + minMillis + " ms; medians");
        setup.put("latency run", rate + " samples/s, " + subscribers + " subscribers, publish interval " + publishMs
                + " ms, " + latencySeconds + " s; target p99 <= " + (publishMs + 10) + " ms");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        setup.put("gc", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
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

    private static String sql(int q) {
        return "SELECT g, COUNT(*) AS n, SUM(a) AS total FROM recent.bench WHERE b > " + (q % 100)
                + (q >= 100 ? " AND a >= " + (-1 - q / 100) : "") + " GROUP BY g";
    }

    /**
     * First checks that both sides compute the same result (so the baseline does the same work), then warms both up,
     * then measures {@link #rounds} rounds, baseline and engine alternating so that load from elsewhere on the
     * machine hits both alike, and reports the medians.
     */
    private Figure throughput(List<SampleBatch> batches, int queries) {
        log("throughput with " + queries + " queries: checking that both sides compute the same result");
        verifySameResult(batches, queries);
        for (int i = 0; i < warmup; i++) {
            measure(() -> baseline(batches, queries));
            measure(() -> live(batches, queries, null));
        }
        double[] base = new double[rounds];
        double[] live = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            base[i] = measure(() -> baseline(batches, queries));
            live[i] = measure(() -> live(batches, queries, null));
            log(String.format("throughput with %d queries, round %d: baseline %,.0f, engine %,.0f samples/s (%.3fx)",
                    queries, i + 1, base[i], live[i], live[i] / base[i]));
        }
        double b = median(base);
        double l = median(live);
        log(String.format("throughput with %d queries: medians baseline %,.0f, engine %,.0f samples/s (%.3fx)", queries, b,
                l, l / b));
        return new Figure("live", "samples/s, " + queries + " aggregate queries", l, "samples/s", b,
                "primitive-array GROUP BY, same arithmetic", queries == 10 ? 0.25 : Double.NaN);
    }

    /** Repeats a pass (which returns its own timed nanoseconds) until {@link #minMillis}; returns samples/s. */
    private double measure(java.util.function.LongSupplier pass) {
        long nanos = 0;
        long passes = 0;
        while (nanos < minMillis * 1_000_000L) {
            nanos += pass.getAsLong();
            passes++;
        }
        return (double) rtIds * seconds * passes / (nanos / 1e9);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static volatile double sink;

    /**
     * One pass through the engine: onCommit per second of data and a cut after each (expiry, retraction, delivery to
     * a subscriber holding all queries). Returns the nanoseconds the pass took (engine setup excluded).
     *
     * @param results when not null, receives each query's result (group → [n, total]) as delivered
     */
    private long live(List<SampleBatch> batches, int queries, Map<String, Map<Object, List<Object>>> results) {
        SimClock clock = new SimClock();
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run)
                .memoryBudgetBytes(Long.MAX_VALUE).build();
        engine.defineArchive(TENANT, ARCHIVE, Duration.ofSeconds(WINDOW_SECONDS));
        LiveListener listener = results == null ? new LiveListener() {} : new ResultListener(results);
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        for (int q = 0; q < queries; q++) {
            sub.register(QueryConfig.of("q" + q, sql(q)));
        }
        engine.cut(TENANT);
        long t0 = System.nanoTime();
        for (int s = 0; s < batches.size(); s++) {
            clock.now = T0.plusSeconds(s);
            engine.onCommit(TENANT, batches.get(s));
            engine.cut(TENANT);
        }
        long nanos = System.nanoTime() - t0;
        sub.close();
        return nanos;
    }

    /** Rebuilds each query's result from the callbacks, keyed by the group value. */
    private static final class ResultListener implements LiveListener {
        final Map<String, Map<Object, List<Object>>> results;

        ResultListener(Map<String, Map<Object, List<Object>>> results) {
            this.results = results;
        }

        @Override
        public void tupleAdded(String queryId, io.tidemark.live.Tuple t) {
            results.computeIfAbsent(queryId, k -> new java.util.HashMap<>()).put(t.key().get(0), t.values().subList(1, 3));
        }

        @Override
        public void tupleUpdated(String queryId, io.tidemark.live.Tuple t) {
            tupleAdded(queryId, t);
        }

        @Override
        public void tupleRemoved(String queryId, io.tidemark.live.Tuple t) {
            results.get(queryId).remove(t.key().get(0));
        }
    }

    /** The engine's results after one pass must equal the baseline's arrays: same groups, counts, sums (1e-9). */
    private void verifySameResult(List<SampleBatch> batches, int queries) {
        Map<String, Map<Object, List<Object>>> results = new java.util.HashMap<>();
        live(batches, queries, results);
        PrimitiveGroupBy base = new PrimitiveGroupBy(queries, rtIds);
        base.run(batches);
        for (int q = 0; q < queries; q++) {
            Map<Object, List<Object>> r = results.getOrDefault("q" + q, Map.of());
            int groups = 0;
            for (int g = 0; g < GROUPS; g++) {
                if (base.count[q][g] == 0) {
                    continue;
                }
                groups++;
                List<Object> v = r.get("g" + g);
                double total = v == null ? Double.NaN : ((Number) v.get(1)).doubleValue();
                if (v == null || ((Number) v.get(0)).longValue() != base.count[q][g]
                        || Math.abs(total - base.sum[q][g]) > 1e-9 * Math.max(1, Math.abs(total))) {
                    throw new IllegalStateException("query " + q + ", group g" + g + ": engine " + v + ", baseline ["
                            + base.count[q][g] + ", " + base.sum[q][g] + "]: the two sides do not do the same work");
                }
            }
            if (groups != r.size()) {
                throw new IllegalStateException("query " + q + ": engine has " + r.size() + " groups, baseline " + groups);
            }
        }
    }

    /** One pass of the baseline; returns its nanoseconds (allocation of its arrays excluded). */
    private long baseline(List<SampleBatch> batches, int queries) {
        PrimitiveGroupBy p = new PrimitiveGroupBy(queries, rtIds);
        long t0 = System.nanoTime();
        p.run(batches);
        long nanos = System.nanoTime() - t0;
        sink += p.checksum();
        return nanos;
    }

    /**
     * The same arithmetic over primitive arrays: per query and group a count and a sum; each sample evaluates every
     * query's filter and adds to the groups of those it passes; a ring of the last {@value #WINDOW_SECONDS} seconds
     * of samples retracts (filter evaluated again, subtract) what leaves the window at each simulated second, as the
     * engine does at its cut. Reads the same columnar batches (boxed values, string groups) as the engine.
     */
    private static final class PrimitiveGroupBy {
        final long[][] count;
        final double[][] sum;
        final long[] thresholds;
        final double[] minA;
        final double[][] ringA;
        final long[][] ringB;
        final int[][] ringG;
        final int[] ringN;

        PrimitiveGroupBy(int queries, int rtIds) {
            count = new long[queries][GROUPS];
            sum = new double[queries][GROUPS];
            thresholds = new long[queries];
            // Only queries past the hundredth have the second condition; fewer queries do not pay for it.
            minA = queries > 100 ? new double[queries] : null;
            for (int q = 0; q < queries; q++) {
                thresholds[q] = q % 100;
                if (minA != null) {
                    minA[q] = q >= 100 ? -1 - q / 100 : Double.NEGATIVE_INFINITY;
                }
            }
            ringA = new double[WINDOW_SECONDS + 1][rtIds];
            ringB = new long[WINDOW_SECONDS + 1][rtIds];
            ringG = new int[WINDOW_SECONDS + 1][rtIds];
            ringN = new int[WINDOW_SECONDS + 1];
        }

        void run(List<SampleBatch> batches) {
            for (int s = 0; s < batches.size(); s++) {
                SampleBatch b = batches.get(s);
                int slot = s % (WINDOW_SECONDS + 1);
                for (int r = 0; r < ringN[slot]; r++) {
                    apply(ringG[slot][r], ringA[slot][r], ringB[slot][r], -1);
                }
                for (int r = 0; r < b.size(); r++) {
                    double a = (Double) b.value(r, 0);
                    long bv = (Long) b.value(r, 1);
                    int g = groupIndex((String) b.value(r, 2));
                    ringA[slot][r] = a;
                    ringB[slot][r] = bv;
                    ringG[slot][r] = g;
                    apply(g, a, bv, 1);
                }
                ringN[slot] = b.size();
            }
        }

        private void apply(int g, double a, long b, int sign) {
            for (int q = 0; q < thresholds.length; q++) {
                if (b > thresholds[q] && (minA == null || a >= minA[q])) {
                    count[q][g] += sign;
                    sum[q][g] += sign * a;
                }
            }
        }

        double checksum() {
            double c = 0;
            for (int q = 0; q < count.length; q++) {
                c += count[q][0] + sum[q][0];
            }
            return c;
        }
    }

    private static int groupIndex(String g) {
        return Integer.parseInt(g, 1, g.length(), 10);
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
