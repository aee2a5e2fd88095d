package io.tidemark.store.jdbc;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ColumnType;
import io.tidemark.core.TenantId;
import io.tidemark.sql.guard.SqlFunctions;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.store.SqlCancel;
import io.tidemark.store.SqlColumn;
import io.tidemark.store.SqlQuery;
import io.tidemark.store.SqlRows;
import io.tidemark.store.SqlStatementException;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.TenantSql;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@link TenantSql} on any JDBC engine; the engine's differences are the dialect's TENANT_* methods. */
final class JdbcTenantSql implements TenantSql {
    /** The parameter type names of a parameter the engine could not type when it prepared (DuckDB's). */
    private static final Set<String> UNTYPED_PARAMETERS = Set.of("INVALID", "UNKNOWN");

    private final JdbcStore store;
    private final SqlDialect d;
    /** Tenants whose reader role this store has made sure of since it opened (older tenants get it on first use). */
    private final Set<String> readers = ConcurrentHashMap.newKeySet();

    JdbcTenantSql(JdbcStore store) {
        this.store = store;
        this.d = store.dialect();
    }

    @Override
    public String relation(TenantId tenant, ArchiveDefinition archive) {
        return d.readerRelation(tenant, archive);
    }

    @Override
    public SqlFunctions functions() {
        return d.timeFunctions();
    }

    /** Marks the tenant's reader as made (by {@link JdbcStore#createTenant}). */
    void readerCreated(TenantId tenant) {
        readers.add(tenant.value());
    }

    @Override
    public SqlRows query(TenantId tenant, SqlQuery q) {
        return query(tenant, q, new SqlCancel());
    }

    @Override
    public SqlRows query(TenantId tenant, SqlQuery q, SqlCancel cancel) {
        requireSingleStatement(q.sql());
        ensureReader(tenant);
        Connection c = null;
        try {
            c = store.engine().connect();
            return start(c, tenant, q, cancel);
        } catch (SQLException e) {
            closeQuietly(c, e);
            throw cancel.isCancelled() ? cancelled(e) : failure(e);
        } catch (RuntimeException | Error e) {
            closeQuietly(c, e);
            throw e;
        }
    }

