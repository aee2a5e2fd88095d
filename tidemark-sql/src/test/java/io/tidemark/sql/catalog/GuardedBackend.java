package io.tidemark.sql.catalog;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ColumnType;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import io.tidemark.sql.BindParameter;
import io.tidemark.sql.Column;
import io.tidemark.sql.Login;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlBackend;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlResult;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import io.tidemark.sql.StatementDescription;
import io.tidemark.sql.guard.GuardException;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.Relations;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test backend built the way the server's is: {@link SqlGuard} in front, data queries on an in-memory DuckDB holding
 * two tenants' tables ({@code acme}: {@code raw}, the rollup {@code m1}, {@code latest.raw}, {@code recent.raw};
 * {@code globex}: {@code secret_archive}), catalog queries on a {@link CatalogDatabase}. The password is the tenant's
 * token ({@code acme-token}, {@code globex-token}). Every statement text a client sends is logged in {@link #log}.
 */
final class GuardedBackend implements SqlBackend, AutoCloseable {
    static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(
            new io.tidemark.core.Column("value", ColumnType.DOUBLE),
            new io.tidemark.core.Column("ok", ColumnType.BOOLEAN),
            new io.tidemark.core.Column("n", ColumnType.BIGINT)));
    static final ArchiveDefinition M1 = RollupPlan.of(RollupDefinition.builder("m1").source("raw")
            .bucket(new FixedBucket(Duration.ofMinutes(1))).aggregate(AggregateFunction.AVG, "value", "avg_value")
            .aggregate(AggregateFunction.MAX, "value", "max_value").build(), RAW).target();
    static final ArchiveDefinition SECRET = ArchiveDefinition.raw("secret_archive", List.of(
            new io.tidemark.core.Column("x", ColumnType.BIGINT)));

    static final SqlCatalog ACME = SqlCatalog.of("acme", List.of(SqlTable.of(RAW), SqlTable.of(M1),
            SqlTable.live(SqlTable.Kind.LATEST, RAW), SqlTable.live(SqlTable.Kind.RECENT, RAW)));
    static final SqlCatalog GLOBEX = SqlCatalog.of("globex", List.of(SqlTable.of(SECRET)));
    private static final Map<String, SqlCatalog> TOKENS = Map.of("acme-token", ACME, "globex-token", GLOBEX);

    /** Every statement text sent, in order. */
    final List<String> log = new CopyOnWriteArrayList<>();
    final CatalogDatabase catalogDatabase = CatalogDatabase.create();
    private final Connection data;

    GuardedBackend() throws SQLException {
        data = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = data.createStatement()) {
            for (SqlCatalog catalog : List.of(ACME, GLOBEX)) {
                st.execute("CREATE SCHEMA \"" + catalog.tenant() + "\"");
                st.execute("CREATE SCHEMA \"" + catalog.tenant() + "_live\"");
                for (SqlTable t : catalog.tables()) {
                    StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(relations(catalog).render(t))
                            .append(" (");
                    for (int i = 0; i < t.columns().size(); i++) {
                        io.tidemark.core.Column c = t.columns().get(i);
                        ddl.append(i == 0 ? "" : ", ").append('"').append(c.name()).append("\" ")
                                .append(CatalogDatabase.shadowType(c));
                    }
                    st.execute(ddl.append(')').toString());
                }
            }
            st.execute("INSERT INTO acme.raw SELECT TIMESTAMPTZ '2026-12-01 00:00:00+00' + INTERVAL (i) MINUTE, "
                    + "'rt' || (i % 3), i * 1.5, i % 2 = 0, i FROM range(360) t(i)");
            st.execute("INSERT INTO globex.secret_archive VALUES (TIMESTAMPTZ '2026-12-01 00:00:00+00', 'x', 42)");
        }
    }

    static Relations relations(SqlCatalog catalog) {
        return t -> t.kind().live() ? "\"" + catalog.tenant() + "_live\".\"" + t.kind().schema() + "_" + t.name()
                + "\"" : "\"" + catalog.tenant() + "\".\"" + t.name() + "\"";
    }

    @Override
    public SqlSession open(Login login) throws SqlException {
        SqlCatalog catalog = TOKENS.get(login.password());
        if (catalog == null) {
            throw new SqlException(SqlState.INVALID_PASSWORD, "password authentication failed for user \""
                    + login.user() + "\"");
        }
        return new Session(catalog, SqlGuard.of(catalog, relations(catalog)));
    }

    @Override
    public void close() throws SQLException {
        catalogDatabase.close();
        data.close();
    }

    private final class Session implements SqlSession {
        private final SqlCatalog catalog;
        private final SqlGuard guard;

        Session(SqlCatalog catalog, SqlGuard guard) {
            this.catalog = catalog;
            this.guard = guard;
        }

        @Override
        public List<String> split(String query) {
            List<String> out = new ArrayList<>();
            for (String part : query.split(";")) {
                if (!part.isBlank()) {
                    out.add(part);
                }
            }
            return out;
        }

        private GuardedStatement guarded(String sql) throws SqlException {
            log.add(sql.strip());
            try {
                List<GuardedStatement> statements = guard.check(sql);
                if (statements.size() != 1) {
                    throw new SqlException(SqlState.SYNTAX_ERROR, "one statement expected");
                }
                return statements.get(0);
            } catch (GuardException e) {
                throw new SqlException(e.sqlState(), e.getMessage());
            }
        }

        @Override
        public StatementDescription describe(String sql, List<Integer> parameterTypeOids) throws SqlException {
            GuardedStatement s = guarded(sql);
            if (s instanceof GuardedStatement.CatalogQuery q) {
                return catalogDatabase.describe(catalog, q);
            }
            if (s instanceof GuardedStatement.Query q) {
                try (PreparedStatement ps = data.prepareStatement(q.sql())) {
                    SqlType[] types = new SqlType[q.parameterCount()];
                    Arrays.fill(types, SqlType.TEXT);
                    return new StatementDescription(List.of(types), columns(ps.getMetaData()));
                } catch (SQLException e) {
                    throw new SqlException("42000", e.getMessage(), e);
                }
            }
            if (s instanceof GuardedStatement.Show show) {
                return new StatementDescription(List.of(), List.of(new Column(show.name(), SqlType.TEXT)));
            }
            return StatementDescription.none();
        }

        @Override
        public SqlResult execute(String sql, List<BindParameter> parameters) throws SqlException {
            GuardedStatement s = guarded(sql);
            if (s instanceof GuardedStatement.CatalogQuery q) {
                return SqlResult.rows(catalogDatabase.query(catalog, q, parameters));
            }
            if (s instanceof GuardedStatement.Query q) {
                return SqlResult.rows(dataQuery(q, parameters));
            }
            if (s instanceof GuardedStatement.Show show) {
                String value = switch (show.name()) {
                    case "timezone" -> "UTC";
                    case "search_path" -> catalog.tenant();
                    case "transaction_isolation", "transaction isolation level" -> "read committed";
                    default -> "";
                };
                return SqlResult.rows(new Rows(List.of(new Column(show.name(), SqlType.TEXT)),
                        List.<Object[]>of(new Object[] {value})));
            }
            if (s instanceof GuardedStatement.Transaction t) {
                return SqlResult.command(t.command());
            }
            if (s instanceof GuardedStatement.Setting) {
                return SqlResult.command("SET");
            }
            throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "not supported by the test backend: " + s);
        }

        private RowCursor dataQuery(GuardedStatement.Query q, List<BindParameter> parameters) throws SqlException {
            try (PreparedStatement ps = data.prepareStatement(q.sql())) {
                for (int i = 0; i < q.parameters().size(); i++) {
                    Object v = parameters.get(q.parameters().get(i) - 1).value();
                    ps.setObject(i + 1, v instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : v);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<Column> columns = columns(rs.getMetaData());
                    List<Object[]> rows = new ArrayList<>();
                    while (rs.next()) {
                        Object[] row = new Object[columns.size()];
                        for (int i = 0; i < row.length; i++) {
                            Object v = rs.getObject(i + 1);
                            row[i] = v == null ? null : switch (columns.get(i).type()) {
                                case INT8 -> rs.getLong(i + 1);
                                case FLOAT8 -> rs.getDouble(i + 1);
                                case BOOL -> rs.getBoolean(i + 1);
                                case TIMESTAMPTZ -> ((OffsetDateTime) v).toInstant();
                                case TEXT -> v.toString();
                            };
                        }
                        rows.add(row);
                    }
                    return new Rows(columns, rows);
                }
            } catch (SQLException e) {
                throw new SqlException("42000", e.getMessage(), e);
            }
        }

        @Override
        public void cancel() {
        }

        @Override
        public void close() {
        }
    }

    private static List<Column> columns(ResultSetMetaData md) throws SQLException {
        List<Column> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String type = md.getColumnTypeName(i).toUpperCase(Locale.ROOT);
            SqlType t = type.startsWith("TIMESTAMP") ? SqlType.TIMESTAMPTZ
                    : type.equals("DOUBLE") || type.equals("FLOAT") || type.startsWith("DECIMAL") ? SqlType.FLOAT8
                    : type.endsWith("INT") || type.equals("BIGINT") || type.equals("HUGEINT") ? SqlType.INT8
                    : type.equals("BOOLEAN") ? SqlType.BOOL : SqlType.TEXT;
            out.add(new Column(md.getColumnLabel(i), t));
        }
        return out;
    }

    /** Rows read completely. */
    private static final class Rows implements RowCursor {
        private final List<Column> columns;
        private final List<Object[]> rows;
        private int next = -1;

        Rows(List<Column> columns, List<Object[]> rows) {
            this.columns = columns;
            this.rows = rows;
        }

        @Override
        public List<Column> columns() {
            return columns;
        }

        @Override
        public boolean next() {
            return ++next < rows.size();
        }

        @Override
        public Object value(int column) {
            return rows.get(next)[column];
        }

        @Override
        public void close() {
        }
    }
}
