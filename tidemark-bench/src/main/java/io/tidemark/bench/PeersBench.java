package io.tidemark.bench;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.cli.TempDirs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench peers}: Tidemark (embedded DuckDB, its defaults) against QuestDB (embedded, its line
 * protocol over HTTP into a WAL table deduplicated on {@code (ts, rtId)}), once with QuestDB's default commits
 * ({@code cairo.commit.mode=nosync}) and once with synchronous ones ({@code sync}: acknowledged once on disk, as
 * Tidemark's are), on the same samples from the same clients ({@link GatewayLoad}: every request a distinct set of
 * keys). Each scenario (clients × samples per request) runs every side on a fresh server, the sides alternating and
 * rotating which goes first; each side's stored row count is checked against what it acknowledged (QuestDB's after
 * its WAL is applied). The figures are acknowledged samples/s and Tidemark ÷ QuestDB.
 *
 * <p>Run: {@code ./tidemark bench peers [--scenarios 1x50000,1x100,16x100,64x100] [--seconds 3] [--rounds 1]
 * [--format ndjson|line] [--json]}.
 */
@Command(name = "peers", mixinStandardHelpOptions = true,
        description = "Tidemark vs QuestDB (embedded, line protocol over HTTP, dedup on (ts, rtId)) with its default "
                + "and with synchronous commits: acknowledged samples/s, same samples, same clients, same run.")
final class PeersBench implements Callable<Integer> {
    private static final String TABLE = "samples";

    /** The servers compared. */
    enum Side {
        TIDEMARK("Tidemark"),
        QUESTDB("QuestDB, default commits"),
        QUESTDB_SYNC("QuestDB, cairo.commit.mode=sync");

        final String label;

        Side(String label) {
            this.label = label;
        }
    }

    @Option(names = "--scenarios", split = ",", description = "clients x samples per request, a list "
            + "(default: ${DEFAULT-VALUE})")
    List<String> scenarios = List.of("1x50000", "1x100", "16x100", "64x100");

    @Option(names = "--seconds", description = "measured seconds per side and scenario (default: ${DEFAULT-VALUE})")
    double seconds = 3;

    @Option(names = "--warmup-seconds", description = "untimed seconds on each fresh server before measuring, same "
            + "clients and table (default: ${DEFAULT-VALUE})")
    double warmupSeconds = 0.5;

    @Option(names = "--jit-warmup", description = "seconds per side of an unmeasured first pass (16 x 100, then "
            + "1 x 50000) so the JIT has compiled every side's code; 0 skips it (default: ${DEFAULT-VALUE})")
    double jitWarmup = 1;

    @Option(names = "--rounds", description = "measurements per side and scenario, each on fresh servers; the "
            + "median is reported (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--format", description = "Tidemark's body format: ndjson or line (/api/v2/write; the run fails "
            + "where the server has no such endpoint) (default: ${DEFAULT-VALUE})")
    String format = "ndjson";

    @Option(names = "--wal-timeout", description = "seconds to wait for QuestDB to apply its WAL before counting "
            + "(default: ${DEFAULT-VALUE})")
    int walTimeout = 60;

