package io.tidemark.server.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Bucket;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.server.oracle.SqlQueryGrammar.Engine;
import io.tidemark.server.oracle.SqlQueryGrammar.GeneratedQuery;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.SqlQuery;
import io.tidemark.store.SqlRows;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.tidemark.testing.Seeds;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQL oracle (issue 12): random queries from {@link SqlQueryGrammar} over random archives and an hourly rollup
 * computed by the rollup store, on DuckDB and PostgreSQL. Each query runs (a) as the server runs it —
 * {@link SqlGuard#check} with the store's relations and time functions, then {@code Store.sql().query} — and (b) as
 * the grammar's independent engine text over the physical tables with plain JDBC; the rows must be equal, in order.
 * The guarded answers of DuckDB and PostgreSQL must be equal too.
 *
 * <p>Values compare as: numbers as doubles, equal within 1e-9 relative (sums of doubles differ in their last bits
 * with the order of addition, which differs between plans and engines); timestamps as instants; text and booleans
 * exactly; null only with null. A failure names the seed, the query number, both texts and the first differing row.
 */
class SqlOracleIT {
    private static final TenantId T = TenantId.of(SqlQueryGrammar.TENANT);
    private static final int QUERIES_PER_SEED = 70;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final double TOLERANCE = 1e-9;

    @TempDir
    Path dir;

    static LongStream seeds() {
        return Seeds.fixedAndRandom("SqlOracleIT", 20261205L, 12L);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void query_guardedAndDirect_answerTheSameRowsOnBothEngines(long seed) throws Exception {
        SqlQueryGrammar grammar = new SqlQueryGrammar();
        Random qr = new Random(seed);
        List<GeneratedQuery> queries = new ArrayList<>();
        for (int i = 0; i < QUERIES_PER_SEED; i++) {
            queries.add(grammar.next(qr));
        }
        Path duckDir = Files.createDirectories(dir.resolve("duck-" + seed));
        List<List<List<Object>>> duck = run(seed, Engine.DUCKDB, queries, TestStores.duckDb(duckDir),
                "jdbc:duckdb:" + duckDir.toAbsolutePath().resolve("tidemark.duckdb"));
        String pgUrl = TestStores.postgresDatabase();
        List<List<List<Object>>> pg = run(seed, Engine.POSTGRES, queries, TestStores.open(pgUrl), pgUrl);
        for (int i = 0; i < queries.size(); i++) {
            compare(seed, i, queries.get(i), "DuckDB (guarded)", duck.get(i), "PostgreSQL (guarded)", pg.get(i),
                    queries.get(i).userSql());
        }
        // not vacuous: most queries answer rows
        long answered = duck.stream().filter(rows -> !rows.isEmpty()).count();
        long rows = duck.stream().mapToLong(List::size).sum();
        System.out.println("SqlOracleIT seed " + seed + ": " + queries.size() + " queries per engine, " + answered
                + " with rows, " + rows + " rows");
        assertThat(answered).as("queries that answered rows").isGreaterThan(queries.size() / 2);
    }

    /** Loads the data, runs every query both ways on one engine, compares them, and answers the guarded rows. */
    private List<List<List<Object>>> run(long seed, Engine engine, List<GeneratedQuery> queries, Store store,
            String jdbcUrl) throws SQLException {
        List<List<List<Object>>> guarded = new ArrayList<>();
        try (store) {
            load(store, new Random(seed));
            List<ArchiveDefinition> defs = List.of(store.archives().requireArchive(T, "alpha").definition(),
                    store.archives().requireArchive(T, "beta").definition(),
                    store.archives().requireArchive(T, "alpha_1h").definition());
            SqlCatalog catalog = SqlCatalog.of(T.value(), defs.stream().map(SqlTable::of).toList());
            Map<String, ArchiveDefinition> byName = new HashMap<>();
            defs.forEach(d -> byName.put(d.name(), d));
            SqlGuard guard = SqlGuard.of(catalog, t -> store.sql().relation(T, byName.get(t.name())),
                    store.sql().functions());
            for (int i = 0; i < queries.size(); i++) {
                guarded.add(guarded(seed, i, guard, store, queries.get(i)));
            }
        }
        // DuckDB allows one database instance per file: the direct runs start after the store has closed
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            String prefix = engine == Engine.DUCKDB ? quote(catalogName(c)) + "." : "";
            for (int i = 0; i < queries.size(); i++) {
                GeneratedQuery q = queries.get(i);
                String sql = q.engineSql(engine, table -> prefix + quote(T.value()) + "." + quote(table));
                List<List<Object>> direct = direct(seed, i, c, sql, q);
                compare(seed, i, q, engine + " guarded", guarded.get(i), engine + " direct", direct, sql);
            }
        }
        return guarded;
    }

    private static List<List<Object>> guarded(long seed, int i, SqlGuard guard, Store store, GeneratedQuery q) {
        GuardedStatement.Query checked;
        try {
            checked = (GuardedStatement.Query) guard.check(q.userSql()).get(0);
        } catch (RuntimeException e) {
            throw new AssertionError(header(seed, i) + "the guard refused\n  " + q.userSql(), e);
        }
        List<Object> binds = new ArrayList<>();
        for (int n : checked.parameters()) {
            binds.add(q.binds().get(n - 1));
        }
        List<List<Object>> out = new ArrayList<>();
        try (SqlRows rows = store.sql().query(T, new SqlQuery(checked.sql(), binds, TIMEOUT, 500))) {
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int c = 0; c < rows.columns().size(); c++) {
                    row.add(normal(rows.get(c)));
                }
                out.add(row);
            }
        } catch (RuntimeException e) {
            throw new AssertionError(header(seed, i) + "the store failed\n  user:    " + q.userSql()
                    + "\n  guarded: " + checked.sql() + "\n  binds:   " + binds, e);
        }
        return out;
    }

    private static List<List<Object>> direct(long seed, int i, Connection c, String sql, GeneratedQuery q) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int b = 0; b < q.binds().size(); b++) {
                Object v = q.binds().get(b);
                ps.setObject(b + 1, v instanceof Instant t ? LocalDateTime.ofInstant(t, ZoneOffset.UTC) : v);
            }
            List<List<Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int col = 1; col <= n; col++) {
                        row.add(normal(rs.getObject(col)));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException e) {
            throw new AssertionError(header(seed, i) + "the direct query failed\n  " + sql + "\n  binds: "
                    + q.binds(), e);
        }
    }

    /** Numbers as Double, timestamps as Instant (a TIMESTAMP is UTC), the rest as they are. */
    private static Object normal(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Instant) {
            return v;
        }
        if (v instanceof Number n) {
            return v instanceof BigDecimal d ? d.doubleValue() : n.doubleValue();
        }
        if (v instanceof java.sql.Timestamp t) {
            return t.toLocalDateTime().toInstant(ZoneOffset.UTC);
        }
        if (v instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (v instanceof java.time.LocalDate d) {
            return d.atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        if (v instanceof java.sql.Date d) {
            return d.toLocalDate().atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        return v.toString();
    }

    private static void compare(long seed, int i, GeneratedQuery q, String leftName, List<List<Object>> left,
            String rightName, List<List<Object>> right, String rightSql) {
        int n = Math.max(left.size(), right.size());
        for (int r = 0; r < n; r++) {
            List<Object> a = r < left.size() ? left.get(r) : null;
            List<Object> b = r < right.size() ? right.get(r) : null;
            if (!sameRow(a, b)) {
                throw new AssertionError(header(seed, i) + leftName + " and " + rightName + " differ at row " + r
                        + " (" + left.size() + " vs " + right.size() + " rows)\n  " + leftName + ": " + a + "\n  "
                        + rightName + ": " + b + "\n  user SQL:   " + q.userSql() + "\n  other SQL:  " + rightSql
                        + "\n  binds: " + q.binds());
            }
        }
    }

    private static boolean sameRow(List<Object> a, List<Object> b) {
        if (a == null || b == null || a.size() != b.size()) {
            return a == b;
        }
        for (int c = 0; c < a.size(); c++) {
            if (!sameValue(a.get(c), b.get(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameValue(Object x, Object y) {
        if (x instanceof Double a && y instanceof Double b) {
            return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
        }
        return Objects.equals(x, y);
    }

    private static String header(long seed, int i) {
        return "seed " + seed + " (replay with -Dtest.seed=" + seed + "), query " + i + ": ";
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String catalogName(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /** Random rows in alpha and beta (half of beta's keys are alpha's), and alpha_1h aggregated over all of them. */
    private static void load(Store store, Random r) {
        store.createTenant(T);
        store.archives().createArchive(T, SqlQueryGrammar.ALPHA);
        store.archives().activateArchive(T, "alpha");
        store.archives().createArchive(T, SqlQueryGrammar.BETA);
        store.archives().activateArchive(T, "beta");
        List<Sample> alpha = new ArrayList<>();
        List<Sample> beta = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int k = 0; k < 240; k++) {
            Instant t = randomInstant(r);
            String rtId = SqlQueryGrammar.RT_IDS.get(r.nextInt(SqlQueryGrammar.RT_IDS.size()));
            if (!keys.add(t + rtId)) {
                continue;
            }
            Map<String, Object> v = new HashMap<>();
            put(r, v, "d", Math.round((r.nextDouble() * 200 - 100) * 1000) / 1000.0);
            put(r, v, "l", (long) (r.nextInt(1050) - 50));
            put(r, v, "b", r.nextBoolean());
            put(r, v, "s", SqlQueryGrammar.WORDS.get(r.nextInt(SqlQueryGrammar.WORDS.size())));
            alpha.add(new Sample(rtId, t, v));
            if (r.nextBoolean()) {
                Map<String, Object> w = new HashMap<>();
                put(r, w, "d2", r.nextDouble() * 10);
                put(r, w, "l2", (long) r.nextInt(100));
                beta.add(new Sample(rtId, t, w));
            }
        }
        for (int k = 0; k < 40; k++) {
            Instant t = randomInstant(r);
            String rtId = SqlQueryGrammar.RT_IDS.get(r.nextInt(SqlQueryGrammar.RT_IDS.size()));
            if (keys.add(t + rtId)) {
                beta.add(new Sample(rtId, t, Map.of("d2", r.nextDouble(), "l2", (long) r.nextInt(100))));
            }
        }
        store.archives().write(T, "alpha", alpha);
        store.archives().write(T, "beta", beta);
        RollupPlan plan = store.archives().createRollupArchive(T, SqlQueryGrammar.ALPHA_1H);
        Instant from = SqlQueryGrammar.WINDOWS.get(0);
        Instant to = SqlQueryGrammar.WINDOWS.get(SqlQueryGrammar.WINDOWS.size() - 1).plus(SqlQueryGrammar.WINDOW);
        List<Instant> boundaries = Bucket.parse("PT1H").boundaries(from, to, 1_000_000);
        store.rollups().aggregate(new AggregateRequest(new RollupId(T, "alpha_1h"), plan, boundaries, null));
    }

    /** A microsecond instant in one of the windows; one in eight on a whole hour (a bucket's first instant). */
    private static Instant randomInstant(Random r) {
        Instant start = SqlQueryGrammar.WINDOWS.get(r.nextInt(SqlQueryGrammar.WINDOWS.size()));
        long micros = (long) (r.nextDouble() * SqlQueryGrammar.WINDOW.toNanos() / 1000);
        Instant t = start.plus(micros, ChronoUnit.MICROS);
        return r.nextInt(8) == 0 ? t.truncatedTo(ChronoUnit.HOURS) : t;
    }

    /** Puts the value, or leaves the column null one time in six. */
    private static void put(Random r, Map<String, Object> values, String column, Object value) {
        if (r.nextInt(6) != 0) {
            values.put(column, value);
        }
    }
}
