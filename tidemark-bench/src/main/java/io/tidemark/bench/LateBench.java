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
import java.nio.file.Files;
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
 * {@code tidemark bench late}: ingest with 0 %, 1 % and 5 % late samples (new keys at random microseconds in the
 * history below a PT1M rollup's watermark), measured in the same run batch by batch, round robin, each share into
 * an archive and rollup of its own, 0 % being the baseline; then the recompute of the stale buckets the 5 % run left
 * (source rows per second) against the forward path over the freshly ingested data of the same archive.
 *
 * <p>Run: {@code ./tidemark bench late [--engine duckdb|postgresql|all] [--rtids 2000] [--history 1800]
 * [--batches 30] [--batch 20000] [--json]}.
 */
@Command(name = "late", mixinStandardHelpOptions = true,
        description = "Ingest with 0/1/5 % late samples (same run) and recompute vs forward rollup throughput.")
final class LateBench implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("bench");
    private static final int[] LATE_PERCENT = {0, 1, 5};

    @Option(names = "--engine", description = "duckdb, postgresql or all (default: ${DEFAULT-VALUE})")
    String engine = "all";

    @Option(names = "--rtids", description = "series (default: ${DEFAULT-VALUE})")
    int rtIds = 2_000;

    @Option(names = "--history", description = "seconds of 1 Hz history below the watermark (default: ${DEFAULT-VALUE})")
    int history = 1_800;

    @Option(names = "--batches", description = "measured batches per late share (default: ${DEFAULT-VALUE})")
    int batches = 30;

    @Option(names = "--batch", description = "samples per batch (default: ${DEFAULT-VALUE})")
    int batch = 20_000;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for database files (default: a temporary one)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        history = Math.max(60, history / 60 * 60);
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("tidemark-bench-late");
        List<Figure> figures = new ArrayList<>();
        if (engine.equals("all") || engine.equals("duckdb")) {
            figures.addAll(run("duckdb", Stores.open(StoreConfig.embedded(work.resolve("late")))));
        }
        if (engine.equals("all") || engine.equals("postgresql")) {
            try (BenchPostgres pg = BenchPostgres.start()) {
                figures.addAll(run("postgresql", Stores.open(new StoreConfig(pg.newDatabase(), null, null, 4))));
            }
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("rtIds", rtIds);
        setup.put("history", history + " s of 1 Hz samples per series below the watermark, per archive");
        setup.put("measured", batches + " batches of " + batch + " samples per late share, round robin");
        setup.put("late samples", "new keys at random microseconds in the history");
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

    private List<Figure> run(String name, Store store) {
        List<Figure> out = new ArrayList<>();
        try (store) {
            store.createTenant(TENANT);
            Generator gen = new Generator(rtIds, history, batch);
            for (int pct : LATE_PERCENT) {
                create(store, pct);
                for (int k = 0; k < gen.batches(); k++) {
                    store.streamData().write(TENANT, archive(pct), Generator.samples(gen.batch(k)));
                }
                Clock atHistoryEnd = Clock.fixed(Generator.T0.plusSeconds(history), ZoneOffset.UTC);
                orchestrator(store, atHistoryEnd).processRollup(rollup(pct));
            }
            log(name + ": ingest, " + batches + " batches per share, round robin");
            long[] nanos = new long[LATE_PERCENT.length];
            long[] late = new long[LATE_PERCENT.length];
            Random rnd = new Random(42);
            for (int k = 0; k < batches; k++) {
                for (int i = 0; i < LATE_PERCENT.length; i++) {
                    int s = (i + k) % LATE_PERCENT.length;
                    List<Sample> samples = batch(k, LATE_PERCENT[s], rnd);
                    late[s] += samples.stream().filter(x -> x.timestamp().isBefore(historyEnd())).count();
                    long t0 = System.nanoTime();
                    store.streamData().write(TENANT, archive(LATE_PERCENT[s]), samples);
                    nanos[s] += System.nanoTime() - t0;
                }
            }
            double total = (double) batches * batch;
            double base = total / (nanos[0] / 1e9);
            for (int i = 1; i < LATE_PERCENT.length; i++) {
                out.add(new Figure(name, "ingest, " + LATE_PERCENT[i] + " % late", total / (nanos[i] / 1e9),
                        "rows/s", base, "ingest, 0 % late (same run)", 0.9));
            }
            int pct = LATE_PERCENT[LATE_PERCENT.length - 1];
            List<StaleRange> ranges = store.rollups().staleRanges(rollup(pct));
            long buckets = ranges.stream().mapToLong(r -> Duration.between(r.from(), r.to()).toMinutes()).sum();
            long recomputeRows = buckets * 60 * rtIds + late[LATE_PERCENT.length - 1];
            log(name + ": recompute " + ranges.size() + " stale ranges, " + buckets + " buckets");
            long t0 = System.nanoTime();
            orchestrator(store, Clock.fixed(historyEnd(), ZoneOffset.UTC)).processRollup(rollup(pct));
            double recompute = (System.nanoTime() - t0) / 1e9;
            if (!store.rollups().staleRanges(rollup(pct)).isEmpty()) {
                throw new IllegalStateException(name + ": stale ranges left after the recompute");
            }
            long forwardRows = (long) batches * batch - late[LATE_PERCENT.length - 1];
            Clock later = Clock.fixed(historyEnd().plusSeconds(forwardRows / rtIds + 120), ZoneOffset.UTC);
            t0 = System.nanoTime();
            orchestrator(store, later).processRollup(rollup(pct));
            double forward = (System.nanoTime() - t0) / 1e9;
            out.add(new Figure(name, "recompute (source rows/s)", recomputeRows / recompute, "rows/s",
                    forwardRows / forward, "forward path, same rollup (rows/s)", Double.NaN));
        }
        return out;
    }

    /** Batch {@code k} after the history: on-time samples in time order, {@code pct} % replaced by late ones. */
    private List<Sample> batch(int k, int pct, Random rnd) {
        List<Sample> out = new ArrayList<>(batch);
        for (int j = 0; j < batch; j++) {
            long idx = (long) k * batch + j;
            int series = (int) (idx % rtIds);
            Instant t = historyEnd().plusSeconds(idx / rtIds);
            if (rnd.nextInt(100) < pct) {
                t = Generator.T0.plusNanos((long) (rnd.nextDouble() * history * 1e6) * 1000);
            }
            out.add(new Sample("sensor-" + series, t, Map.of("a", rnd.nextDouble() * 10, "b", (double) series)));
        }
        return out;
    }

    private Instant historyEnd() {
        return Generator.T0.plusSeconds(history);
    }

    private static void create(Store store, int pct) {
        store.streamData().createArchive(TENANT, ArchiveDefinition.raw(archive(pct),
                List.of(Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE))));
        store.streamData().activateArchive(TENANT, archive(pct));
        store.streamData().createRollupArchive(TENANT, RollupDefinition.builder(archive(pct) + "_1m")
                .source(archive(pct)).bucket("PT1M").watermarkLag(Duration.ZERO)
                .aggregate(AggregateFunction.COUNT, null, "n").aggregate(AggregateFunction.SUM, "a", "a_sum")
                .aggregate(AggregateFunction.AVG, "a", "a_avg").aggregate(AggregateFunction.MAX, "b", "b_max")
                .build());
        store.streamData().activateArchive(TENANT, archive(pct) + "_1m");
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
