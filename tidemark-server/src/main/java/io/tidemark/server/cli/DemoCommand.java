package io.tidemark.server.cli;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.QuerySchema;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.client.Tuple;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark demo}: a server on embedded DuckDB in a temporary directory, tenant {@code demo}, a simulated plant
 * (sensors across sites sampling temperature and power), 1-minute / 1-hour / 1-day rollups, and a terminal view of
 * a live aggregate query redrawn at every {@code aggMarkEnd} with its generation number.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"A simulated plant streaming into rollups, and a live aggregate view redrawn generation by "
                + "generation. Ctrl-C stops it.", "",
                "While it runs, the printed URL and token work in the web console (open the URL, paste the token), "
                        + "with ./tidemark live and curl (docs/console.md, docs/api.md)."})
final class DemoCommand implements Callable<Integer> {
    static final String VIEW = "SELECT site, COUNT(*) AS samples, AVG(temp) AS avg_temp, MAX(power) AS max_power, "
            + "COUNT(*) FILTER (WHERE temp > 24) AS hot FROM recent.plant "
            + "WHERE timestamp > now() - INTERVAL '1' MINUTE GROUP BY site";
    static final String ROLLUP_VIEW = "SELECT COUNT(*) AS rows, SUM(n) AS samples, AVG(avg_temp) AS avg_temp, "
            + "MAX(max_power) AS max_power FROM recent.plant_1m";
    private static final String[] SITES = {"north", "south", "east", "west", "harbour", "hill"};

    @Option(names = "--sensors", description = "simulated sensors (default: ${DEFAULT-VALUE})")
    int sensors = 24;

    @Option(names = "--rate", description = "samples per second per sensor (default: ${DEFAULT-VALUE})")
    double rate = 1.0;

    @Option(names = "--duration", description = "stop after this long, e.g. 90s or PT5M (default: until Ctrl-C)")
    String duration;

    @Option(names = "--port", description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port = 0;

    @Option(names = "--plain", description = "print each view below the last instead of redrawing the screen")
    boolean plain;

    @Option(names = "--keep-data", description = "keep the temporary data directory when the demo stops")
    boolean keepData;

    @Override
    public Integer call() throws Exception {
        if (sensors < 1 || sensors > 100_000 || rate <= 0 || rate > 1000) {
            System.err.println("tidemark: --sensors must be 1..100000 and --rate 0..1000 per second");
            return CliErrors.USER_ERROR;
        }
        System.setProperty("tidemark.log.level", "WARN");
        Duration runFor = duration == null ? null : parse(duration);
        Path dir = Files.createTempDirectory("tidemark-demo");
        PrintStream out = System.out;
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C: let the demo stop the server cleanly and remove its data before the JVM exits.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            run(dir, runFor, out, stop);
        } finally {
            if (keepData) {
                out.println("tidemark demo: data kept in " + dir);
            } else {
                TempDirs.delete(dir, "tidemark demo");
            }
            finished.countDown();
        }
        return 0;
    }

    private void run(Path dir, Duration runFor, PrintStream out, CountDownLatch stop) throws Exception {
        ServerConfig config = ServerConfig.builder().dataDir(dir).port(port).sqlEnabled(false).bootstrapToken(false)
                .rollupInterval(Duration.ofSeconds(2)).build();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String token = Tokens.issue(server.store(), TenantId.of("demo"), Role.ADMIN, "demo", Instant.now())
                    .secret();
            TidemarkClient http = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            Plant plant = new Plant(sensors, new Random(1));
            setUp(http, plant);
            View view = new View(out, server, token, http, !plain && System.console() != null);
            ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
            long periodMicros = (long) (1_000_000 / rate);
            timers.scheduleAtFixedRate(() -> publish(http, plant), 0, periodMicros, TimeUnit.MICROSECONDS);
            timers.scheduleWithFixedDelay(view::refreshRollups, 0, 2, TimeUnit.SECONDS);
            try (Connection live = Connection.open(ConnectionConfig.builder(server.uri()).token(token).build())) {
                live.registerQuery(QueryConfig.of("sites", VIEW), view);
                live.registerQuery(QueryConfig.of("minutes", ROLLUP_VIEW), view);
                if (runFor == null) {
                    stop.await();
                } else {
                    stop.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                timers.shutdownNow();
            }
            out.println();
            out.println("tidemark demo: stopped after generation " + view.lastGeneration);
        }
    }

