package io.tidemark.bench;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.ingest.LineProtocolReader;
import io.tidemark.server.ingest.NdjsonReader;
import io.tidemark.server.ingest.ParsedBody;
import io.tidemark.server.ingest.fast.LineProtocol;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * {@code tidemark bench line}: InfluxDB line protocol against the NDJSON fast path on the same samples, in the same
 * run, batch by batch alternating which goes first: (1) parsing alone, body bytes to a validated batch
 * ({@link LineProtocolReader} vs {@link NdjsonReader} with its fast path, each from an input stream as the server
 * reads them); (2) end to end, HTTP ingest into a server on embedded DuckDB ({@code POST /api/v2/write} vs
 * {@code POST /api/v1/archives/{archive}/samples}). The samples are {@link Generator}'s; the line protocol carries the
 * rtId as tag {@code sensor}, the server configured with {@code ingest.line.rtid-tag=sensor}, so both store the same
 * rows.
 *
 * <p>Run: {@code ./tidemark bench line [--rtids 1000] [--seconds 1000] [--batch 50000] [--rounds 5]
 * [--http-rounds 4] [--json]}.
 */
@Command(name = "line", mixinStandardHelpOptions = true,
        description = "InfluxDB line protocol vs NDJSON (fast path) on the same samples: parse, and HTTP ingest.")