    @Option(names = "--timeout", description = "seconds a request may wait for its answer (default: ${DEFAULT-VALUE})")
    int timeout = 120;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for the servers' files, kept (default: a temporary "
            + "one, removed at the end)")
    Path dir;

    /** One side's measurement in one scenario. */
    record Measured(double samplesPerSecond, long requests, long samples, long refused, String load,
            long applyMillis) {}

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench-peers", this::run);
    }

    private Integer run(Path work) throws Exception {
        GatewayLoad.Format tidemarkFormat = GatewayLoad.Format.of(format);
        List<int[]> parsed = new ArrayList<>();
        for (String s : scenarios) {
            parsed.add(scenario(s));
        }
        if (jitWarmup > 0) {
            for (Side side : Side.values()) {
                log("JIT warm-up, " + side.label + ", unmeasured");
                measure(work, side, tidemarkFormat, 16, 100, "warm-16x100", seconds(jitWarmup));
                measure(work, side, tidemarkFormat, 1, 50_000, "warm-1x50000", seconds(jitWarmup));
            }
        }
        List<Figure> figures = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            figures.addAll(scenario(work, tidemarkFormat, i, parsed.get(i)[0], parsed.get(i)[1]));
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("scenarios", scenarios + " (clients x samples per request), " + seconds + " s measured after "
                + warmupSeconds + " s untimed on each fresh server, " + rounds + " round(s), median");
        setup.put("Tidemark", "embedded DuckDB, default settings, " + WritersMatrix.name(tidemarkFormat)
                + (tidemarkFormat == GatewayLoad.Format.NDJSON ? " at /api/v1/archives/samples/samples"
                        : " at /api/v2/write?precision=ms"));
        setup.put("QuestDB", "9.3.4 embedded (org.questdb:questdb), line protocol at /api/v2/write?precision=ms, "
                + "WAL table PARTITION BY DAY, DEDUP UPSERT KEYS(ts, rtId), rtId SYMBOL; default commits = "
                + "cairo.commit.mode=nosync, sync = cairo.commit.mode=sync");
        setup.put("clients", "one keep-alive HTTP/1.1 connection per client, every request a distinct set of keys");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "peers", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench peers", setup, figures);
        }
        return 0;
    }

    private List<Figure> scenario(Path work, GatewayLoad.Format tidemarkFormat, int index, int clients, int batch)
            throws Exception {
        Side[] sides = Side.values();
        Map<Side, List<Measured>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < sides.length; k++) {
                Side side = sides[(index + round + k) % sides.length];
                log(clients + " x " + batch + ", round " + (round + 1) + " of " + rounds + ": " + side.label);
                results.computeIfAbsent(side, s -> new ArrayList<>()).add(measure(work, side, tidemarkFormat,
                        clients, batch, clients + "x" + batch + "-" + round, seconds(seconds)));
            }
        }
        Measured t = median(results.get(Side.TIDEMARK));
        Measured q = median(results.get(Side.QUESTDB));
        Measured qs = median(results.get(Side.QUESTDB_SYNC));
        String name = clients + " × " + batch;
        boolean headline = clients == 64 && batch == 100;
        return List.of(
                new Figure("vs QuestDB", name + ", default commits", t.samplesPerSecond(), "samples/s",
                        q.samplesPerSecond(), Side.QUESTDB.label, headline ? 1.0 : Double.NaN,
                        note(t, q) + rounds(results.get(Side.TIDEMARK), results.get(Side.QUESTDB))),
                new Figure("vs QuestDB", name + ", sync commits", t.samplesPerSecond(), "samples/s",
                        qs.samplesPerSecond(), Side.QUESTDB_SYNC.label, 1.0,
                        note(t, qs) + rounds(results.get(Side.TIDEMARK), results.get(Side.QUESTDB_SYNC))));
    }

    /** Every round's samples/s of both sides, where there was more than one. */
    private static String rounds(List<Measured> t, List<Measured> q) {
        if (t.size() < 2) {
            return "";
        }
        return "; rounds (k samples/s) Tidemark " + String.join(" / ", t.stream().map(m -> String.format("%.1f",
                m.samplesPerSecond() / 1000)).toList()) + ", QuestDB " + String.join(" / ", q.stream()
                .map(m -> String.format("%.1f", m.samplesPerSecond() / 1000)).toList());
    }

    private static String note(Measured t, Measured q) {
        return String.format("load %s / %s; %,d / %,d samples measured%s, stored counts checked; QuestDB "
                + "applied its WAL %,d ms after the last answer", t.load(), q.load(), t.samples(), q.samples(),
                t.refused() + q.refused() == 0 ? "" : String.format(", %,d / %,d refused (429/503) and re-sent",
                        t.refused(), q.refused()), q.applyMillis());
    }

    /**
     * One side on a fresh server in {@code work/name-side}: the table or archive, the untimed warm-up, the measured
     * run, the stored count; the server's files are removed afterwards unless {@code --dir} keeps them.
     */
    private Measured measure(Path work, Side side, GatewayLoad.Format tidemarkFormat, int clients, int batch,
            String name, Duration time) throws Exception {
        Path root = work.resolve("peers").resolve(name + "-" + side.name().toLowerCase(java.util.Locale.ROOT));
        GatewayLoad load = new GatewayLoad(batch);
        Duration bound = Duration.ofSeconds(timeout);
        try {
            if (side == Side.TIDEMARK) {
                try (TidemarkTarget t = TidemarkTarget.start(root, null)) {
                    t.createArchive(TABLE);
                    try (Writers w = new Writers(load, clients, c -> t.poster(tidemarkFormat, TABLE, bound),
                            tidemarkFormat, TABLE, TidemarkTarget.success(tidemarkFormat), bound)) {
                        warmUp(w, tidemarkFormat);
                        Writers.Result r = w.run(time);
                        String loadAvg = Report.loadAverage();
                        long expected = stored(w.acknowledged(), batch);
                        long count = t.count(TABLE);
                        if (count != expected) {
                            throw new IllegalStateException("Tidemark holds " + count + " rows, " + expected
                                    + " acknowledged");
                        }
                        return new Measured(r.samplesPerSecond(), r.requests(), r.samples(), r.refused(), loadAvg,
                                0);
                    }
                }
            }
            QuestDbServer.CommitMode mode = side == Side.QUESTDB ? QuestDbServer.CommitMode.DEFAULT
                    : QuestDbServer.CommitMode.SYNC;
            try (QuestDbServer q = QuestDbServer.start(root, mode, work.resolve("questdb.log"))) {
                q.createTable(TABLE, clients * batch);
                try (Writers w = new Writers(load, clients, c -> q.poster(bound), GatewayLoad.Format.LINE, TABLE,
                        204, bound)) {
                    w.run(seconds(warmupSeconds));
                    Writers.Result r = w.run(time);
                    String loadAvg = Report.loadAverage();
                    long nanos = q.awaitCount(TABLE, stored(w.acknowledged(), batch), Duration.ofSeconds(walTimeout));
                    return new Measured(r.samplesPerSecond(), r.requests(), r.samples(), r.refused(), loadAvg,
                            nanos / 1_000_000);
                }
            }
        } finally {
            if (dir == null) {
                TempDirs.delete(root, "tidemark bench peers");
            }
        }
    }

    /** The untimed first seconds; a Tidemark without a line protocol endpoint ends the run with a clear message. */
    private void warmUp(Writers w, GatewayLoad.Format format) throws InterruptedException {
        try {
            w.run(seconds(warmupSeconds));
        } catch (Writers.Failed e) {
            if (format == GatewayLoad.Format.LINE && (e.status() == 404 || e.status() == 405)) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "--format line: this build's server "
                        + "answered " + e.status() + " at POST /api/v2/write (no line protocol endpoint); use "
                        + "--format ndjson");
            }
            throw e;
        }
    }

    private static long stored(int[] acknowledged, int batch) {
        return Arrays.stream(acknowledged).asLongStream().sum() * batch;
    }

    private static Measured median(List<Measured> ms) {
        List<Measured> sorted = new ArrayList<>(ms);
        sorted.sort((x, y) -> Double.compare(x.samplesPerSecond(), y.samplesPerSecond()));
        return sorted.get(sorted.size() / 2);
    }

    private static int[] scenario(String s) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("a scenario is clients x samples per request, e.g. 64x100, not " + s);
        }
        int clients = Integer.parseInt(p[0].trim());
        int batch = Integer.parseInt(p[1].trim());
        if (clients < 1 || batch < 1) {
            throw new IllegalArgumentException("clients and samples per request must be positive: " + s);
        }
        return new int[] {clients, batch};
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
