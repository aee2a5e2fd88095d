package io.tidemark.server.sql;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ColumnType;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveSnapshot;
import io.tidemark.live.QuerySchema;
import io.tidemark.live.Tuple;
import io.tidemark.sql.BindParameter;
import io.tidemark.sql.Column;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlResult;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import io.tidemark.sql.StatementDescription;
import io.tidemark.sql.guard.CopyFormat;
import io.tidemark.sql.guard.GuardException;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.Relations;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlFunctions;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.SqlColumn;
import io.tidemark.store.SqlQuery;
import io.tidemark.store.SqlRows;
import io.tidemark.store.SqlStatementException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQL connection of one tenant. Every statement goes through the {@link SqlGuard} over the tenant's archives as
 * they are when it arrives (one catalog read per statement, so an archive created a moment ago is readable), then:
 * a query on the store ({@code TenantSql}: read-only transaction, the tenant's reader role, timeout, fetch-size cursor),
 * a query on {@code latest.}/{@code recent.} tables as a one-shot live snapshot, {@code COPY … TO STDOUT} as CSV,
 * {@code SET}/{@code SHOW}/transaction commands answered here.
 */
final class TenantSqlSession implements SqlSession {
    private static final Logger LOG = LoggerFactory.getLogger(TenantSqlSession.class);
    /** Rows per round trip of the store's cursor: a client that stops reading holds at most this many rows here. */
    static final int FETCH_SIZE = 1000;

    private final SqlContext context;
    private final TenantId tenant;
    private final String user;
    private final Map<String, String> settings = new HashMap<>();
    /** Statements whose cursors are open: more than one when the client interleaves portals (pgjdbc's fetch size). */
    private final Set<RunningStatement> running = ConcurrentHashMap.newKeySet();
    /** The archives {@link #guards} and the caches below were derived from; null before the first statement. */
    private List<ArchiveInfo> knownArchives;
    private Guards knownGuards;
    private final StatementCache<Checked> checked = new StatementCache<>();
    private final StatementCache<List<String>> splits = new StatementCache<>();
    private final StatementCache<StatementDescription> descriptions = new StatementCache<>();

    TenantSqlSession(SqlContext context, TenantId tenant, String user, String applicationName) {
        this.context = context;
        this.tenant = tenant;
        this.user = user;
        settings.put("application_name", applicationName);
    }

    @Override
    public List<String> split(String query) throws SqlException {
        SqlGuard guard = guards().store();
        List<String> hit = splits.get(query);
        if (hit != null) {
            return hit;
        }
        try {
            guard.check(query);
            List<String> out = List.copyOf(guard.split(query));
            splits.put(query, out);
            return out;
        } catch (GuardException e) {
            throw refused(e);
        }
    }

    @Override
    public StatementDescription describe(String sql, List<Integer> parameterTypeOids) throws SqlException {
        Checked checked = one(sql);
        String key = parameterTypeOids.isEmpty() ? sql : sql + '\0' + parameterTypeOids;
        StatementDescription hit = descriptions.get(key);
        if (hit != null) {
            return hit;
        }
        StatementDescription out = describe(checked, parameterTypeOids);
        descriptions.put(key, out);
        return out;
    }

    private StatementDescription describe(Checked checked, List<Integer> parameterTypeOids) throws SqlException {
        GuardedStatement statement = checked.statement();
        if (statement instanceof GuardedStatement.CatalogQuery catalogQuery) {
            return catalog(() -> context.catalog().describe(checked.catalog(), catalogQuery), false);
        }
        if (statement instanceof GuardedStatement.Show show) {
            return new StatementDescription(List.of(), showColumns(show.name()));
        }
        GuardedStatement.Query query = statement instanceof GuardedStatement.CopyOut copy ? copy.query()
                : statement instanceof GuardedStatement.Query q ? q : null;
        if (query == null) {
            return StatementDescription.none();
        }
        List<SqlType> parameters = new ArrayList<>();
        for (int i = 0; i < query.parameterCount(); i++) {
            parameters.add(type(i < parameterTypeOids.size() ? parameterTypeOids.get(i) : 0));
        }
        if (statement instanceof GuardedStatement.CopyOut) {
            return new StatementDescription(parameters, List.of());
        }
        return new StatementDescription(parameters, query.readsLive() ? liveColumns(query)
                : storeColumns(query.withParameterTypes(castTypes(parameterTypeOids))));
    }

    @Override
    public SqlResult execute(String sql, List<BindParameter> parameters) throws SqlException {
        Checked checked = one(sql);
        GuardedStatement statement = checked.statement();
        if (statement == null) {
            return SqlResult.emptyQuery();
        }
        if (statement instanceof GuardedStatement.CatalogQuery catalogQuery) {
            return SqlResult.rows(catalog(() -> context.catalog().query(checked.catalog(), catalogQuery, parameters),
                    true));
        }
        if (statement instanceof GuardedStatement.Query q) {
            return SqlResult.rows(run(q, parameters));
        }
        if (statement instanceof GuardedStatement.CopyOut c) {
            boolean header = csvHeader(c.format());
            return SqlResult.copyOut(run(c.query(), parameters), header);
        }
        // Answered here, without the engine: counted as statements, but they hold no slot and have no timeout.
        if (statement instanceof GuardedStatement.Show s) {
            List<List<Object>> rows = show(s.name());
            context.metrics().ok(rows.size());
            return SqlResult.rows(new ListCursor(showColumns(s.name()), rows, () -> { }));
        }
        context.metrics().ok(0);
        if (statement instanceof GuardedStatement.Setting s) {
            return set(s);
        }
        return SqlResult.command(((GuardedStatement.Transaction) statement).command());
    }

    @Override
    public void cancel() {
        running.forEach(RunningStatement::cancel);
    }

    @Override
    public void close() {
        cancel();
    }

    /** The one statement of an extended-protocol text (or of one piece of a split simple query); null when empty. */
    /** A checked statement (null for an empty text) and the catalog it was checked against. */
    private record Checked(GuardedStatement statement, SqlCatalog catalog) { }

    /** Something the catalog database answers. */
    private interface CatalogCall<T> {
        T call() throws SqlException;
    }

    /**
     * Runs a catalog query on the shadow ({@code CatalogDatabase}): counted as a statement, but it holds no slot of
     * the tenant's and never reaches the store.
     */
    private <T> T catalog(CatalogCall<T> call, boolean count) throws SqlException {
        try {
            T out = call.call();
            if (count) {
                context.metrics().ok(0);
            }
            return out;
        } catch (SqlException e) {
            context.metrics().failed(e.sqlState(), false, 0);
            throw e;
        }
    }

    /** The checked statement, from the cache when this connection checked the same text over the same archives. */
    private Checked one(String sql) throws SqlException {
        Guards guards = guards();
        Checked hit = checked.get(sql);
        if (hit != null) {
            return hit;
        }
        Checked out = check(sql, guards);
        checked.put(sql, out);
        return out;
    }

    private Checked check(String sql, Guards guards) throws SqlException {
        List<GuardedStatement> statements;
        try {
            statements = guards.store().check(sql);
            if (statements.size() == 1 && readsLive(statements.get(0))) {
                // The live engine evaluates its own SQL: the time functions stay as written, not as the store's.
                statements = guards.live().check(sql);
            }
        } catch (GuardException e) {
            throw refused(e);
        }
        if (statements.size() > 1) {
            throw new SqlException(SqlState.SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
        }
        return new Checked(statements.isEmpty() ? null : statements.get(0), guards.catalog());
    }

    private static boolean readsLive(GuardedStatement s) {
        GuardedStatement.Query q = s instanceof GuardedStatement.CopyOut c ? c.query()
                : s instanceof GuardedStatement.Query query ? query : null;
        return q != null && q.readsLive();
    }

    private SqlException refused(GuardException e) {
        SqlException out = SqlErrors.of(e);
        LOG.atInfo().addKeyValue("tenant", tenant.value()).addKeyValue("sqlstate", e.sqlState())
                .addKeyValue("reason", e.getMessage()).log("SQL statement refused");
        context.metrics().failed(e.sqlState(), true, 0);
        return out;
    }

    /**
     * The guards over the tenant's archives and rollups as stored now, and their live tables: {@code store} renders
     * time functions for the store's engine ({@code TenantSql.functions()}), {@code live} leaves them as written for
     * the live engine.
     */
    private record Guards(SqlCatalog catalog, SqlGuard store, SqlGuard live) { }

    /**
     * The guards over the archives as they are now; the ones of the previous statement while the archives are the
     * same (the store answers the same list while nothing changed), else new ones and the statement caches cleared.
     */
    private Guards guards() throws SqlException {
        List<ArchiveInfo> archives;
        try {
            archives = context.store().archives().archives(tenant);
        } catch (TidemarkException e) {
            throw SqlErrors.ofStore(e);
        }
        if (knownGuards != null && (archives == knownArchives || archives.equals(knownArchives))) {
            return knownGuards;
        }
        checked.clear();
        splits.clear();
        descriptions.clear();
        knownGuards = guards(archives);
        knownArchives = archives;
        return knownGuards;
    }

    private Guards guards(List<ArchiveInfo> archives) {
        Map<String, ArchiveDefinition> byName = new HashMap<>();
        List<SqlTable> tables = new ArrayList<>();
        for (ArchiveInfo a : archives) {
            ArchiveDefinition def = a.definition();
            byName.put(def.name(), def);
            tables.add(SqlTable.of(def));
            tables.add(SqlTable.live(SqlTable.Kind.LATEST, def));
            tables.add(SqlTable.live(SqlTable.Kind.RECENT, def));
        }
        SqlCatalog catalog = SqlCatalog.of(tenant.value(), tables);
        Relations relations = table -> table.kind().live() ? table.sqlName()
                : context.store().sql().relation(tenant, byName.get(table.name()));
        return new Guards(catalog, SqlGuard.of(catalog, relations, context.store().sql().functions()),
                SqlGuard.of(catalog, relations, SqlFunctions.AS_WRITTEN));
    }

    // ---- queries on the store

    private List<Column> storeColumns(GuardedStatement.Query q) throws SqlException {
        List<Object> nulls = Arrays.asList(new Object[q.parameters().size()]);
        try {
            return columns(context.store().sql().describe(tenant, new SqlQuery(q.sql(), nulls,
                    context.config().statementTimeout(), 1)));
        } catch (SqlStatementException e) {
            SqlException out = SqlErrors.of(e, SqlErrors.QUERY_CANCELED.equals(e.sqlState()),
                    context.config().statementTimeout());
            context.metrics().failed(out.sqlState(), false, 0);
            throw out;
        }
    }

    private io.tidemark.sql.RowCursor run(GuardedStatement.Query q, List<BindParameter> parameters)
            throws SqlException {
        List<Object> binds = binds(q, parameters);
        if (q.readsLive()) {
            return live(q, binds);
        }
        String sql = q.parameters().isEmpty() ? q.sql()
                : q.withParameterTypes(castTypes(parameters.stream().map(BindParameter::typeOid).toList())).sql();
        RunningStatement r = start();
        try {
            SqlRows rows = context.store().sql().query(tenant, new SqlQuery(sql, binds,
                    context.config().statementTimeout(), FETCH_SIZE), r.cancel);
            return new StoreCursor(rows, columns(rows.columns()), r, context.config().maxResultBytes());
        } catch (SqlStatementException e) {
            SqlException out = r.fail(e);
            end(r);
            throw out;
        } catch (RuntimeException e) {
            r.fail(new SqlException(SqlState.INTERNAL_ERROR, "internal error"));
            end(r);
            throw e;
        }
    }

    /** Takes a slot of the tenant and starts the statement's clock. */
    private RunningStatement start() throws SqlException {
        Runnable slot = context.slots().tryTake(tenant);
        if (slot == null) {
            SqlException e = new SqlException(SqlErrors.CONFIGURATION_LIMIT_EXCEEDED, "tenant " + tenant.value()
                    + " already runs " + context.slots().perTenant() + " SQL statements, the most "
                    + "sql.max-concurrent-statements-per-tenant allows", null, "retry when one ends; close result sets "
                    + "you no longer read", 0, null);
            context.metrics().failed(e.sqlState(), false, 0);
            throw e;
        }
        RunningStatement[] r = new RunningStatement[1];
        r[0] = new RunningStatement(context.config().statementTimeout(), context.timers(), () -> {
            slot.run();
            running.remove(r[0]);
        }, context.metrics());
        running.add(r[0]);
        return r[0];
    }

    private static void end(RunningStatement r) {
        r.finish(0);
    }

    private List<Object> binds(GuardedStatement.Query q, List<BindParameter> parameters) throws SqlException {
        if (parameters.size() < q.parameterCount()) {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + parameters.size()
                    + " parameters, but the statement requires " + q.parameterCount());
        }
        Object[] values = new Object[parameters.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = parameters.get(i).value();
        }
        List<Object> out = new ArrayList<>(q.parameters().size());
        for (int n : q.parameters()) {
            out.add(values[n - 1]);
        }
        return out;
    }

    // ---- live tables

    private List<Column> liveColumns(GuardedStatement.Query q) throws SqlException {
        requireLiveOnly(q);
        try {
            return liveColumns(context.live().validate(tenant, q.sql()));
        } catch (TidemarkException e) {
            throw SqlErrors.ofLive(e);
        }
    }

    private io.tidemark.sql.RowCursor live(GuardedStatement.Query q, List<Object> binds) throws SqlException {
        requireLiveOnly(q);
        if (!binds.isEmpty()) {
            throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "bind parameters on live tables (latest.…, "
                    + "recent.…) are not supported; write the values into the query");
        }
        RunningStatement r = start();
        LiveSnapshot snapshot;
        try {
            snapshot = context.live().snapshot(tenant, q.sql());
        } catch (TidemarkException e) {
            SqlException out = r.fail(SqlErrors.ofLive(e));
            end(r);
            throw out;
        }
        List<List<Object>> rows = new ArrayList<>(snapshot.rows().size());
        for (Tuple t : snapshot.rows()) {
            rows.add(t.values());
        }
        ListCursor[] cursor = new ListCursor[1];
        cursor[0] = new ListCursor(liveColumns(snapshot.schema()), rows, () -> r.finish(cursor[0].rowsSent()));
        return cursor[0];
    }

    private static void requireLiveOnly(GuardedStatement.Query q) throws SqlException {
        if (q.reads().stream().allMatch(t -> t.kind().live()) && q.reads().size() == 1) {
            return;
        }
        List<String> names = q.reads().stream().map(SqlTable::sqlName).toList();
        throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "a query on a live table reads that one table only; "
                + "this one reads " + names + ": query live tables (latest.…, recent.…) and stored tables separately");
    }

    private static List<Column> liveColumns(QuerySchema schema) {
        List<Column> out = new ArrayList<>();
        for (QuerySchema.OutputColumn c : schema.columns()) {
            out.add(new Column(c.name(), type(c.type())));
        }
        return out;
    }

    // ---- COPY, SET, SHOW

    /** Whether the CSV has a header line; any other COPY format is refused (the wire layer writes CSV). */
    private static boolean csvHeader(CopyFormat f) throws SqlException {
        CopyFormat plain = CopyFormat.CSV;
        if (!f.csv() || f.delimiter() != plain.delimiter() || !f.nullString().equals(plain.nullString())
                || f.quote() != plain.quote() || f.escape() != plain.escape()) {
            throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "COPY … TO STDOUT supports (FORMAT csv) with its "
                    + "default delimiter, NULL, QUOTE and ESCAPE only (HEADER is fine)", null,
                    "write COPY (SELECT …) TO STDOUT (FORMAT csv, HEADER)", 0, null);
        }
        return f.header();
    }

    private SqlResult set(GuardedStatement.Setting s) {
        String name = s.name().toLowerCase(java.util.Locale.ROOT);
        if (s.value() == null) {
            if (name.equals("all")) {
                String app = settings.get("application_name");
                settings.clear();
                settings.put("application_name", app);
            } else {
                settings.remove(name);
            }
            return SqlResult.command("RESET");
        }
        settings.put(name, s.value());
        return SqlResult.command("SET");
    }

    private static List<Column> showColumns(String name) {
        if (name.equals("all")) {
            return List.of(new Column("name", SqlType.TEXT), new Column("setting", SqlType.TEXT),
                    new Column("description", SqlType.TEXT));
        }
        return List.of(new Column(name, SqlType.TEXT));
    }

    private List<List<Object>> show(String name) throws SqlException {
        Map<String, String> values = showValues();
        if (name.equals("all")) {
            List<List<Object>> rows = new ArrayList<>();
            values.keySet().stream().sorted().forEach(k -> rows.add(List.of(k, values.get(k), "")));
            return rows;
        }
        String value = values.get(name.toLowerCase(java.util.Locale.ROOT));
        if (value == null) {
            SqlException e = new SqlException("42704", "unrecognized configuration parameter \"" + name + "\"");
            context.metrics().failed(e.sqlState(), false, 0);
            throw e;
        }
        return List.<List<Object>>of(List.of(value));
    }

    /** What SHOW answers: the values the server announced at startup, with the session's harmless SETs on top. */
    private Map<String, String> showValues() {
        Map<String, String> v = new HashMap<>();
        v.put("server_version", io.tidemark.sql.wire.PgWireServer.SERVER_VERSION);
        v.put("server_version_num", "140000");
        v.put("server_encoding", "UTF8");
        v.put("client_encoding", "UTF8");
        v.put("datestyle", "ISO, MDY");
        v.put("intervalstyle", "postgres");
        v.put("timezone", "UTC");
        v.put("integer_datetimes", "on");
        v.put("standard_conforming_strings", "on");
        v.put("is_superuser", "off");
        v.put("session_authorization", user);
        v.put("search_path", tenant.value());
        v.put("transaction_isolation", "read committed");
        v.put("default_transaction_isolation", "read committed");
        v.put("transaction_read_only", "on");
        v.put("default_transaction_read_only", "on");
        v.put("statement_timeout", context.config().statementTimeout().toMillis() + "ms");
        v.put("max_identifier_length", "63");
        v.put("extra_float_digits", "1");
        v.putAll(settings);
        return v;
    }

    // ---- types

    private static List<Column> columns(List<SqlColumn> columns) {
        List<Column> out = new ArrayList<>(columns.size());
        for (SqlColumn c : columns) {
            out.add(new Column(c.name(), type(c.type())));
        }
        return out;
    }

    static SqlType type(ColumnType t) {
        return switch (t) {
            case TIMESTAMP -> SqlType.TIMESTAMPTZ;
            case DOUBLE -> SqlType.FLOAT8;
            case BIGINT -> SqlType.INT8;
            case BOOLEAN -> SqlType.BOOL;
            case VARCHAR -> SqlType.TEXT;
        };
    }

    /**
     * For each parameter, the SQL type it is cast to on the engine ({@link GuardedStatement.Query#withParameterTypes}):
     * the declared type where the endpoint has one, so that a Describe and the rows agree on every engine; null for
     * a type left open (OID 0) or text, which the engine types by the statement, as PostgreSQL types an unknown.
     */
    static List<String> castTypes(List<Integer> oids) {
        List<String> out = new ArrayList<>(oids.size());
        for (int oid : oids) {
            out.add(switch (oid) {
                case 20, 21, 23 -> "BIGINT";
                case 700, 701, 1700 -> "DOUBLE PRECISION";
                case 16 -> "BOOLEAN";
                case 1114, 1184 -> "TIMESTAMP";
                default -> null;
            });
        }
        return out;
    }

    /** The type a parameter is described with: the declared one where the endpoint has it, text otherwise. */
    static SqlType type(int oid) {
        return switch (oid) {
            case 1114, 1184 -> SqlType.TIMESTAMPTZ;
            case 700, 701, 1700 -> SqlType.FLOAT8;
            case 20, 21, 23 -> SqlType.INT8;
            case 16 -> SqlType.BOOL;
            default -> SqlType.TEXT;
        };
    }
}
