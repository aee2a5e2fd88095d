package io.tidemark.sql.wire;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;

/**
 * A test backend that runs each statement text on a real in-memory DuckDB (one duplicated connection per session),
 * with the few statements a PostgreSQL client sends that DuckDB does not take the PostgreSQL way answered here:
 * BEGIN/COMMIT/ROLLBACK and SET as no-ops, SHOW, and COPY (SELECT …) TO STDOUT as a copy-out of the inner query.
 * It counts cursor pulls and running statements, so tests can see back-pressure and wait for a running query.
 */
final class DuckDbBackend implements SqlBackend, AutoCloseable {
    static final String PASSWORD = "secret";
    private static final Pattern COPY = Pattern.compile(
            "(?is)\\s*COPY\\s*\\((.*)\\)\\s*TO\\s+STDOUT\\s*(?:WITH\\s*)?(?:\\((.*)\\))?\\s*;?\\s*");

    final AtomicLong rowsPulled = new AtomicLong();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger openSessions = new AtomicInteger();
    private final DuckDBConnection root;

    DuckDbBackend() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("jdbc_stream_results", "true");
        this.root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", properties);
    }

    @Override
    public SqlSession open(Login login) throws SqlException {
        if (!PASSWORD.equals(login.password())) {
            throw new SqlException(SqlState.INVALID_PASSWORD,
                    "password authentication failed for user \"" + login.user() + "\"");
        }
        try {
            openSessions.incrementAndGet();
            return new Session(root.duplicate());
        } catch (SQLException e) {
            throw new SqlException(SqlState.INTERNAL_ERROR, "cannot open a DuckDB connection", e);
        }
    }

    @Override
    public void close() throws SQLException {
        root.close();
    }

    private final class Session implements SqlSession {
        private final Connection connection;
        private volatile PreparedStatement current;

        Session(Connection connection) {
            this.connection = connection;
        }

        @Override
        public List<String> split(String query) {
            List<String> statements = new ArrayList<>();
            for (String part : query.split(";")) {
                if (!part.isBlank()) {
                    statements.add(part);
                }
            }
            return statements;
        }

        @Override
        public StatementDescription describe(String sql, List<Integer> parameterTypeOids) throws SqlException {
            String keyword = firstKeyword(sql);
            if (List.of("BEGIN", "COMMIT", "ROLLBACK", "SET").contains(keyword) || COPY.matcher(sql).matches()) {
                return StatementDescription.none();
            }
            if (keyword.equals("SHOW")) {
                return new StatementDescription(List.of(), List.of(new Column(showName(sql), SqlType.TEXT)));
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int parameters = statement.getParameterMetaData().getParameterCount();
                SqlType[] types = new SqlType[parameters];
                Arrays.fill(types, SqlType.TEXT);
                return new StatementDescription(List.of(types), columns(statement.getMetaData()));
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public SqlResult execute(String sql, List<BindParameter> parameters) throws SqlException {
            String keyword = firstKeyword(sql);
            if (List.of("BEGIN", "COMMIT", "ROLLBACK", "SET").contains(keyword)) {
                return SqlResult.command(keyword);
            }
            if (keyword.equals("SHOW")) {
                return SqlResult.rows(new ListCursor(new Column(showName(sql), SqlType.TEXT), "UTC"));
            }
            Matcher copy = COPY.matcher(sql);
            if (copy.matches()) {
                boolean header = copy.group(2) != null && copy.group(2).toUpperCase(Locale.ROOT).contains("HEADER");
                return SqlResult.copyOut(query(copy.group(1), parameters), header);
            }
            return SqlResult.rows(query(sql, parameters));
        }

        private RowCursor query(String sql, List<BindParameter> parameters) throws SqlException {
            PreparedStatement statement = null;
            try {
                statement = connection.prepareStatement(sql);
                for (int i = 0; i < parameters.size(); i++) {
                    Object value = parameters.get(i).value();
                    statement.setObject(i + 1, value instanceof Instant instant
                            ? instant.atOffset(ZoneOffset.UTC) : value);
                }
                current = statement;
                running.incrementAndGet();
                ResultSet rows = statement.executeQuery();
                return new JdbcCursor(this, statement, rows, columns(rows.getMetaData()));
            } catch (SQLException | SqlException e) {
                closeQuietly(statement);
                throw e instanceof SQLException sql2 ? translate(sql2) : (SqlException) e;
            }
        }

        void closeQuietly(PreparedStatement statement) {
            if (statement == null) {
                return;
            }
            if (current == statement) {
                current = null;
                running.decrementAndGet();
            }
            try {
                statement.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }

        @Override
        public void cancel() {
            PreparedStatement statement = current;
            if (statement == null) {
                return;
            }
            try {
                statement.cancel();
            } catch (SQLException e) {
                // nothing running any more
            }
        }

        @Override
        public void close() {
            openSessions.decrementAndGet();
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }

    private final class JdbcCursor implements RowCursor {
        private final Session session;
        private final PreparedStatement statement;
        private final ResultSet rows;
        private final List<Column> columns;

        JdbcCursor(Session session, PreparedStatement statement, ResultSet rows, List<Column> columns) {
            this.session = session;
            this.statement = statement;
            this.rows = rows;
            this.columns = columns;
        }

        @Override
        public List<Column> columns() {
            return columns;
        }

        @Override
        public boolean next() throws SqlException {
            try {
                boolean more = rows.next();
                if (more) {
                    rowsPulled.incrementAndGet();
                }
                return more;
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public Object value(int column) {
            try {
                Object value = rows.getObject(column + 1);
                if (value == null) {
                    return null;
                }
                switch (columns.get(column).type()) {
                    case INT8: return rows.getLong(column + 1);
                    case FLOAT8: return rows.getDouble(column + 1);
                    case BOOL: return rows.getBoolean(column + 1);
                    case TIMESTAMPTZ: return instant(value);
                    default: return value.toString();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            try {
                rows.close();
            } catch (SQLException e) {
                // closing anyway
            }
            session.closeQuietly(statement);
        }
    }

    private static final class ListCursor implements RowCursor {
        private final Column column;
        private final String value;
        private boolean read;

        ListCursor(Column column, String value) {
            this.column = column;
            this.value = value;
        }

        @Override
        public List<Column> columns() {
            return List.of(column);
        }

        @Override
        public boolean next() {
            boolean more = !read;
            read = true;
            return more;
        }

        @Override
        public Object value(int index) {
            return value;
        }

        @Override
        public void close() {
        }
    }

    private static Object instant(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant();
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toLocalDateTime().toInstant(ZoneOffset.UTC);
        }
        if (value instanceof LocalDateTime time) {
            return time.toInstant(ZoneOffset.UTC);
        }
        throw new IllegalStateException("unexpected timestamp value " + value.getClass());
    }

    private static List<Column> columns(ResultSetMetaData metaData) throws SQLException {
        if (metaData == null) {
            return List.of();
        }
        List<Column> columns = new ArrayList<>();
        for (int i = 1; i <= metaData.getColumnCount(); i++) {
            columns.add(new Column(metaData.getColumnLabel(i), type(metaData.getColumnTypeName(i))));
        }
        return columns;
    }

    private static SqlType type(String duckDbType) {
        String type = duckDbType.toUpperCase(Locale.ROOT);
        if (type.startsWith("TIMESTAMP")) {
            return SqlType.TIMESTAMPTZ;
        }
        switch (type) {
            case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT":
                return SqlType.INT8;
            case "DOUBLE", "FLOAT":
                return SqlType.FLOAT8;
            case "BOOLEAN":
                return SqlType.BOOL;
            default:
                return type.startsWith("DECIMAL") ? SqlType.FLOAT8 : SqlType.TEXT;
        }
    }

    private static String firstKeyword(String sql) {
        String trimmed = sql.stripLeading();
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        return trimmed.substring(0, end).toUpperCase(Locale.ROOT);
    }

    private static String showName(String sql) {
        return sql.trim().replaceFirst("(?i)^SHOW\\s+", "").replace(";", "").trim().toLowerCase(Locale.ROOT);
    }

    private static SqlException translate(SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("INTERRUPT")) {
            return new SqlException(SqlState.QUERY_CANCELED, "canceling statement due to user request", e);
        }
        if (message.contains("Parser Error")) {
            return new SqlException(SqlState.SYNTAX_ERROR, message, e);
        }
        if (message.contains("Catalog Error")) {
            return new SqlException(SqlState.UNDEFINED_TABLE, message, e);
        }
        return new SqlException("22000", message, e);
    }
}
