package io.tidemark.bench;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.Stores;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.postgresql.PGConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tidemark bench sql}: reads through the SQL endpoint (PostgreSQL's wire protocol, pgjdbc on loopback) vs the
 * same SQL text on the same database straight over JDBC (DuckDB's driver in-process, pgjdbc to PostgreSQL), in the
 * same run. Three figures per engine: a Grafana-shaped query (1-minute averages of 10 rtIds over 6 hours, as
 * Grafana's PostgreSQL data source sends it after macro expansion; queries/s), a bulk read of {@code --bulk-rows}
 * rows with pgjdbc's fetch size (rows/s), and a {@code COPY (SELECT …) TO STDOUT (FORMAT csv)} export of the same
 * rows (rows/s; no target).
 *
 * <p>The direct baseline runs the text the endpoint runs: the client's SQL passed through the same {@link SqlGuard}
 * (names qualified into the tenant's schema, time functions rendered for the engine), on a plain connection to the
 * store's database (DuckDB: the same embedded database instance; PostgreSQL: the same database, as its owner). Its
 * COPY figure is PostgreSQL's own {@code COPY … TO STDOUT} through pgjdbc's CopyManager; DuckDB has no COPY to the
 * client, so there the baseline reads the rows over JDBC and writes the same CSV text in Java.
 *
 * <p>Run: {@code ./tidemark bench sql [--engine duckdb|postgresql|all] [--samples 10000000] [--rounds 7]
 * [--warmup 2] [--json]}.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "SQL endpoint (pgjdbc over the PostgreSQL wire protocol) vs the same SQL on the engine over "
                + "JDBC, same run: Grafana-shaped query, bulk read, COPY export.")
final class SqlBench implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.of("bench");
    private static final String ARCHIVE = "samples";
    private static final double GRAFANA_TARGET = 0.8;
    private static final double BULK_TARGET = 0.5;
    private static final int GRAFANA_SERIES = 10;
    private static final int GRAFANA_HOURS = 6;

    @Option(names = "--engine", description = "duckdb, postgresql or all (default: ${DEFAULT-VALUE})")
    String engine = "all";

    @Option(names = "--samples", description = "samples stored, 1 Hz per series (default: ${DEFAULT-VALUE})")
    long samples = 10_000_000;

    @Option(names = "--rtids", description = "series; the data spans samples / rtids seconds "
            + "(default: ${DEFAULT-VALUE}: 10 M samples span 6.9 hours)")
    int rtIds = 400;

    @Option(names = "--bulk-rows", description = "rows of the bulk read and the COPY export "
            + "(default: ${DEFAULT-VALUE}; at most the samples)")
    long bulkRows = 1_000_000;

    @Option(names = "--fetch-size", description = "pgjdbc fetch size of the bulk read, both ways "
            + "(default: ${DEFAULT-VALUE})")
    int fetchSize = 10_000;

    @Option(names = "--queries", description = "Grafana-shaped queries per round and side (default: ${DEFAULT-VALUE})")
    int queries = 5;

    @Option(names = {"--rounds", "--seconds"}, description = "measured rounds; each runs every figure both ways, "
            + "alternating which goes first (default: ${DEFAULT-VALUE})")
    int rounds = 7;

    @Option(names = "--warmup", description = "unmeasured rounds first (default: ${DEFAULT-VALUE})")
    int warmup = 2;

    @Option(names = "--json", description = "print a JSON document instead of a table")
    boolean json;

    @Option(names = "--dir", description = "working directory for database files, kept (default: a temporary one, "
            + "removed at the end)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return WorkDir.run(dir, "tidemark-bench-sql", this::run);
    }

    private Integer run(Path work) throws Exception {
        if (samples < rtIds || rtIds < GRAFANA_SERIES) {
            throw new IllegalArgumentException("--samples must be at least --rtids, and --rtids at least "
                    + GRAFANA_SERIES);
        }
        int seconds = (int) (samples / rtIds);
        Generator gen = new Generator(rtIds, seconds, 100_000);
        long bulk = Math.max(1, Math.min(bulkRows, gen.total()) / rtIds) * rtIds;
        Queries q = new Queries(gen, rtIds, seconds, bulk);
        List<Figure> figures = new ArrayList<>();
        if (engine.equals("all") || engine.equals("duckdb")) {
            Path file = work.resolve("tidemark").resolve("tidemark.duckdb");
            Store store = Stores.open(StoreConfig.embedded(work.resolve("tidemark")));
            figures.addAll(run("duckdb", gen, q, store, () -> DriverManager.getConnection("jdbc:duckdb:" + file)));
        }
        if (engine.equals("all") || engine.equals("postgresql")) {
            try (BenchPostgres pg = BenchPostgres.start()) {
                String url = pg.newDatabase();
                figures.addAll(run("postgresql", gen, q, Stores.open(new StoreConfig(url, null, null, 4)),
                        () -> DriverManager.getConnection(url)));
            }
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("samples", gen.total());
        setup.put("rtIds", rtIds);
        setup.put("span", seconds + " s of 1 Hz samples per series");
        setup.put("grafana query", GRAFANA_SERIES + " rtIds, 1-minute avg over the last " + GRAFANA_HOURS
                + " hours of data, " + queries + " per round and side");
        setup.put("bulk read", q.bulkRows + " rows, pgjdbc fetch size " + fetchSize);
        setup.put("rounds", rounds + " measured (medians), " + warmup + " warm-up");
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("java", System.getProperty("java.version"));
        if (json) {
            Report.json(System.out, "sql", setup, figures);
        } else {
            Report.table(System.out, "tidemark bench sql", setup, figures);
        }
        return 0;
    }

    /** Opens the direct connection to the store's database. */
    private interface Direct {
        Connection open() throws SQLException;
    }

    /** The three statements, as the client writes them. */
    private static final class Queries {
        final String grafana;
        final String bulk;
        final String copy;
        final long bulkRows;

        Queries(Generator gen, int rtIds, int seconds, long bulkRows) {
            this.bulkRows = bulkRows;
            Instant end = Generator.T0.plusSeconds(seconds - 1L);
            Instant start = end.minus(Duration.ofHours(GRAFANA_HOURS));
            if (start.isBefore(Generator.T0)) {
                start = Generator.T0;
            }
            StringJoiner ids = new StringJoiner(", ");
            for (int i = 0; i < GRAFANA_SERIES; i++) {
                ids.add("'sensor-" + (i * (rtIds / GRAFANA_SERIES)) + "'");
            }
            // Grafana's $__timeGroupAlias("timestamp", '1m') and $__timeFilter("timestamp"), expanded as Grafana does.
            grafana = "SELECT floor(extract(epoch from \"timestamp\")/60)*60 AS \"time\", \"rtId\" AS metric, "
                    + "avg(a) AS value FROM " + ARCHIVE + " WHERE \"timestamp\" BETWEEN '" + start + "' AND '" + end
                    + "' AND \"rtId\" IN (" + ids + ") GROUP BY 1, 2 ORDER BY 1, 2";
            // Whole seconds of all series: bulkRows is a multiple of the series count.
            Instant to = Generator.T0.plusSeconds(bulkRows / rtIds);
            String select = "SELECT \"timestamp\", \"rtId\", a, b FROM " + ARCHIVE + " WHERE \"timestamp\" >= '"
                    + Generator.T0 + "' AND \"timestamp\" < '" + to + "'";
            bulk = select;
            copy = "COPY (" + bulk + ") TO STDOUT (FORMAT csv)";
        }
    }

    private List<Figure> run(String name, Generator gen, Queries q, Store store, Direct direct) throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build();
        try (store; TidemarkServer server = TidemarkServer.builder(config).store(store).build().start()) {
            load(name, store, gen);
            String token = Tokens.issue(store, TENANT, Role.READER, "bench", Instant.now()).secret();
            Properties p = new Properties();
            p.setProperty("user", TENANT.value());
            p.setProperty("password", token);
            String url = "jdbc:postgresql://127.0.0.1:" + server.sqlPort() + "/" + TENANT.value();
            SqlGuard guard = guard(store);
            String directGrafana = rewritten(guard, q.grafana);
            String directBulk = rewritten(guard, q.bulk);
            try (Connection endpoint = DriverManager.getConnection(url, p); Connection raw = direct.open()) {
                Side tidemark = new Side(endpoint, q.grafana, q.bulk, q.copy, true);
                Side baseline = new Side(raw, directGrafana, directBulk,
                        name.equals("postgresql") ? "COPY (" + directBulk + ") TO STDOUT (FORMAT csv)" : null, false);
                tidemark.check(baseline, q.bulkRows);
                return measure(name, q, tidemark, baseline);
            }
        }
    }

    private List<Figure> measure(String name, Queries q, Side tidemark, Side baseline) throws Exception {
        double[][] grafana = new double[2][rounds];
        double[][] bulk = new double[2][rounds];
        double[][] copy = new double[2][rounds];
        for (int round = -warmup; round < rounds; round++) {
            log(name + ": " + (round < 0 ? "warm-up round " + (round + warmup + 1) + " of " + warmup
                    : "round " + (round + 1) + " of " + rounds));
            boolean tidemarkFirst = Math.floorMod(round, 2) == 0;
            Side[] order = tidemarkFirst ? new Side[] {tidemark, baseline} : new Side[] {baseline, tidemark};
            for (Side side : order) {
                double s = side.grafana(queries);
                if (round >= 0) {
                    grafana[side == tidemark ? 0 : 1][round] = queries / s;
                }
            }
            for (Side side : order) {
                double s = side.bulk(fetchSize, q.bulkRows);
                if (round >= 0) {
                    bulk[side == tidemark ? 0 : 1][round] = q.bulkRows / s;
                }
            }
            for (Side side : order) {
                double s = side.copy(q.bulkRows);
                if (round >= 0) {
                    copy[side == tidemark ? 0 : 1][round] = q.bulkRows / s;
                }
            }
        }
        String what = name.equals("duckdb") ? "DuckDB JDBC, same database" : "pgjdbc to PostgreSQL, same database";
        List<Figure> out = new ArrayList<>();
        out.add(new Figure(name, "Grafana query (queries/s)", median(grafana[0]), "q/s", median(grafana[1]), what,
                GRAFANA_TARGET));
        out.add(new Figure(name, "bulk read (rows/s)", median(bulk[0]), "rows/s", median(bulk[1]), what,
                BULK_TARGET));
        out.add(new Figure(name, "COPY … TO STDOUT csv (rows/s)", median(copy[0]), "rows/s", median(copy[1]),
                name.equals("duckdb") ? "DuckDB JDBC read, CSV written in Java" : "PostgreSQL COPY TO STDOUT",
                Double.NaN));
        return out;
    }

    /** One way to the data: the endpoint or the engine directly. */
    private static final class Side {
        final Connection c;
        final String grafana;
        final String bulk;
        /** The COPY statement; null where the engine has no COPY to the client (DuckDB): rows written as CSV here. */
        final String copy;
        final boolean endpoint;
        long checksum;

        Side(Connection c, String grafana, String bulk, String copy, boolean endpoint) {
            this.c = c;
            this.grafana = grafana;
            this.bulk = bulk;
            this.copy = copy;
            this.endpoint = endpoint;
        }

        /** Runs the Grafana query {@code n} times, reading every value; returns seconds. */
        double grafana(int n) throws SQLException {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(grafana)) {
                    checksum += readAll(rs);
                }
            }
            return seconds(t0);
        }

        /** Reads the bulk rows with a fetch size (pgjdbc streams only outside auto-commit); returns seconds. */
        double bulk(int fetchSize, long expected) throws SQLException {
            long t0 = System.nanoTime();
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            long rows;
            try (Statement s = c.createStatement()) {
                s.setFetchSize(fetchSize);
                try (ResultSet rs = s.executeQuery(bulk)) {
                    rows = readAll(rs);
                }
            } finally {
                c.commit();
                c.setAutoCommit(auto);
            }
            double seconds = seconds(t0);
            requireRows("bulk read", rows, expected);
            return seconds;
        }

        /** Exports the bulk rows as CSV into a byte counter; returns seconds. */
        double copy(long expected) throws Exception {
            Counter sink = new Counter();
            long t0 = System.nanoTime();
            long rows;
            if (copy != null) {
                rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut(copy, sink);
            } else {
                rows = csv(sink);
            }
            double seconds = seconds(t0);
            requireRows("COPY", rows, expected);
            if (sink.lines != expected) {
                throw new IllegalStateException("COPY wrote " + sink.lines + " lines, expected " + expected);
            }
            checksum += sink.bytes;
            return seconds;
        }

        /** The DuckDB baseline of COPY: rows over JDBC, each value's text, CSV lines to the sink. */
        private long csv(OutputStream sink) throws Exception {
            long rows = 0;
            StringBuilder line = new StringBuilder(128);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(bulk)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    line.setLength(0);
                    for (int i = 1; i <= n; i++) {
                        if (i > 1) {
                            line.append(',');
                        }
                        String v = rs.getString(i);
                        if (v != null) {
                            line.append(v);
                        }
                    }
                    line.append('\n');
                    sink.write(line.toString().getBytes(StandardCharsets.UTF_8));
                    rows++;
                }
            }
            return rows;
        }

        /** Both sides answer the same rows (count and Grafana values), before anything is timed. */
        void check(Side other, long bulkRows) throws SQLException {
            List<Object[]> mine = grafanaRows();
            List<Object[]> theirs = other.grafanaRows();
            boolean same = !mine.isEmpty() && mine.size() == theirs.size();
            for (int i = 0; same && i < mine.size(); i++) {
                Object[] m = mine.get(i);
                Object[] t = theirs.get(i);
                same = m[0].equals(t[0]) && m[1].equals(t[1])
                        && Math.abs((double) m[2] - (double) t[2]) <= 1e-9 * Math.max(1, Math.abs((double) t[2]));
            }
            if (!same) {
                throw new IllegalStateException("the Grafana query answers differently: endpoint " + mine.size()
                        + " rows, direct " + theirs.size() + " rows"
                        + (mine.isEmpty() || theirs.isEmpty() ? "" : "; first " + Arrays.toString(mine.get(0))
                        + " vs " + Arrays.toString(theirs.get(0))));
            }
            bulk(1000, bulkRows);
            other.bulk(1000, bulkRows);
        }

        private List<Object[]> grafanaRows() throws SQLException {
            List<Object[]> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(grafana)) {
                while (rs.next()) {
                    out.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getDouble(3)});
                }
            }
            return out;
        }
    }

    /** Reads every value of every row, as a generic JDBC tool does; returns the rows. */
    private static long readAll(ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        long rows = 0;
        long nonNull = 0;
        while (rs.next()) {
            for (int i = 1; i <= n; i++) {
                if (rs.getObject(i) != null) {
                    nonNull++;
                }
            }
            rows++;
        }
        if (nonNull == 0 && rows > 0) {
            throw new IllegalStateException("every value read was null");
        }
        return rows;
    }

    private static void requireRows(String what, long rows, long expected) {
        if (rows != expected) {
            throw new IllegalStateException(what + " answered " + rows + " rows, expected " + expected);
        }
    }

    /** Counts bytes and lines; keeps nothing. */
    private static final class Counter extends OutputStream {
        long bytes;
        long lines;

        @Override
        public void write(int b) {
            bytes++;
            if (b == '\n') {
                lines++;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lines++;
                }
            }
        }
    }

    /** The guard the endpoint checks the tenant's SQL with, over the same archives, rendering for the engine. */
    private static SqlGuard guard(Store store) {
        List<SqlTable> tables = new ArrayList<>();
        Map<String, ArchiveDefinition> byName = new LinkedHashMap<>();
        for (var a : store.archives().archives(TENANT)) {
            tables.add(SqlTable.of(a.definition()));
            byName.put(a.name(), a.definition());
        }
        return SqlGuard.of(SqlCatalog.of(TENANT.value(), tables),
                table -> store.sql().relation(TENANT, byName.get(table.name())), store.sql().functions());
    }

    private static String rewritten(SqlGuard guard, String sql) {
        List<GuardedStatement> checked = guard.check(sql);
        if (checked.size() != 1 || !(checked.get(0) instanceof GuardedStatement.Query query)) {
            throw new IllegalStateException("the guard did not admit the benchmark's query: " + sql);
        }
        return query.sql();
    }

    private void load(String name, Store store, Generator gen) {
        store.createTenant(TENANT);
        store.archives().createArchive(TENANT, ArchiveDefinition.raw(ARCHIVE,
                List.of(Column.of("a", ColumnType.DOUBLE), Column.of("b", ColumnType.DOUBLE))));
        store.archives().activateArchive(TENANT, ARCHIVE);
        log(name + ": loading " + gen.total() + " samples in " + gen.batches() + " batches");
        long t0 = System.nanoTime();
        for (int k = 0; k < gen.batches(); k++) {
            store.archives().write(TENANT, ARCHIVE, Generator.samples(gen.batch(k)));
        }
        log(name + String.format(": loaded in %.1f s", seconds(t0)));
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void log(String what) {
        System.err.println("[bench] " + what);
    }
}