final class LineBench implements Callable<Integer> {
    private static final double TARGET = 0.9;
    private static final ArchiveDefinition ARCHIVE = ArchiveDefinition.raw("samples", List.of(
            Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE)));

    @Option(names = "--rtids", description = "series (default: ${DEFAULT-VALUE})")
    int rtIds = 1_000;

    @Option(names = "--seconds", description = "seconds of 1 Hz samples per series (default: ${DEFAULT-VALUE})")
    int seconds = 1_000;

    @Option(names = "--batch", description = "samples per body (default: ${DEFAULT-VALUE})")
    int batch = 50_000;

    @Option(names = "--rounds", description = "timed passes over all bodies for the parse figure "
            + "(default: ${DEFAULT-VALUE})")
    int rounds = 5;

    /**
     * Even, so each side takes each slot of the request sequence equally often: what DuckDB does every few commits
     * (a checkpoint …) costs whichever request has that slot, and within one round the same side has it.
     */
    @Option(names = "--http-rounds", description = "passes over all bodies for the HTTP figure, each into new "
            + "archives, which side goes first swapped every round; keep it even (default: ${DEFAULT-VALUE})")
    int httpRounds = 4;

    @Option(names = "--warmup", description = "untimed passes over all bodies before the parse figure, and untimed "
            + "requests each way before the HTTP one (default: ${DEFAULT-VALUE})")
    int warmup = 3;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for the database files, kept (default: a temporary "
            + "one, removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench-line", this::run);
    }

    private Integer run(Path work) throws Exception {
        Generator gen = new Generator(rtIds, seconds, batch);
        List<byte[]> ndjson = new ArrayList<>();
        List<byte[]> line = new ArrayList<>();
        for (int k = 0; k < gen.batches(); k++) {
            Generator.Batch b = gen.batch(k);
            ndjson.add(ndjson(b));
            line.add(line("samples", b));
        }
        long[] parse = parse(gen, ndjson, line);
        long[] http = http(work, gen);

        double nd = (double) rounds * gen.total() / (parse[0] / 1e9);
        double lp = (double) rounds * gen.total() / (parse[1] / 1e9);
        List<Figure> figures = new ArrayList<>();
        figures.add(new Figure("-", "parse line protocol to a validated batch", lp, "rows/s", nd,
                "NDJSON fast path to a validated batch", TARGET));
        double sent = (double) httpRounds * gen.total();
        figures.add(new Figure("duckdb", "HTTP ingest line protocol", sent / (http[1] / 1e9), "rows/s",
                sent / (http[0] / 1e9), "HTTP ingest NDJSON (fast path)", TARGET));
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("samples", gen.total());
        setup.put("rtIds", rtIds);
        setup.put("seconds", seconds);
        setup.put("batch", batch);
        setup.put("rounds", rounds);
        setup.put("httpRounds", httpRounds);
        setup.put("bodies", "NDJSON ~" + ndjson.get(0).length / Math.max(1, gen.batch(0).size())
                + " B/sample, line protocol ~" + line.get(0).length / Math.max(1, gen.batch(0).size())
                + " B/sample; encoded before timing");
        setup.put("parse", "InputStream -> body bytes -> validated SampleBatch (LineProtocolReader vs NdjsonReader "
                + "fast path); bodies of 1 MiB and more are read in two halves by both");
        setup.put("http", "HttpClient POST, HTTP/1.1 loopback, one request at a time, alternating; "
                + "ingest.line.rtid-tag=sensor");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "line", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench line", setup, figures);
        }
        return 0;
    }

    /** Nanoseconds of {NDJSON, line protocol} over {@link #rounds} passes, after {@link #warmup} untimed ones. */
    private long[] parse(Generator gen, List<byte[]> ndjson, List<byte[]> line) throws IOException {
        log("parse, " + warmup + " untimed and " + rounds + " timed passes over " + gen.batches() + " bodies of "
                + batch + " samples each way, alternating");
        int[] sizes = new int[gen.batches()];
        for (int k = 0; k < sizes.length; k++) {
            sizes[k] = gen.batch(k).size();
        }
        long[] nanos = new long[2];
        for (int round = 0; round < warmup + rounds; round++) {
            for (int k = 0; k < gen.batches(); k++) {
                int expected = sizes[k];
                boolean lineFirst = (k + round) % 2 == 1;
                long[] t = new long[2];
                for (int i = 0; i < 2; i++) {
                    boolean isLine = lineFirst == (i == 0);
                    long t0 = System.nanoTime();
                    int rows = isLine ? parseLine(line.get(k)) : parseNdjson(ndjson.get(k));
                    t[isLine ? 1 : 0] = System.nanoTime() - t0;
                    if (rows != expected) {
                        throw new IllegalStateException("body " + k + (isLine ? " (line)" : " (ndjson)") + ": " + rows
                                + " rows, expected " + expected);
                    }
                }
                if (round >= warmup) {
                    nanos[0] += t[0];
                    nanos[1] += t[1];
                }
            }
        }
        return nanos;
    }

    private int parseNdjson(byte[] body) throws IOException {
        SampleBatch.Builder rows = SampleBatch.builder(ARCHIVE, BatchLimits.DEFAULT);
        ParsedBody p = new NdjsonReader(true).read(rows, new ByteArrayInputStream(body), batch);
        return p.batch().build().size();
    }

    private int parseLine(byte[] body) throws IOException {
        LineProtocolReader reader = new LineProtocolReader();
        LineProtocolReader.Bytes bytes = reader.readBody(new ByteArrayInputStream(body));
        LineProtocol.Parsed p = reader.parse(bytes, m -> LineProtocol.Resolution.archive(ARCHIVE, "sensor"),
                LineProtocol.Precision.MILLISECONDS, 0, BatchLimits.DEFAULT);
        return p.measurements().get(0).batch().size();
    }

    /**
     * Nanoseconds of {NDJSON, line protocol} ingest over HTTP of every batch into archives of their own, one
     * request at a time, alternating which goes first, after {@link #warmup} untimed requests each way.
     */
    private long[] http(Path work, Generator gen) throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlEnabled(false)
                .dataDir(work.resolve("tidemark")).bootstrapToken(false).rollupInterval(Duration.ofHours(1))
                .ingestMaxRows(Math.max(batch, 1000)).ingestMaxBytes(Math.max(64L << 20, batch * 200L))
                .lineRtIdTag("sensor").build();
        long[] nanos = new long[2];
        List<Long> ndjsonRequests = new ArrayList<>();
        List<Long> lineRequests = new ArrayList<>();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String token = Tokens.issue(server.store(), TenantId.of("bench"), Role.ADMIN, "bench", Instant.now())
                    .secret();
            TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token)
                    .build());
            List<String> archives = new ArrayList<>(List.of("warm_nd", "warm_lp"));
            for (int r = 0; r < httpRounds; r++) {
                archives.add("nd" + r);
                archives.add("lp" + r);
            }
            for (String archive : archives) {
                client.createArchive(archive, new LinkedHashMap<>(Map.of("a", "DOUBLE", "b", "DOUBLE")));
                client.activateArchive(archive);
            }
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI write = server.uri().resolve("/api/v2/write?org=bench&bucket=bench&precision=ms");
            int warm = Math.min(warmup, gen.batches());
            log("HTTP ingest, " + warm + " untimed requests each way");
            for (int k = 0; k < warm; k++) {
                Generator.Batch b = gen.batch(k);
                client.publishBody("warm_nd", TidemarkClient.BodyFormat.NDJSON, ndjson(b));
                post(http, write, token, line("warm_lp", b));
            }
            for (int r = 0; r < httpRounds; r++) {
                log("HTTP ingest, round " + (r + 1) + " of " + httpRounds + ": " + gen.batches() + " requests of "
                        + batch + " samples each way, alternating, into archives nd" + r + " and lp" + r);
                long[] round = new long[2];
                for (int k = 0; k < gen.batches(); k++) {
                    Generator.Batch b = gen.batch(k);
                    byte[] nd = ndjson(b);
                    byte[] lp = line("lp" + r, b);
                    for (int i = 0; i < 2; i++) {
                        boolean isLine = ((k + r) % 2 == 1) == (i == 0);
                        long t0 = System.nanoTime();
                        if (isLine) {
                            post(http, write, token, lp);
                        } else if (client.publishBody("nd" + r, TidemarkClient.BodyFormat.NDJSON, nd) != b.size()) {
                            throw new IllegalStateException("NDJSON batch " + k + " not fully written");
                        }
                        long took = System.nanoTime() - t0;
                        round[isLine ? 1 : 0] += took;
                        (isLine ? lineRequests : ndjsonRequests).add(took);
                    }
                }
                log(String.format("  round %d: line / NDJSON = %.2f", r + 1, (double) round[0] / round[1]));
                nanos[0] += round[0];
                nanos[1] += round[1];
                int nd = client.streamData("nd" + r, List.of(), Generator.T0, Generator.T0.plusSeconds(seconds), 1)
                        .size();
                int lp = client.streamData("lp" + r, List.of(), Generator.T0, Generator.T0.plusSeconds(seconds), 1)
                        .size();
                if (nd != 1 || lp != 1) {
                    throw new IllegalStateException("nothing stored: ndjson " + nd + ", line " + lp);
                }
            }
        }
        long nd = median(ndjsonRequests);
        long lp = median(lineRequests);
        log(String.format("median request: NDJSON %.1f ms, line %.1f ms; line / NDJSON = %.2f (rows/s); slowest: "
                + "NDJSON %s ms, line %s ms", nd / 1e6, lp / 1e6, (double) nd / lp, slowest(ndjsonRequests),
                slowest(lineRequests)));
        return nanos;
    }

    private static List<Long> slowest(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(java.util.Comparator.reverseOrder());
        return sorted.subList(0, Math.min(5, sorted.size())).stream().map(n -> n / 1_000_000).toList();
    }

    private static long median(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static void post(HttpClient http, URI uri, String token, byte[] body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Token " + token)
                .header("Content-Type", "text/plain; charset=utf-8").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IllegalStateException("line protocol write: " + r.statusCode() + " " + r.body());
        }
    }

    /** As {@code IngestBench} encodes NDJSON: rtId, epoch milliseconds, the two doubles. */
    private static byte[] ndjson(Generator.Batch b) {
        StringBuilder sb = new StringBuilder(b.size() * 80);
        for (int j = 0; j < b.size(); j++) {
            sb.append("{\"rtId\":\"").append(b.rtIds[j]).append("\",\"timestamp\":").append(b.micros[j] / 1000)
                    .append(",\"a\":").append(b.a[j]).append(",\"b\":").append(b.b[j]).append("}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The same samples as line protocol, milliseconds, the rtId as tag {@code sensor}. */
    private static byte[] line(String measurement, Generator.Batch b) {
        StringBuilder sb = new StringBuilder(b.size() * 70);
        for (int j = 0; j < b.size(); j++) {
            sb.append(measurement).append(",sensor=").append(b.rtIds[j]).append(" a=").append(b.a[j]).append(",b=")
                    .append(b.b[j]).append(' ').append(b.micros[j] / 1000).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