    @Override
    public List<SqlColumn> describe(TenantId tenant, SqlQuery q) {
        requireSingleStatement(q.sql());
        ensureReader(tenant);
        try (Connection c = store.engine().connect()) {
            String end = begin(c, tenant, q);
            try (PreparedStatement ps = c.prepareStatement(q.sql())) {
                String typed = withOpenParametersTyped(q.sql(), ps);
                if (typed == null) {
                    return Rows.columns(metadata(ps), d.wideIntegerTypes());
                }
                try (PreparedStatement again = c.prepareStatement(typed)) {
                    return Rows.columns(metadata(again), d.wideIntegerTypes());
                }
            } finally {
                end(c, end);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static ResultSetMetaData metadata(PreparedStatement ps) throws SQLException {
        ResultSetMetaData md = ps.getMetaData();
        if (md == null) {
            throw new SqlStatementException(SqlStatementException.INTERNAL_ERROR, "the engine did not describe the "
                    + "statement's columns", null);
        }
        return md;
    }

    /**
     * OPEN_PARAMETER_TYPES: the statement with each parameter the engine could not type cast to
     * {@link SqlDialect#openParameterType()}, or null when there is none (or the dialect keeps the engine's own
     * description).
     */
    private String withOpenParametersTyped(String sql, PreparedStatement ps) throws SQLException {
        String open = d.openParameterType();
        if (open == null) {
            return null;
        }
        ParameterMetaData pm = ps.getParameterMetaData();
        List<String> types = new ArrayList<>();
        boolean any = false;
        for (int i = 1; i <= pm.getParameterCount(); i++) {
            boolean untyped = UNTYPED_PARAMETERS.contains(String.valueOf(pm.getParameterTypeName(i)));
            types.add(untyped ? open : null);
            any |= untyped;
        }
        return any ? SqlGuard.castParameters(sql, types) : null;
    }

    /** Opens the read-only transaction as the tenant's reader; answers the statement that ends it, or null. */
    private String begin(Connection c, TenantId tenant, SqlQuery q) throws SQLException {
        boolean explicit = d.tenantReadBeginsTransaction();
        c.setAutoCommit(explicit);
        try (Statement s = c.createStatement()) {
            for (String begin : d.beginTenantRead()) {
                s.execute(begin);
            }
            String zone = d.tenantReadTimeZone();
            if (zone != null) {
                s.execute(zone);
            }
        }
        String timeout = d.setStatementTimeout();
        if (timeout != null) {
            try (PreparedStatement ps = c.prepareStatement(timeout)) {
                ps.setString(1, Long.toString(Math.max(1, q.timeout().toMillis())));
                ps.execute();
            }
        }
        String role = d.assumeTenantReader(tenant);
        if (role != null) {
            try (Statement s = c.createStatement()) {
                s.execute(role);
            }
        }
        return explicit ? d.endTenantRead() : null;
    }

    private static void end(Connection c, String end) throws SQLException {
        if (end == null) {
            c.rollback();
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute(end);
        }
    }

    private SqlRows start(Connection c, TenantId tenant, SqlQuery q, SqlCancel cancel) throws SQLException {
        String end = begin(c, tenant, q);
        PreparedStatement ps = c.prepareStatement(q.sql(), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        try {
            ps.setFetchSize(q.fetchSize());
            ps.setQueryTimeout(StoreTimeouts.seconds(q.timeout()));
            for (int i = 0; i < q.binds().size(); i++) {
                bind(ps, i + 1, q.binds().get(i));
            }
            // From here a cancel reaches the engine, also while executeQuery still runs (DuckDB computes the whole
            // result there).
            cancel.onCancel(() -> cancelQuietly(ps));
            if (cancel.isCancelled()) {
                throw new SqlStatementException(SqlStatementException.QUERY_CANCELED, "canceling statement due to "
                        + "user request", null);
            }
            ResultSet rs = ps.executeQuery();
            return new Rows(c, ps, rs, end, d.wideIntegerTypes());
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static void cancelQuietly(PreparedStatement ps) {
        try {
            ps.cancel();
        } catch (SQLException ignored) {
            // the statement ended or the connection is gone: nothing left to stop
        }
    }

    private static SqlStatementException cancelled(SQLException e) {
        return new SqlStatementException(SqlStatementException.QUERY_CANCELED, "canceling statement due to user "
                + "request", e);
    }

    /**
     * JDBC drivers split a text at {@code ;} and run every part (pgjdbc and DuckDB both do), which would escape the
     * transaction and the role set for the first. Refused outright, even inside a literal: the store does not lex
     * SQL a second time, and a value with a {@code ;} can always be a bind parameter.
     */
    static void requireSingleStatement(String sql) {
        String body = sql.strip();
        if (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1);
        }
        if (body.indexOf(';') >= 0) {
            throw new SqlStatementException(SqlStatementException.INSUFFICIENT_PRIVILEGE, "a tenant SQL statement may "
                    + "not contain ';' before its end: run one statement at a time, and pass text with ';' as a bind "
                    + "parameter", null);
        }
    }

    private void ensureReader(TenantId tenant) {
        if (readers.contains(tenant.value()) || d.createTenantReader(tenant).isEmpty()) {
            return;
        }
        store.inTransaction("create the SQL reader of tenant " + tenant, c -> {
            store.createTenantReader(c, tenant);
            return null;
        });
        readers.add(tenant.value());
    }

    private void bind(PreparedStatement ps, int i, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.NULL);
        } else if (v instanceof String s && d.bindsStringsUntyped()) {
            ps.setObject(i, s, Types.OTHER);
        } else if (v instanceof String s) {
            ps.setString(i, s);
        } else if (v instanceof Instant t) {
            Jdbc.setInstant(ps, i, t);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Double || v instanceof Boolean
                || v instanceof BigDecimal) {
            ps.setObject(i, v);
        } else {
            throw new IllegalArgumentException("bind value of type " + v.getClass().getName() + " is not supported");
        }
    }

    static SqlStatementException failure(SQLException e) {
        String state = e.getSQLState();
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof java.sql.SQLTimeoutException || m.contains("INTERRUPT") || m.contains("nterrupted")) {
            state = SqlStatementException.QUERY_CANCELED;
        }
        if (state == null || state.length() != 5) {
            state = SqlStatementException.INTERNAL_ERROR;
        }
        return new SqlStatementException(state, m, e);
    }

    private static void closeQuietly(Connection c, Throwable cause) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** How a TIMESTAMP column of the result is read from the driver. */
    private enum TimeKind {
        /** A timestamp without time zone: UTC. */
        LOCAL,
        /** A timestamp with time zone: its instant, whatever zone the driver shows it in. */
        ZONED,
        /** A date: its midnight in UTC. */
        DATE
    }

    /** The cursor: owns the connection, the statement and the result set until closed. */
    private static final class Rows implements SqlRows {
        private final Connection c;
        private final PreparedStatement ps;
        private final ResultSet rs;
        private final String end;
        private final List<SqlColumn> columns;
        private final TimeKind[] timeKinds;
        private volatile boolean closed;

        Rows(Connection c, PreparedStatement ps, ResultSet rs, String end, Set<String> wideIntegers)
                throws SQLException {
            this.c = c;
            this.ps = ps;
            this.rs = rs;
            this.end = end;
            ResultSetMetaData md = rs.getMetaData();
            this.columns = columns(md, wideIntegers);
            this.timeKinds = new TimeKind[columns.size()];
            for (int i = 0; i < timeKinds.length; i++) {
                timeKinds[i] = timeKind(md, i + 1);
            }
        }

        /**
         * pgjdbc reports {@code timestamptz} as {@link Types#TIMESTAMP} (its type name tells) and refuses to read it,
         * or a {@code date}, as a {@link LocalDateTime}; DuckDB's driver reads a {@code TIMESTAMP WITH TIME ZONE} as a
         * {@link LocalDateTime} in the JVM's zone. So each is read in its own Java type.
         */
        private static TimeKind timeKind(ResultSetMetaData md, int i) throws SQLException {
            int type = md.getColumnType(i);
            if (type == Types.DATE) {
                return TimeKind.DATE;
            }
            boolean zoned = type == Types.TIMESTAMP_WITH_TIMEZONE
                    || "timestamptz".equalsIgnoreCase(md.getColumnTypeName(i));
            return zoned ? TimeKind.ZONED : TimeKind.LOCAL;
        }

        static List<SqlColumn> columns(ResultSetMetaData md, Set<String> wideIntegers) throws SQLException {
            List<SqlColumn> cols = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                boolean wide = wideIntegers.contains(String.valueOf(md.getColumnTypeName(i)).toUpperCase(Locale.ROOT));
                cols.add(new SqlColumn(md.getColumnLabel(i), wide ? ColumnType.DOUBLE : type(md.getColumnType(i))));
            }
            return List.copyOf(cols);
        }

        private static ColumnType type(int jdbc) {
            return switch (jdbc) {
                case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> ColumnType.BIGINT;
                case Types.DOUBLE, Types.FLOAT, Types.REAL, Types.NUMERIC, Types.DECIMAL -> ColumnType.DOUBLE;
                case Types.BOOLEAN, Types.BIT -> ColumnType.BOOLEAN;
                case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE, Types.DATE -> ColumnType.TIMESTAMP;
                default -> ColumnType.VARCHAR;
            };
        }

        @Override
        public List<SqlColumn> columns() {
            return columns;
        }

        @Override
        public boolean next() {
            try {
                return rs.next();
            } catch (SQLException e) {
                throw failure(e);
            }
        }

        @Override
        public Object get(int column) {
            int i = column + 1;
            try {
                Object v = switch (columns.get(column).type()) {
                    case BIGINT -> rs.getLong(i);
                    case DOUBLE -> rs.getDouble(i);
                    case BOOLEAN -> rs.getBoolean(i);
                    case TIMESTAMP -> instant(i);
                    case VARCHAR -> rs.getString(i);
                };
                return rs.wasNull() ? null : v;
            } catch (SQLException e) {
                throw failure(e);
            }
        }

        /** The value as an instant, null for SQL NULL. */
        private Instant instant(int i) throws SQLException {
            return switch (timeKinds[i - 1]) {
                case LOCAL -> Jdbc.getInstant(rs, i);
                case ZONED -> {
                    OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                    yield t == null ? null : t.toInstant();
                }
                case DATE -> {
                    LocalDate d = rs.getObject(i, LocalDate.class);
                    yield d == null ? null : d.atStartOfDay(ZoneOffset.UTC).toInstant();
                }
            };
        }

        @Override
        public void cancel() {
            if (closed) {
                return;
            }
            try {
                ps.cancel();
            } catch (SQLException ignored) {
                // the statement ended or the connection is gone: nothing left to stop
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                rs.close();
                ps.close();
                end(c, end);
            } catch (SQLException e) {
                throw failure(e);
            } finally {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the connection is gone; nothing else holds it
                }
            }
        }
    }
}
