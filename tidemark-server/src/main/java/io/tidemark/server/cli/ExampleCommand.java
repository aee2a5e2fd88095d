package io.tidemark.server.cli;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.rollup.RollupOrchestrator;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.Stores;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark example}: a tenant, an archive with a day of samples from 100 sensors, a chain of rollups
 * (1 minute, 1 hour from the minutes, 1 day in Europe/Vienna from the hours), the orchestrator run to completion,
 * and what came out.
 */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Ingest a day of samples for 100 sensors, roll them up (1m → 1h → 1d in Europe/Vienna), "
                + "and print rows and watermarks.")
final class ExampleCommand implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("example");
    /** 26 October 2025 in Vienna: clocks go back, so this local day lasts 25 hours. */
    private static final Instant DAY_START = Instant.parse("2025-10-25T22:00:00Z");
    private static final Instant DAY_END = Instant.parse("2025-10-26T23:00:00Z");

    @Option(names = "--jdbc-url", description = "store to use (default: DuckDB in a new temporary directory, removed at the end)")
    String jdbcUrl;

    @Option(names = "--sensors", description = "number of rtIds (default: ${DEFAULT-VALUE})")
    int sensors = 100;

    @Option(names = "--interval", description = "seconds between samples of one sensor (default: ${DEFAULT-VALUE})")
    int interval = 10;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path temp = jdbcUrl == null ? Files.createTempDirectory("tidemark-example") : null;
        try {
            return run(out, temp == null ? jdbcUrl : StoreConfig.embedded(temp).jdbcUrl());
        } finally {
            if (temp != null) {
                TempDirs.delete(temp, "tidemark example");
            }
        }
    }

    private Integer run(PrintStream out, String url) throws Exception {
        try (Store store = Stores.open(StoreConfig.of(url))) {
            out.println("store: " + store.describe());
            store.createTenant(TENANT);
            store.archives().createArchive(TENANT, ArchiveDefinition.raw("plant", List.of(
                    Column.of("temperature", ColumnType.DOUBLE), Column.of("power", ColumnType.DOUBLE))));
            store.archives().activateArchive(TENANT, "plant");
            long samples = ingest(store);
            out.printf("ingested %,d samples for %d sensors, %s .. %s (the Vienna day of 2025-10-26, 25 hours)%n",
                    samples, sensors, DAY_START, DAY_END);

            createRollup(store, RollupDefinition.builder("plant_1m").source("plant").bucket("PT1M")
                    .aggregate(AggregateFunction.COUNT, null, "n")
                    .aggregate(AggregateFunction.AVG, "temperature", "temp_avg")
                    .aggregate(AggregateFunction.MIN, "temperature", "temp_min")
                    .aggregate(AggregateFunction.MAX, "temperature", "temp_max")
                    .aggregate(AggregateFunction.SUM, "power", "energy")
                    .aggregate(AggregateFunction.LAST, "power", "power_last").build());
            createRollup(store, RollupDefinition.builder("plant_1h").source("plant_1m").bucket("PT1H")
                    .aggregate(AggregateFunction.SUM, "n", "n")
                    .aggregate(AggregateFunction.AVG, "temp_avg", "temp_avg")
                    .aggregate(AggregateFunction.MIN, "temp_min", "temp_min")
                    .aggregate(AggregateFunction.MAX, "temp_max", "temp_max")
                    .aggregate(AggregateFunction.SUM, "energy", "energy")
                    .aggregate(AggregateFunction.LAST, "power_last", "power_last").build());
            createRollup(store, RollupDefinition.builder("plant_1d").source("plant_1h")
                    .bucket(Bucket.parse("DAY", "Europe/Vienna"))
                    .aggregate(AggregateFunction.SUM, "n", "n")
                    .aggregate(AggregateFunction.AVG, "temp_avg", "temp_avg")
                    .aggregate(AggregateFunction.MIN, "temp_min", "temp_min")
                    .aggregate(AggregateFunction.MAX, "temp_max", "temp_max")
                    .aggregate(AggregateFunction.SUM, "energy", "energy")
                    .aggregate(AggregateFunction.LAST, "power_last", "power_last").build());

            Clock clock = Clock.fixed(DAY_END.plus(Duration.ofHours(1)), ZoneOffset.UTC);
            RollupOrchestrator orchestrator = RollupOrchestrator.builder(store, TENANT).clock(clock).build();
            int ticks = 0;
            int buckets = 0;
            for (int n = orchestrator.tick(); n > 0; n = orchestrator.tick()) {
                ticks++;
                buckets += n;
            }
            out.printf("orchestrator: %d buckets committed in %d tick(s) at now = %s%n", buckets, ticks,
                    clock.instant());
            for (RollupInfo r : store.rollups().rollups(TENANT)) {
                print(out, store, r);
            }
        }
        return 0;
    }

    private long ingest(Store store) {
        long n = 0;
        List<Sample> batch = new ArrayList<>();
        for (Instant t = DAY_START; t.isBefore(DAY_END); t = t.plusSeconds(interval)) {
            double hour = (t.getEpochSecond() % 86_400) / 3600.0;
            for (int s = 0; s < sensors; s++) {
                double temp = 60 + 15 * Math.sin(2 * Math.PI * (hour - 6) / 24) + s % 7;
                double power = 100 + 40 * Math.cos(2 * Math.PI * hour / 24 + s) + (s * 13 % 10);
                batch.add(new Sample("sensor-" + s, t, Map.of("temperature", temp, "power", power)));
            }
            if (batch.size() >= 50_000) {
                n += store.archives().write(TENANT, "plant", batch);
                batch.clear();
            }
        }
        return n + (batch.isEmpty() ? 0 : store.archives().write(TENANT, "plant", batch));
    }

    private static void createRollup(Store store, RollupDefinition def) {
        store.archives().createRollupArchive(TENANT, def);
        store.archives().activateArchive(TENANT, def.name());
    }

    private static void print(PrintStream out, Store store, RollupInfo r) {
        RollupPlan plan = r.plan();
        out.printf("%n%s  (%s of %s)  status %s  watermark %s%n", plan.definition().name(),
                plan.definition().bucket().spec(), plan.definition().source(), r.state().status(),
                r.state().watermark());
        List<Sample> rows = store.archives().read(TENANT, new ReadRequest(plan.definition().name(),
                List.of("sensor-0", "sensor-1"), DAY_START.minus(Duration.ofDays(1)), DAY_END, 4));
        for (Sample row : rows) {
            StringBuilder sb = new StringBuilder();
            plan.readValues(row.values()).forEach((k, v) -> sb.append(String.format("  %s=%s", k,
                    v instanceof Double d ? String.format("%.3f", d) : v)));
            out.printf("  %s %-9s%s%n", row.timestamp(), row.rtId(), sb);
        }
    }
}
