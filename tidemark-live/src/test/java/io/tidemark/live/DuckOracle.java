package io.tidemark.live;

import io.tidemark.core.Micros;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * DuckDB, in memory, as the oracle: it holds {@code recent.m} and {@code latest.m} as the test's model says they are
 * at a cut and evaluates a query from scratch, with {@code now()} replaced by the cut's time.
 */
public final class DuckOracle implements AutoCloseable {
    private final Connection db;

    public DuckOracle() throws SQLException {
        db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = db.createStatement()) {
            s.execute("CREATE SCHEMA recent; CREATE SCHEMA latest;"
                    + "CREATE TABLE recent.m (rtId VARCHAR, timestamp TIMESTAMP, a DOUBLE, b BIGINT, s VARCHAR, f BOOLEAN);"
                    + "CREATE TABLE latest.m (rtId VARCHAR, timestamp TIMESTAMP, a DOUBLE, b BIGINT, s VARCHAR, f BOOLEAN)");
        }
    }

    /** Replaces both tables' rows; a row is {@code [rtId, micros, a, b, s, f]}. */
    public void load(Collection<Object[]> recent, Collection<Object[]> latest) throws SQLException {
        StringBuilder sql = new StringBuilder("DELETE FROM recent.m; DELETE FROM latest.m;");
        insert(sql, "recent.m", recent);
        insert(sql, "latest.m", latest);
        try (Statement s = db.createStatement()) {
            s.execute(sql.toString());
        }
    }

    private static void insert(StringBuilder sql, String table, Collection<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        sql.append("INSERT INTO ").append(table).append(" VALUES ");
        String sep = "";
        for (Object[] r : rows) {
            sql.append(sep).append("(").append(literal(r[0])).append(", make_timestamp(").append(r[1]).append("::BIGINT), ")
                    .append(r[2] == null ? "NULL" : r[2] + "::DOUBLE").append(", ").append(literal(r[3])).append(", ")
                    .append(literal(r[4])).append(", ").append(literal(r[5])).append(")");
            sep = ", ";
        }
        sql.append(";");
    }

    private static String literal(Object v) {
        if (v == null) {
            return "NULL";
        }
        return v instanceof String s ? "'" + s.replace("'", "''") + "'" : v.toString();
    }

    /** The query's rows, each normalized ({@link #normalize}), with {@code now()} at {@code now}. */
    public List<List<Object>> query(String sql, Instant now) throws SQLException {
        String ts = "TIMESTAMP '" + now.atOffset(ZoneOffset.UTC).toLocalDateTime() + "'";
        String duck = sql.replace("now()", ts);
        List<List<Object>> out = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(duck)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(normalize(rs.getObject(i)));
                }
                out.add(row);
            }
        }
        out.sort(ROWS);
        return out;
    }

    /** Numbers as Double, timestamps as Double micros, the rest as is. */
    static Object normalize(Object v) {
        if (v instanceof java.sql.Timestamp t) {
            return (double) Micros.toMicros(t.toLocalDateTime().toInstant(ZoneOffset.UTC));
        }
        if (v instanceof java.time.LocalDateTime t) {
            return (double) Micros.toMicros(t.toInstant(ZoneOffset.UTC));
        }
        if (v instanceof Instant t) {
            return (double) Micros.toMicros(t);
        }
        if (v instanceof Number num) {
            return num.doubleValue();
        }
        return v;
    }

    public static List<List<Object>> normalizeAll(Collection<List<Object>> rows) {
        List<List<Object>> out = new ArrayList<>();
        for (List<Object> r : rows) {
            out.add(r.stream().map(DuckOracle::normalize).toList());
        }
        out.sort(ROWS);
        return out;
    }

    static final Comparator<List<Object>> ROWS = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Values.NULLS_LAST.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    /** Equal row lists, doubles to a relative 1e-9. */
    public static boolean sameRows(List<List<Object>> x, List<List<Object>> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            List<Object> a = x.get(i);
            List<Object> b = y.get(i);
            if (a.size() != b.size()) {
                return false;
            }
            for (int k = 0; k < a.size(); k++) {
                if (!close(a.get(k), b.get(k))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean close(Object a, Object b) {
        if (a instanceof Double x && b instanceof Double y) {
            return Math.abs(x - y) <= 1e-9 * Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
        }
        return java.util.Objects.equals(a, b);
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
