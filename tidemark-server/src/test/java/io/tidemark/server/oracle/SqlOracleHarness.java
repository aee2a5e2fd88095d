package io.tidemark.server.oracle;

import io.tidemark.core.Bucket;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.server.oracle.SqlQueryGrammar.Engine;
import io.tidemark.server.oracle.SqlQueryGrammar.GeneratedQuery;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.Store;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
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

/**
 * What the SQL oracles share ({@link SqlOracleIT} in-process, {@link SqlWireOracleIT} through the wire protocol): the
 * data the grammar expects, the direct engine answers, and the comparison of rows.
 *
 * <p>Values compare as: numbers as doubles, equal within 1e-9 relative (sums of doubles differ in their last bits
 * with the order of addition, which differs between plans and engines); timestamps as instants; text and booleans
 * exactly; null only with null. A failure names the seed, the query number, both texts and the first differing row.
 */
final class SqlOracleHarness {
    static final TenantId T = TenantId.of(SqlQueryGrammar.TENANT);
    private static final double TOLERANCE = 1e-9;

    private SqlOracleHarness() {}

    /** The seed's queries: the same list for every engine and every path. */
    static List<GeneratedQuery> queries(long seed, int count) {
        SqlQueryGrammar grammar = new SqlQueryGrammar();
        Random r = new Random(seed);
        List<GeneratedQuery> queries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            queries.add(grammar.next(r));
        }
        return queries;
    }

    /** The direct answer of one query: the engine text it ran and its rows. */
    record Direct(String sql, List<List<Object>> rows) {}

    /**
     * Runs every query's engine text over plain JDBC (binds as the grammar gives them, an instant as its UTC
     * {@code TIMESTAMP}). On DuckDB only after the store has closed: one database instance per file.
     */
    static List<Direct> direct(long seed, Engine engine, String jdbcUrl, List<GeneratedQuery> queries)
            throws SQLException {
        List<Direct> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            String prefix = engine == Engine.DUCKDB ? quote(catalogName(c)) + "." : "";
            for (int i = 0; i < queries.size(); i++) {
                GeneratedQuery q = queries.get(i);
                String sql = q.engineSql(engine, table -> prefix + quote(T.value()) + "." + quote(table));
                out.add(new Direct(sql, direct(seed, i, c, sql, q)));
            }
        }
        return out;
    }

    private static List<List<Object>> direct(long seed, int i, Connection c, String sql, GeneratedQuery q) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int b = 0; b < q.binds().size(); b++) {
                Object v = q.binds().get(b);
                ps.setObject(b + 1, v instanceof Instant t ? LocalDateTime.ofInstant(t, ZoneOffset.UTC) : v);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rows(rs);
            }
        } catch (SQLException e) {
            throw new AssertionError(header(seed, i) + "the direct query failed\n  " + sql + "\n  binds: "
                    + q.binds(), e);
        }
    }

    /**
     * Every row of a JDBC result, normalised ({@link #normal}). A {@code timestamptz} column is read as an
     * {@link OffsetDateTime}: pgjdbc's {@code getObject} answers a {@link java.sql.Timestamp} in the JVM's zone.
     */
    static List<List<Object>> rows(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<List<Object>> out = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int col = 1; col <= n; col++) {
                boolean zoned = md.getColumnType(col) == Types.TIMESTAMP_WITH_TIMEZONE
                        || "timestamptz".equals(md.getColumnTypeName(col));
                row.add(normal(zoned ? rs.getObject(col, OffsetDateTime.class) : rs.getObject(col)));
            }
            out.add(row);
        }
        return out;
    }

    /** Numbers as Double, timestamps as Instant (a TIMESTAMP is UTC), the rest as they are. */
    static Object normal(Object v) {
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

    /** Fails with both rows, the texts and the binds at the first row where the two answers differ. */
    static void compare(long seed, int i, GeneratedQuery q, String leftName, List<List<Object>> left,
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

    static String header(long seed, int i) {
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
    static void load(Store store, Random r) {
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
