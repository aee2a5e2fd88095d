package io.tidemark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.questdb.ServerMain;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * QuestDB (the Maven Central artifact {@code org.questdb:questdb}) as an embedded server in this JVM, for
 * {@code tidemark bench peers}: HTTP only, on a free loopback port, with its defaults except the commit mode. Its
 * line protocol over HTTP answers at {@code /api/v2/write}; SQL at {@code /exec}.
 *
 * <p>{@code cairo.commit.mode} is QuestDB's durability setting: {@code nosync} (its default) flushes nothing on
 * commit, {@code sync} makes every commit wait for the flush of what it wrote — for a WAL table the WAL segment's
 * column files and its event file — so that an ILP/HTTP request is acknowledged (204) only once its rows are on disk.
 */
final class QuestDbServer implements AutoCloseable {
    /** QuestDB's commit modes, as {@code cairo.commit.mode} spells them. */
    enum CommitMode {
        DEFAULT("nosync"),
        SYNC("sync");

        final String setting;

        CommitMode(String setting) {
            this.setting = setting;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean logConfigured;
    private final ServerMain server;
    private final HttpClient http;
    private final URI uri;

    private QuestDbServer(ServerMain server) {
        this.server = server;
        this.uri = URI.create("http://127.0.0.1:" + server.getHttpServerPort());
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Starts a fresh server with its root directory {@code root} (created) and {@code mode}. QuestDB's log goes to
     * {@code log} (errors and advisories only); QuestDB configures its logging once per JVM, so the first call's
     * file is the one used.
     */
    static QuestDbServer start(Path root, CommitMode mode, Path log) throws IOException {
        configureLogging(log);
        Files.createDirectories(root);
        Map<String, String> env = Map.of(
                "QDB_HTTP_NET_BIND_TO", "127.0.0.1:0",
                "QDB_HTTP_MIN_ENABLED", "false",
                "QDB_PG_ENABLED", "false",
                "QDB_LINE_TCP_ENABLED", "false",
                "QDB_LINE_UDP_ENABLED", "false",
                "QDB_TELEMETRY_ENABLED", "false",
                "QDB_CAIRO_COMMIT_MODE", mode.setting);
        ServerMain s = ServerMain.create(root.toString(), env);
        try {
            s.start();
        } catch (RuntimeException e) {
            quietly(s::close);
            throw e;
        }
        return new QuestDbServer(s);
    }

    private static synchronized void configureLogging(Path log) throws IOException {
        if (logConfigured) {
            return;
        }
        Path conf = log.resolveSibling("questdb-log.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "writers=file\nw.file.class=io.questdb.log.LogFileWriter\nw.file.location=" + log
                + "\nw.file.level=ERROR,CRITICAL,ADVISORY\n");
        // LogFactory reads this system property once, when QuestDB first logs.
        System.setProperty("out", conf.toString());
        logConfigured = true;
    }

    URI uri() {
        return uri;
    }

    /** A writer's connection: line protocol over HTTP with millisecond timestamps, answered 204. */
    HttpPoster poster(Duration timeout) {
        return new HttpPoster(uri, "/api/v2/write?precision=ms", timeout, "Content-Type: text/plain; charset=utf-8");
    }

    /**
     * Creates the benchmark's table: a WAL table deduplicated on {@code (ts, rtId)}, {@code rtId} a SYMBOL with a
     * capacity of at least {@code series} distinct values (QuestDB's advice for symbol columns; its default is 256).
     */
    void createTable(String name, int series) throws IOException, InterruptedException {
        int capacity = Integer.highestOneBit(Math.max(256, series - 1)) << 1;
        exec("CREATE TABLE " + name + " (ts TIMESTAMP, rtId SYMBOL CAPACITY " + capacity + ", a DOUBLE, b DOUBLE) "
                + "TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, rtId)");
    }

    /** {@code SELECT count() FROM name}: the rows the WAL apply job has made visible so far. */
    long count(String name) throws IOException, InterruptedException {
        return exec("SELECT count() FROM " + name).path("dataset").path(0).path(0).asLong(-1);
    }

    /**
     * Waits until {@code name} holds {@code expected} rows (QuestDB acknowledges ILP once the rows are in the WAL; a
     * job applies them to the table afterwards), polling every 10 ms for at most {@code bound}. Returns the
     * nanoseconds waited; fails when the count passes {@code expected} or the bound.
     */
    long awaitCount(String name, long expected, Duration bound) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long seen = -1;
        while (System.nanoTime() - t0 < bound.toNanos()) {
            seen = count(name);
            if (seen == expected) {
                return System.nanoTime() - t0;
            }
            if (seen > expected) {
                break;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("QuestDB table " + name + " holds " + seen + " rows, " + expected
                + " acknowledged (waited up to " + bound + " for its WAL to be applied)");
    }

    private JsonNode exec(String sql) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri.resolve("/exec?query="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("QuestDB /exec answered " + res.statusCode() + " to " + sql + ": " + res.body());
        }
        return JSON.readTree(res.body());
    }

    /**
     * Stops the server. QuestDB prints "QuestDB is shutting down..." to standard output when it closes; that line
     * goes to standard error here, so that {@code --json} output stays a JSON document.
     */
    @Override
    public void close() {
        PrintStream out = System.out;
        System.setOut(System.err);
        try {
            server.close();
        } finally {
            System.setOut(out);
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // already failing: the start's error is the one to report
        }
    }
}