    private static void setUp(TidemarkClient http, Plant plant) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("site", "VARCHAR");
        cols.put("temp", "DOUBLE");
        cols.put("power", "DOUBLE");
        cols.put("running", "BOOLEAN");
        http.createArchive("plant", cols);
        http.activateArchive("plant");
        http.createRollupArchive(RollupSpec.builder("plant_1m", "plant", "PT1M").aggregate("COUNT", null, "n")
                .aggregate("AVG", "temp", "avg_temp").aggregate("MAX", "power", "max_power")
                .watermarkLag(Duration.ofSeconds(5)).build());
        http.createRollupArchive(RollupSpec.builder("plant_1h", "plant_1m", "PT1H").aggregate("SUM", "n", "n")
                .aggregate("AVG", "avg_temp", "avg_temp").aggregate("MAX", "max_power", "max_power")
                .watermarkLag(Duration.ofSeconds(5)).build());
        http.createRollupArchive(RollupSpec.builder("plant_1d", "plant_1h", "DAY").aggregate("SUM", "n", "n")
                .aggregate("AVG", "avg_temp", "avg_temp").aggregate("MAX", "max_power", "max_power")
                .watermarkLag(Duration.ofSeconds(5)).build());
        for (String r : List.of("plant_1m", "plant_1h", "plant_1d")) {
            http.activateRollup(r);
        }
        // Ten minutes of history, so the 1-minute rollup has rows from its first round.
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<Row> history = new ArrayList<>();
        for (Instant t = now.minus(Duration.ofMinutes(10)); t.isBefore(now); t = t.plusSeconds(1)) {
            history.addAll(plant.sample(t));
        }
        for (int i = 0; i < history.size(); i += 50_000) {
            http.publish("plant", history.subList(i, Math.min(history.size(), i + 50_000)));
        }
    }

    private static void publish(TidemarkClient http, Plant plant) {
        try {
            http.publish("plant", plant.sample(Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        } catch (RuntimeException e) {
            System.err.println("tidemark demo: publish failed: " + e.getMessage());
        }
    }

    /** {@code 90s}, {@code 5m}, {@code 1h}, {@code 500ms} or ISO-8601 ({@code PT5M}). */
    static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s") || t.endsWith("m") || t.endsWith("h")) {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        return Duration.parse(text.trim());
    }

    /** Sensors across sites: temperature drifting around a per-site base with a slow wave, power with load cycles. */
    static final class Plant {
        private final int sensors;
        private final Random random;
        private final double[] temp;
        private final double[] load;

        Plant(int sensors, Random random) {
            this.sensors = sensors;
            this.random = random;
            this.temp = new double[sensors];
            this.load = new double[sensors];
            for (int i = 0; i < sensors; i++) {
                temp[i] = 18 + 2 * (i % SITES.length) * 0.5 + random.nextDouble() * 2;
                load[i] = random.nextDouble();
            }
        }

        synchronized List<Row> sample(Instant t) {
            List<Row> rows = new ArrayList<>(sensors);
            double wave = Math.sin(t.getEpochSecond() / 90.0);
            for (int i = 0; i < sensors; i++) {
                temp[i] += (random.nextGaussian() * 0.05) + 0.01 * (20 + (i % SITES.length) - temp[i]);
                load[i] = Math.min(1, Math.max(0, load[i] + random.nextGaussian() * 0.03));
                boolean running = load[i] > 0.1;
                double power = running ? 20 + 80 * load[i] + 5 * wave + random.nextGaussian() : 0;
                Map<String, Object> v = new HashMap<>();
                v.put("site", SITES[i % SITES.length]);
                v.put("temp", Math.round((temp[i] + 2 * wave) * 100) / 100.0);
                v.put("power", Math.round(Math.max(0, power) * 10) / 10.0);
                v.put("running", running);
                rows.add(Row.of("sensor-" + String.format(Locale.ROOT, "%03d", i), t, v));
            }
            return rows;
        }
    }

    /** The terminal view: rebuilt from the callbacks on the connection's dispatch thread, drawn at aggMarkEnd. */
    private static final class View implements QueryListener {
        private final PrintStream out;
        private final TidemarkServer server;
        private final String token;
        private final TidemarkClient http;
        private final boolean redraw;
        private final Map<String, Map<List<Object>, List<Object>>> results = new HashMap<>();
        private volatile String rollups = "rollups: starting";
        volatile long lastGeneration;
        private long lastDraw;

        View(PrintStream out, TidemarkServer server, String token, TidemarkClient http, boolean redraw) {
            this.out = out;
            this.server = server;
            this.token = token;
            this.http = http;
            this.redraw = redraw;
        }

        @Override
        public void snapshotBegin(String queryId, QuerySchema schema) {
            results.put(queryId, new TreeMap<>((a, b) -> String.valueOf(a).compareTo(String.valueOf(b))));
        }

        @Override
        public void tupleAdded(String queryId, Tuple t) {
            results.get(queryId).put(t.key(), t.values());
        }

        @Override
        public void tupleUpdated(String queryId, Tuple t) {
            results.get(queryId).put(t.key(), t.values());
        }

        @Override
        public void tupleRemoved(String queryId, Tuple t) {
            results.get(queryId).remove(t.key());
        }

        @Override
        public void exceptionRaised(String queryId, TidemarkClientException error) {
            out.println("live query " + queryId + " failed: " + error.getMessage());
        }

        @Override
        public void aggMarkEnd(long generation) {
            lastGeneration = generation;
            long now = System.nanoTime();
            if (!redraw && now - lastDraw < 1_000_000_000L) {
                return; // without a terminal, one view per second is plenty
            }
            lastDraw = now;
            StringBuilder b = new StringBuilder(2048);
            if (redraw) {
                b.append("\033[H\033[2J");
            }
            b.append("Tidemark demo — ").append(server.uri()).append("  tenant demo  token ").append(token)
                    .append('\n');
            b.append("  console: ").append(server.uri().resolve("/")).append("  (open it, paste the token to sign in)\n");
            b.append("  try: TIDEMARK_TOKEN=").append(token).append(" ./tidemark live --url ").append(server.uri())
                    .append(" \"SELECT * FROM latest.plant\"\n\n");
            b.append(String.format(Locale.ROOT, "live view at aggMarkEnd, generation %d%n", generation));
            b.append(String.format(Locale.ROOT, "  %-9s %8s %9s %10s %5s%n", "site", "samples", "avg temp",
                    "max power", "hot"));
            for (List<Object> row : results.getOrDefault("sites", Map.of()).values()) {
                b.append(String.format(Locale.ROOT, "  %-9s %8d %9.2f %10.1f %5d%n", row.get(0), row.get(1),
                        num(row.get(2)), num(row.get(3)), row.get(4)));
            }
            b.append("  (last minute of recent.plant, per site; hot = temp > 24)\n\n");
            for (List<Object> row : results.getOrDefault("minutes", Map.of()).values()) {
                b.append(String.format(Locale.ROOT, "1-minute rollup, live window: %d rows, %s samples, avg temp "
                        + "%.2f, max power %.1f%n", row.get(0), row.get(1), num(row.get(2)), num(row.get(3))));
            }
            b.append(rollups).append('\n');
            out.print(b);
            out.flush();
        }

        void refreshRollups() {
            try {
                StringBuilder b = new StringBuilder("rollups:");
                for (RollupView r : http.rollupsFor("plant")) {
                    b.append(String.format(Locale.ROOT, "  %s %s watermark %s", r.name(), r.status(),
                            r.watermark() == null ? "-" : r.watermark().toString().substring(11, 19)));
                }
                rollups = b.toString();
            } catch (RuntimeException e) {
                rollups = "rollups: " + e.getMessage();
            }
        }

        private static double num(Object o) {
            return o instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }
}
