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
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.Stores;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench rollup}: ingest through Tidemark's store vs the engine's raw bulk path, and the
 * orchestrated backfill of a 1-minute rollup with 9 aggregates vs one hand-written INSERT … SELECT over the whole
 * range, on DuckDB and PostgreSQL, each baseline measured in the same run on a database of its own.
 *
 * <p>Run: {@code ./tidemark bench rollup [--engine duckdb|postgresql|all] [--rtids 10000] [--seconds 1000]
 * [--json]}.
 */
@Command(name = "rollup", mixinStandardHelpOptions = true,
        description = "Ingest and rollup backfill throughput vs the raw engine, same run.")
final class RollupBench implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("bench");
    private static final int REPEATS = 5;

    @Option(names = "--engine", description = "duckdb, postgresql or all (default: ${DEFAULT-VALUE})")
    String engine = "all";

    @Option(names = "--rtids", description = "series (default: ${DEFAULT-VALUE})")
    int rtIds = 10_000;

    @Option(names = "--seconds", description = "seconds of 1 Hz samples per series (default: ${DEFAULT-VALUE})")
    int seconds = 1_000;

    @Option(names = "--batch", description = "samples per ingest batch (default: ${DEFAULT-VALUE})")
    int batch = 100_000;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for database files, kept (default: a temporary one, "
            + "removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench", this::run);
    }

    private Integer run(Path work) throws Exception {
        Generator gen = new Generator(rtIds, seconds, batch);
        List<Figure> figures = new ArrayList<>();
        if (engine.equals("all") || engine.equals("duckdb")) {
            figures.addAll(run("duckdb", gen, new RawDuckDb(work.resolve("baseline.duckdb")),
                    Stores.open(StoreConfig.embedded(work.resolve("tidemark")))));
        }
        if (engine.equals("all") || engine.equals("postgresql")) {
            try (BenchPostgres pg = BenchPostgres.start()) {
                figures.addAll(run("postgresql", gen, new RawPostgres(pg.newDatabase()),
                        Stores.open(new StoreConfig(pg.newDatabase(), null, null, 4))));
            }
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("samples", gen.total());
        setup.put("rtIds", rtIds);
        setup.put("seconds", seconds);
        setup.put("batch", batch);
        setup.put("rollup", "PT1M, 9 aggregates (COUNT(*), SUM, MIN, MAX, AVG, FIRST, LAST of a; SUM, MAX of b)");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "rollup", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench rollup", setup, figures);
        }
        return 0;
    }

    /**
     * Ingest interleaves the two paths batch by batch, so both see the same machine (GC, checkpoints, noise).
     * Both start from data in memory: the baseline from primitive arrays, Tidemark from {@link Sample}s, whose
     * validation, conversion and upsert are what is measured.
     * Backfill runs each {@value #REPEATS} times on an empty target, alternating which goes first, and takes
     * each one's median.
     */
    private List<Figure> run(String name, Generator gen, RawEngine raw, Store store) throws Exception {
        List<Figure> out = new ArrayList<>();
        try (raw; store) {
            raw.createSamples();
            store.createTenant(TENANT);
            store.archives().createArchive(TENANT, ArchiveDefinition.raw("samples",
                    List.of(Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE))));
            store.archives().activateArchive(TENANT, "samples");
            log(name + ": ingest, " + gen.batches() + " batches each way, interleaved");
            long rawNanos = 0;
            long storeNanos = 0;
            for (int k = 0; k < gen.batches(); k++) {
                Generator.Batch b = gen.batch(k);
                List<Sample> samples = Generator.samples(b);
                long t0 = System.nanoTime();
                raw.bulkWrite(b);
                long t1 = System.nanoTime();
                store.archives().write(TENANT, "samples", samples);
                long t2 = System.nanoTime();
                rawNanos += t1 - t0;
                storeNanos += t2 - t1;
            }
            out.add(new Figure(name, "ingest", gen.total() / (storeNanos / 1e9), "rows/s",
                    gen.total() / (rawNanos / 1e9),
                    name.equals("duckdb") ? "DuckDB Appender into the table" : "COPY into the table", 0.8));

            double[] rawSeconds = new double[REPEATS];
            double[] storeSeconds = new double[REPEATS];
            for (int rep = 0; rep < REPEATS; rep++) {
                log(name + ": backfill, round " + (rep + 1) + " of " + REPEATS);
                boolean tidemarkFirst = rep % 2 == 1;
                if (tidemarkFirst) {
                    storeSeconds[rep] = orchestrate(store);
                }
                raw.resetRollup();
                long t0 = System.nanoTime();
                long rawRows = raw.rollupAll();
                rawSeconds[rep] = seconds(t0);
                if (!tidemarkFirst) {
                    storeSeconds[rep] = orchestrate(store);
                }
                long rows = store.archives().read(TENANT, new io.tidemark.store.ReadRequest("samples_1m",
                        List.of(), Generator.T0, Generator.T0.plusSeconds(seconds + 60L), io.tidemark.store.ReadRequest.MAX_LIMIT))
                        .size();
                if (rows != rawRows) {
                    throw new IllegalStateException(name + ": baseline wrote " + rawRows + " rollup rows, the "
                            + "orchestrator " + rows);
                }
            }
            out.add(new Figure(name, "backfill (source rows/s)", gen.total() / median(storeSeconds), "rows/s",
                    gen.total() / median(rawSeconds), "one INSERT … SELECT over the range", 0.9));
        }
        return out;
    }

    /** Creates the 1-minute rollup on an empty target and runs the orchestrator to the end; returns seconds. */
    private double orchestrate(Store store) {
        if (store.archives().archive(TENANT, "samples_1m").isPresent()) {
            store.archives().deleteArchive(TENANT, "samples_1m");
        }
        store.archives().createRollupArchive(TENANT, RollupDefinition.builder("samples_1m").source("samples")
                .bucket("PT1M").aggregate(AggregateFunction.COUNT, null, "n")
                .aggregate(AggregateFunction.SUM, "a", "a_sum").aggregate(AggregateFunction.MIN, "a", "a_min")
                .aggregate(AggregateFunction.MAX, "a", "a_max").aggregate(AggregateFunction.AVG, "a", "a_avg")
                .aggregate(AggregateFunction.FIRST, "a", "a_first").aggregate(AggregateFunction.LAST, "a", "a_last")
                .aggregate(AggregateFunction.SUM, "b", "b_sum").aggregate(AggregateFunction.MAX, "b", "b_max")
                .build());
        store.archives().activateArchive(TENANT, "samples_1m");
        Clock later = Clock.fixed(Generator.T0.plusSeconds(seconds).plus(Duration.ofDays(1)), ZoneOffset.UTC);
        RollupOrchestrator orchestrator = RollupOrchestrator.builder(store, TENANT).clock(later)
                .config(OrchestratorConfig.DEFAULT).build();
        long t0 = System.nanoTime();
        int buckets = orchestrator.processRollup(new RollupId(TENANT, "samples_1m"));
        double s = seconds(t0);
        if (buckets == 0) {
            throw new IllegalStateException("the orchestrator committed no bucket");
        }
        return s;
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    private static long count(RawEngine raw, String table) throws Exception {
        try (Statement s = raw.connection().createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
