package io.tidemark.bench;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The many-small-writers part of {@code tidemark bench ingest}: for every cell of clients × samples per request, that
 * many gateways post fresh samples ({@link GatewayLoad}) to one server at once for a bounded time, and the figure is
 * the samples the server acknowledged per second ÷ the engine's own bulk path (DuckDB's Appender, PostgreSQL's COPY)
 * loading exactly the same samples in commits of {@code baselineCommit} rows, measured right after on a database of
 * its own. With several rounds per cell, Tidemark and the baseline alternate round by round and the round with the
 * median ratio is reported. Each cell and format writes into an archive of its own, whose stored row count must equal
 * what was acknowledged (warm-up and rounds), or the run fails.
 */
final class WritersMatrix {
    /** The target: 64 clients × 100 samples per request at ≥ 0.5× the bulk path. */
    static final double TARGET = 0.5;
    /** Line protocol ÷ NDJSON on the same samples. */
    static final double LINE_TARGET = 0.9;
    private static final double BASELINE_MIN_SECONDS = 0.5;
    private static final int BASELINE_MAX_LOADS = 20;

    /** What to run. */
    record Settings(List<Integer> clients, List<Integer> batches, List<GatewayLoad.Format> formats,
            Duration cellTime, Duration warmup, int rounds, int baselineCommit, Duration timeout) {}

    private final Settings s;

    WritersMatrix(Settings settings) {
        this.s = settings;
    }

    /**
     * Runs every cell against {@code target} with {@code raw} as the baseline; {@code engine} names both in the
     * figures ("duckdb", "postgresql").
     */
    List<Figure> run(String engine, TidemarkTarget target, RawEngine raw) throws Exception {
        List<Figure> figures = new ArrayList<>();
        String baselineName = (engine.equals("duckdb") ? "DuckDB Appender" : "PostgreSQL COPY") + ", "
                + String.format("%,d", s.baselineCommit()) + "-row commits";
        List<GatewayLoad.Format> formats = new ArrayList<>(s.formats());
        int cell = 0;
        for (int clients : s.clients()) {
            for (int batch : s.batches()) {
                // Rotate which format goes first, so that neither always runs on the warmer server.
                List<GatewayLoad.Format> order = new ArrayList<>(formats);
                java.util.Collections.rotate(order, cell++);
                double ndjson = Double.NaN;
                double line = Double.NaN;
                for (GatewayLoad.Format format : order) {
                    Figure f = cell(engine, target, raw, baselineName, format, clients, batch);
                    if (f == null) {
                        formats.remove(format);
                        continue;
                    }
                    figures.add(f);
                    if (format == GatewayLoad.Format.NDJSON) {
                        ndjson = f.value();
                    } else {
                        line = f.value();
                    }
                }
                if (!Double.isNaN(ndjson) && !Double.isNaN(line)) {
                    figures.add(new Figure(engine, "line ÷ NDJSON, " + clients + " × " + batch, line,
                            "samples/s", ndjson, "NDJSON, same samples and clients", LINE_TARGET));
                }
            }
        }
        return figures;
    }

    /** One cell in one format; null when the server has no endpoint for the format (it answered 404 or 405). */
    private Figure cell(String engine, TidemarkTarget target, RawEngine raw, String baselineName,
            GatewayLoad.Format format, int clients, int batch) throws Exception {
        String archive = "w_" + format.label() + "_" + clients + "x" + batch;
        log(engine + ": " + clients + " clients × " + batch + " samples per request, " + format.label() + ", "
                + s.cellTime().toMillis() / 1000.0 + " s");
        target.createArchive(archive);
        GatewayLoad load = new GatewayLoad(batch);
        List<Round> rounds = new ArrayList<>();
        try (Writers w = new Writers(load, clients, c -> target.poster(format, archive, s.timeout()), format,
                archive, TidemarkTarget.success(format), s.timeout())) {
            try {
                w.run(s.warmup());
            } catch (Writers.Failed e) {
                if (format == GatewayLoad.Format.LINE && (e.status() == 404 || e.status() == 405)) {
                    log("line protocol skipped: POST /api/v2/write answered " + e.status() + " (this build has no "
                            + "line protocol endpoint): " + e.getMessage());
                    return null;
                }
                throw e;
            }
            for (int k = 0; k < s.rounds(); k++) {
                Writers.Result r = w.run(s.cellTime());
                String loadAvg = Report.loadAverage();
                double baseline = baseline(raw, load.batches(r.from(), r.to(), s.baselineCommit()), r.samples());
                rounds.add(new Round(r, baseline, loadAvg));
            }
            checkStored(target, archive, w.acknowledged(), batch);
        }
        List<Round> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingDouble(Round::ratio));
        Round m = sorted.get(sorted.size() / 2);
        Writers.Result r = m.result();
        StringBuilder note = new StringBuilder(String.format("load %s; %,d requests, %,d samples", m.load(),
                r.requests(), r.samples()));
        if (r.refused() > 0) {
            note.append(String.format(", %,d refused (429/503) and re-sent", r.refused()));
        }
        if (rounds.size() > 1) {
            note.append("; rounds ").append(String.join(" / ", rounds.stream()
                    .map(x -> String.format("%.2fx (load %s)", x.ratio(), x.load())).toList()));
        }
        double targetRatio = clients == 64 && batch == 100 && engine.equals("duckdb") ? TARGET : Double.NaN;
        return new Figure(engine, name(format) + ", " + clients + " × " + batch, r.samplesPerSecond(), "samples/s",
                m.baseline(), baselineName, targetRatio, note.toString());
    }

    /** One measured round of a cell and its baseline, measured right after it on the same samples. */
    private record Round(Writers.Result result, double baseline, String load) {
        double ratio() {
            return result.samplesPerSecond() / baseline;
        }
    }

    /** The archive holds exactly the acknowledged samples (warm-up and measured), or the run fails. */
    private static void checkStored(TidemarkTarget target, String archive, int[] acknowledged, int batch)
            throws SQLException {
        long expected = 0;
        for (int n : acknowledged) {
            expected += (long) n * batch;
        }
        long stored = target.count(archive);
        if (stored != expected) {
            throw new IllegalStateException(archive + ": " + stored + " rows stored, " + expected + " acknowledged");
        }
    }

    /**
     * The bulk path's rate on the same samples: loads them into an empty table in commits of the batches' size,
     * after one untimed load, as often as needed for {@value #BASELINE_MIN_SECONDS} s of timed loading (at most
     * {@value #BASELINE_MAX_LOADS} loads); samples/s over all timed loads.
     */
    private static double baseline(RawEngine raw, List<Generator.Batch> batches, long samples) throws SQLException {
        long nanos = 0;
        int loads = 0;
        for (int k = -1; k < BASELINE_MAX_LOADS && nanos < BASELINE_MIN_SECONDS * 1e9; k++) {
            try (Statement st = raw.connection().createStatement()) {
                st.execute("DROP TABLE IF EXISTS samples");
            }
            raw.createSamples();
            long t0 = System.nanoTime();
            for (Generator.Batch b : batches) {
                raw.bulkWrite(b);
            }
            if (k >= 0) {
                nanos += System.nanoTime() - t0;
                loads++;
            }
        }
        return samples * (double) loads / (nanos / 1e9);
    }

    static String name(GatewayLoad.Format format) {
        return format == GatewayLoad.Format.NDJSON ? "NDJSON" : "line";
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
