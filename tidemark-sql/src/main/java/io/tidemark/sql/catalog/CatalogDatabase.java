package io.tidemark.sql.catalog;

import io.tidemark.core.Column;
import io.tidemark.sql.BindParameter;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import io.tidemark.sql.StatementDescription;
import io.tidemark.sql.guard.CatalogNames;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlTable;
import io.tidemark.sql.wire.PgWireServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Answers the catalog statements tools send ({@link GuardedStatement.CatalogQuery}: psql's {@code \dt} and {@code \d},
 * pgjdbc's DatabaseMetaData, DBeaver's navigator, Grafana's table and column pickers, {@code version()} …) for one
 * tenant, on a <em>shadow</em> database instead of the store.
 *
 * <h2>The shadow</h2>
 * One in-memory DuckDB per tenant holding EMPTY tables with the tenant's table names and reader columns
 * ({@link SqlTable#readerColumns}): archives and rollups in the schema named after the tenant (the schema a qualified
 * {@code SELECT … FROM acme.raw} names, and what unqualified names resolve to), live tables in {@code latest} and
 * {@code recent}. On top of them, the schemas {@value CatalogNames#SHADOW_PG_CATALOG} and
 * {@value CatalogNames#SHADOW_INFORMATION_SCHEMA} hold PostgreSQL-shaped views ({@code pg_class}, {@code pg_attribute}
 * with PostgreSQL type OIDs, {@code information_schema.columns} with {@code timestamp with time zone},
 * {@code double precision} …), empty tables for what Tidemark never has (indexes, constraints, comments,
 * triggers …) and macros for the catalog functions ({@code version()}, {@code format_type},
 * {@code pg_get_userbyid}, …); see
 * {@code shadow.sql} next to this class. DuckDB's own {@code pg_catalog} emulation is not used: it reports DuckDB's
 * type ids in {@code pg_attribute}, lists DuckDB's internal views and lacks functions psql calls, and the guard
 * ({@link CatalogNames}) renames every catalog name to the shadow's before the statement arrives here.
 *
 * <p>The database is named {@value #DATABASE} ({@code current_database()}, {@code pg_database}, pgjdbc's
 * {@code getCatalogs}); clients may connect with any database name, psql shows the one it connected with. The only
 * role is the tenant ({@code current_user}, owners). {@code version()} answers {@link #VERSION}, consistent with the
 * {@code server_version} the wire layer reports.
 *
 * <h2>Why this is safe</h2>
 * The shadow contains no rows and no other tenant: even a statement the guard let through wrongly can reveal nothing
 * but the tenant's own table and column names. It is opened with {@code enable_external_access = false} (no files, no
 * URLs, no extensions) and {@code lock_configuration = true} after it is built, runs one statement at a time with a
 * timeout, and returns at most {@link Limits#maxRows()} rows. It is never the store's database.
 *
 * <h2>Cache</h2>
 * A shadow per tenant is kept while the tenant's tables stay the same (compared with {@link SqlCatalog#tables()});
 * a catalog whose tables changed rebuilds it. At most {@link Limits#maxShadows()} shadows are kept, the least
 * recently used closed first. Building one takes a few milliseconds.
 *
 * <p>Thread-safe. Rows are read completely before {@link #query} returns (catalog answers are small), so a slow client
 * holds no shadow.
 */
public final class CatalogDatabase implements AutoCloseable {
    /** The database name the catalog reports. */
    public static final String DATABASE = "tidemark";
    /** What {@code version()} answers: PostgreSQL's shape with the wire layer's {@code server_version}. */
    public static final String VERSION = "PostgreSQL " + PgWireServer.SERVER_VERSION
            + " on Tidemark, read-only SQL over time series, 64-bit";

    /**
     * Bounds of the catalog database.
     *
     * @param maxShadows how many tenants' shadows are kept open at most
     * @param statementTimeout how long one catalog statement may run
     * @param maxRows the most rows one catalog statement may answer (more fail with 54000)
     */
    public record Limits(int maxShadows, Duration statementTimeout, int maxRows) {
        /** 64 shadows, 10 seconds, 100,000 rows. */
        public static final Limits DEFAULT = new Limits(64, Duration.ofSeconds(10), 100_000);

        public Limits {
            if (maxShadows < 1 || maxRows < 1 || statementTimeout.isNegative() || statementTimeout.isZero()) {
                throw new IllegalArgumentException("catalog limits must be positive");
            }
        }
    }

    /** PostgreSQL's reserved and column-name keywords: what {@code quote_ident} quotes although it is lower case. */
    private static final List<String> RESERVED = List.of("all", "analyse", "analyze", "and", "any", "array", "as",
            "asc", "asymmetric", "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case",
            "cast", "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently",
            "constraint", "create", "cross", "current_catalog", "current_date", "current_role", "current_schema",
            "current_time", "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable", "desc",
            "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float", "for",
            "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in",
            "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull",
            "join", "lateral", "leading", "least", "left", "like", "limit", "localtime", "localtimestamp",
            "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric",
            "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position",
            "precision", "primary", "real", "references", "returning", "right", "row", "select", "session_user",
            "setof", "similar", "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time",
            "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values",
            "varchar", "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat",
            "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
            "xmlserialize", "xmltable");

    private final Limits limits;
    private final String shadowScript;
    private final String started;
    private final Map<String, Shadow> shadows = new LinkedHashMap<>(16, 0.75f, true);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tidemark-catalog-timeout");
        t.setDaemon(true);
        return t;
    });
    private boolean closed;

    private CatalogDatabase(Limits limits, InstantSource clock) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.started = clock.instant().toString();
        this.shadowScript = resource("shadow.sql");
    }

    /** A catalog database with {@link Limits#DEFAULT}. */
    public static CatalogDatabase create() {
        return create(Limits.DEFAULT);
    }

    public static CatalogDatabase create(Limits limits) {
        return create(limits, InstantSource.system());
    }

    /**
     * @param clock when the catalog says the server started ({@code pg_postmaster_start_time()}); read once, here
     */
    public static CatalogDatabase create(Limits limits, InstantSource clock) {
        return new CatalogDatabase(limits, clock);
    }

    /**
     * Describes a catalog query without running it: its result columns and, for each parameter, {@code text}.
     *
     * @throws SqlException with the shadow's error (42P01, 42703, 42883, 42601 …)
     */
    public StatementDescription describe(SqlCatalog catalog, GuardedStatement.CatalogQuery query)
            throws SqlException {
        Shadow shadow = shadow(catalog);
        synchronized (shadow) {
            shadow.requireOpen();
            try (PreparedStatement statement = shadow.connection.prepareStatement(query.sql())) {
                SqlType[] parameters = new SqlType[query.parameterCount()];
                Arrays.fill(parameters, SqlType.TEXT);
                return new StatementDescription(List.of(parameters), ShadowRows.columns(statement.getMetaData()));
            } catch (SQLException e) {
                throw translate(e);
            }
        }
    }

    /**
     * Runs a catalog query for the tenant of {@code catalog} and answers its rows, read completely.
     *
     * @param parameters the client's parameters, by number ({@code $1} first), as {@link GuardedStatement.CatalogQuery
     *     #parameters()} refers to them
     * @throws SqlException 57014 past the timeout, 54000 past the row limit, or the shadow's error
     */
    public RowCursor query(SqlCatalog catalog, GuardedStatement.CatalogQuery query, List<BindParameter> parameters)
            throws SqlException {
        if (parameters.size() < query.parameterCount()) {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION, "the catalog query takes " + query.parameterCount()
                    + " parameters, " + parameters.size() + " were bound");
        }
        Shadow shadow = shadow(catalog);
        synchronized (shadow) {
            shadow.requireOpen();
            try (PreparedStatement statement = shadow.connection.prepareStatement(query.sql())) {
                for (int i = 0; i < query.parameters().size(); i++) {
                    Object value = parameters.get(query.parameters().get(i) - 1).value();
                    statement.setObject(i + 1, value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC)
                            : value);
                }
                ScheduledFuture<?> timeout = timer.schedule(() -> cancelQuietly(statement),
                        limits.statementTimeout().toMillis(), TimeUnit.MILLISECONDS);
                try (ResultSet rows = statement.executeQuery()) {
                    return ShadowRows.read(rows, limits.maxRows());
                } finally {
                    timeout.cancel(false);
                }
            } catch (SQLException e) {
                throw translate(e);
            }
        }
    }

    /** How many tenants' shadows are open. */
    public synchronized int shadowCount() {
        return shadows.size();
    }

    /** Closes every shadow; later calls fail. */
    @Override
    public void close() {
        List<Shadow> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(shadows.values());
            shadows.clear();
        }
        open.forEach(Shadow::close);
        timer.shutdownNow();
    }

    /**
     * The tenant's shadow for these tables: the cached one, or a new one when there is none or the tables changed.
     * A shadow is built outside the lock (it takes milliseconds), so other tenants are not held up; when two threads
     * build one for the same tables at once, the first to finish wins and the other's is closed.
     */
    private Shadow shadow(SqlCatalog catalog) throws SqlException {
        Set<SqlTable> tables = new HashSet<>(catalog.tables());
        synchronized (this) {
            requireOpen();
            Shadow cached = shadows.get(catalog.tenant());
            if (cached != null && cached.tables.equals(tables)) {
                return cached;
            }
        }
        Shadow built = build(catalog, tables);
        List<Shadow> toClose = new ArrayList<>();
        Shadow current;
        synchronized (this) {
            if (closed) {
                toClose.add(built);
                current = null;
            } else {
                Shadow cached = shadows.get(catalog.tenant());
                if (cached != null && cached.tables.equals(tables)) {
                    toClose.add(built);
                    current = cached;
                } else {
                    if (cached != null) {
                        toClose.add(cached);
                    }
                    shadows.put(catalog.tenant(), built);
                    current = built;
                    if (shadows.size() > limits.maxShadows()) {
                        Iterator<Shadow> eldest = shadows.values().iterator();
                        toClose.add(eldest.next());
                        eldest.remove();
                    }
                }
            }
        }
        toClose.forEach(Shadow::close);
        if (current == null) {
            requireOpen();
        }
        return current;
    }

    private synchronized void requireOpen() throws SqlException {
        if (closed) {
            throw new SqlException(SqlState.ADMIN_SHUTDOWN, "the catalog database is closed");
        }
    }

    private Shadow build(SqlCatalog catalog, Set<SqlTable> tables) throws SqlException {
        Connection connection = null;
        try {
            Properties properties = new Properties();
            connection = DriverManager.getConnection("jdbc:duckdb:", properties);
            try (Statement st = connection.createStatement()) {
                st.execute("SET threads = 1");
                st.execute("SET memory_limit = '64MB'");
                // PostgreSQL divides integers as integers (Grafana: current_setting('server_version_num')::int/100)
                st.execute("SET integer_division = true");
                String tenant = catalog.tenant();
                for (String schema : List.of(tenant, SqlTable.Kind.LATEST.schema(), SqlTable.Kind.RECENT.schema())) {
                    st.execute("CREATE SCHEMA IF NOT EXISTS " + quoteIdentifier(schema));
                }
                for (SqlTable table : tables) {
                    st.execute(createTable(tenant, table));
                }
                for (String statement : shadowStatements(tenant)) {
                    st.execute(statement);
                }
                st.execute("SET enable_external_access = false");
                st.execute("SET lock_configuration = true");
            }
            return new Shadow(tables, connection);
        } catch (SQLException e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
            throw new SqlException(SqlState.INTERNAL_ERROR, "cannot build the catalog for tenant "
                    + catalog.tenant() + ": " + e.getMessage(), e);
        }
    }

    /** {@code shadow.sql} with the tenant's values, split into statements. */
    private List<String> shadowStatements(String tenant) {
        String script = shadowScript.lines().filter(l -> !l.startsWith("--")).collect(Collectors.joining("\n"))
                .replace("${tenant}", literal(tenant))
                .replace("${database}", literal(DATABASE))
                .replace("${version}", literal(VERSION))
                .replace("${server_version}", literal(PgWireServer.SERVER_VERSION))
                .replace("${server_version_num}", literal(serverVersionNum()))
                .replace("${search_path}", literal(tenant.matches("[a-z_][a-z0-9_]*") ? tenant
                        : quoteIdentifier(tenant)))
                .replace("${started}", literal(started))
                .replace("${reserved}", RESERVED.stream().map(CatalogDatabase::literal)
                        .collect(Collectors.joining(", ")));
        List<String> out = new ArrayList<>();
        for (String statement : script.split(";\\s*\\n")) {
            if (!statement.isBlank()) {
                out.add(statement.strip());
            }
        }
        return out;
    }

    /** {@code 14.0 (Tidemark)} → {@code 140000}, as PostgreSQL reports {@code server_version_num}. */
    static String serverVersionNum() {
        String[] parts = PgWireServer.SERVER_VERSION.split("[^0-9]+");
        int major = Integer.parseInt(parts[0]);
        int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
        return Integer.toString(major * 10_000 + minor);
    }

    private static String createTable(String tenant, SqlTable table) {
        String schema = table.kind().live() ? table.kind().schema() : tenant;
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(quoteIdentifier(schema)).append('.')
                .append(quoteIdentifier(table.name())).append(" (");
        for (int i = 0; i < table.columns().size(); i++) {
            Column c = table.columns().get(i);
            sql.append(i == 0 ? "" : ", ").append(quoteIdentifier(c.name())).append(' ').append(shadowType(c));
        }
        return sql.append(')').toString();
    }

    /**
     * The shadow column type for a reader column: what the wire layer reports for it (timestamptz, float8, int8,
     * bool, text), so that {@code pg_attribute.atttypid} and {@code information_schema.columns} agree with the data
     * queries' RowDescription.
     */
    static String shadowType(Column column) {
        return switch (column.type()) {
            case TIMESTAMP -> "TIMESTAMPTZ";
            case DOUBLE -> "DOUBLE";
            case BIGINT -> "BIGINT";
            case BOOLEAN -> "BOOLEAN";
            case VARCHAR -> "VARCHAR";
        };
    }

    private static SqlException translate(SQLException e) {
        String message = String.valueOf(e.getMessage());
        String first = message.lines().findFirst().orElse(message);
        if (message.contains("INTERRUPT")) {
            return new SqlException(SqlState.QUERY_CANCELED, "canceling statement due to statement timeout", e);
        }
        String state = first.startsWith("Parser Error") ? SqlState.SYNTAX_ERROR
                : first.contains("Table with name") ? SqlState.UNDEFINED_TABLE
                : first.contains("Function with name") ? "42883"
                : first.startsWith("Binder Error") && first.contains("not found") ? "42703"
                : first.startsWith("Conversion Error") ? SqlState.INVALID_TEXT_REPRESENTATION
                : "42000";
        return new SqlException(state, "catalog query: " + first, e);
    }

    private static void cancelQuietly(PreparedStatement statement) {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // finished meanwhile
        }
    }

    static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String resource(String name) {
        try (InputStream in = CatalogDatabase.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }

    /** One tenant's shadow; used under its own lock, one statement at a time. */
    private static final class Shadow {
        final Set<SqlTable> tables;
        final Connection connection;
        private boolean closed;

        Shadow(Set<SqlTable> tables, Connection connection) {
            this.tables = Set.copyOf(tables);
            this.connection = connection;
        }

        void requireOpen() throws SqlException {
            if (closed) {
                throw new SqlException(SqlState.QUERY_CANCELED, "the tenant's catalog changed; run the statement "
                        + "again");
            }
        }

        synchronized void close() {
            closed = true;
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }


}
