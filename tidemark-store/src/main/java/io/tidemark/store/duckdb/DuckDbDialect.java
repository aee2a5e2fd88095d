package io.tidemark.store.duckdb;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.TenantId;
import io.tidemark.sql.guard.SqlFunctions;
import io.tidemark.store.jdbc.SqlDialect;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** DuckDB's differences from standard SQL. */
final class DuckDbDialect extends SqlDialect {
    /** The connection-local staging table of a write that compares with stored rows. */
    private static final String STAGING = "tidemark_staging";
    private final String catalog;

    /** The name of the database's catalog, which the dialect is made with. One row, one column; no binds. */
    static String selectCatalog() {
        return "SELECT current_database()";
    }

    DuckDbDialect(String catalog) {
        this.catalog = catalog;
    }

    /** The catalog (database) holding every schema of the store. */
    String catalog() {
        return catalog;
    }

    /**
     * CATALOG_QUALIFIED: DuckDB names a database's catalog after its file, and a schema of the same name as the
     * catalog (a tenant called like the file) makes two-part names ambiguous; three-part names never are.
     */
    @Override
    protected String schema(String name) {
        return quote(catalog) + "." + quote(name);
    }

    /** NO_TENANT_LOG: the embedded engine is the single-node store; cluster mode needs PostgreSQL. */
    @Override
    public boolean supportsTenantLog() {
        return false;
    }

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    public String typeName(ColumnType type) {
        return type == ColumnType.DOUBLE ? "DOUBLE" : super.typeName(type);
    }

    /** BUCKET_FUNCTION: {@code time_bucket} with the epoch as origin floors correctly before 1970 too. */
    @Override
    protected String fixedBucketStart(String ts) {
        return "time_bucket(to_microseconds(CAST(? AS BIGINT)), " + ts + ", TIMESTAMP '1970-01-01 00:00:00')";
    }

    /** WIDE_INTEGERS: {@code sum} of BIGINTs is a HUGEINT. */
    @Override
    public Set<String> wideIntegerTypes() {
        return Set.of("HUGEINT", "UHUGEINT", "UBIGINT");
    }

    @Override
    public SqlFunctions timeFunctions() {
        return DuckDbTimeFunctionsDialect.INSTANCE;
    }

    /** NO_ARG_MIN does not apply: {@code arg_min} skips rows whose value or order is null. */
    @Override
    protected String firstValue(String value, String order) {
        return "arg_min(" + value + ", " + order + ")";
    }

    @Override
    protected String lastValue(String value, String order) {
        return "arg_max(" + value + ", " + order + ")";
    }

    /** SNAPSHOT_READS: every DuckDB transaction reads one snapshot (MVCC, snapshot isolation). */
    @Override
    public String beginSnapshotRead() {
        return null;
    }

    /** ROW_LOCKS: DuckDB has none; the store's single writer lock already serialises the transaction. */
    @Override
    public String lockRollupWatermark() {
        return "SELECT watermark, pending_watermark FROM " + meta("rollups") + " WHERE tenant = ? AND name = ?";
    }

    /** QUALIFIED_CONFLICT_TARGET does not apply: a bare name in {@code DO UPDATE … WHERE} is the stored row's. */
    @Override
    protected String upsertTargetAlias() {
        return "";
    }

    @Override
    protected String storedColumn(String name) {
        return quote(name);
    }

    /**
     * How many staged samples before a bound have a stored key: a hash join of the staged late part against the
     * archive restricted to the late part's closed time span, which zone maps prune to the row groups that can
     * hold it. Binds: the bound, the span's first and last timestamp.
     */
    String countStoredBefore(TenantId tenant, ArchiveDefinition def, String staging) {
        return "SELECT count(*) FROM " + staging + " AS s JOIN " + table(tenant, def.name()) + " AS t ON "
                + keyMatch() + " WHERE s." + quote(TS) + " < ? AND " + inSpan("t");
    }

    /**
     * Updates the stored rows whose staged sample before a bound differs in some column, restricted to the late
     * part's span, and returns their timestamps; identical re-sends are neither written nor returned. Binds: the
     * bound, the span's first and last timestamp.
     */
    String updateChangedBefore(TenantId tenant, ArchiveDefinition def, String staging) {
        String set = def.columns().stream().map(c -> quote(c.name()) + " = s." + quote(c.name()))
                .collect(Collectors.joining(", "));
        String differs = def.columns().stream().map(Column::name)
                .map(c -> "t." + quote(c) + " IS DISTINCT FROM s." + quote(c)).collect(Collectors.joining(" OR "));
        return "UPDATE " + table(tenant, def.name()) + " AS t SET " + set + " FROM " + staging + " AS s WHERE "
                + keyMatch() + " AND s." + quote(TS) + " < ? AND " + inSpan("t") + " AND (" + differs
                + ") RETURNING t." + quote(TS);
    }

    /**
     * Inserts the staged samples before a bound whose key is not stored (anti-join restricted to the late part's
     * span) and returns their timestamps. Binds: the bound, the span's first and last timestamp.
     */
    String insertNewBefore(TenantId tenant, ArchiveDefinition def, String staging) {
        String cols = columnList(def);
        return "INSERT INTO " + table(tenant, def.name()) + " (" + cols + ") SELECT " + cols + " FROM " + staging
                + " AS s WHERE s." + quote(TS) + " < ? AND NOT EXISTS (SELECT 1 FROM " + table(tenant, def.name())
                + " AS t WHERE " + keyMatch() + " AND " + inSpan("t") + ") RETURNING " + quote(TS);
    }

    /**
     * The cheapest statement, run where nothing else ran yet in a write transaction so that the JDBC driver begins
     * the transaction before the Appender writes (see {@code DuckDbEngine#appendToArchive}). It cannot be
     * {@code BEGIN TRANSACTION} itself: the driver sends that before any statement of a connection out of
     * auto-commit mode, and a second one fails. No binds.
     */
    String beginTransaction() {
        return "SELECT 1";
    }

    /** The staging table, qualified: connection-local ({@code temp.main}), outside every tenant's schema. */
    String staging() {
        return "temp.main." + quote(STAGING);
    }

    /** (Re)creates the empty staging table with the archive's layout, for the Appender. No binds. */
    String createStaging(TenantId tenant, ArchiveDefinition def) {
        return "CREATE OR REPLACE TEMP TABLE " + quote(STAGING) + " AS SELECT * FROM " + table(tenant, def.name())
                + " LIMIT 0";
    }

    /** The Appender's arguments for the staging table: catalog, schema, table. */
    static List<String> stagingAppenderTarget() {
        return List.of("temp", "main", STAGING);
    }

    /** No binds. */
    String dropStaging() {
        return "DROP TABLE IF EXISTS " + staging();
    }

    private String keyMatch() {
        return "t." + quote(TS) + " = s." + quote(TS) + " AND t." + quote(RT_ID) + " = s." + quote(RT_ID);
    }

    private String inSpan(String alias) {
        return alias + "." + quote(TS) + " >= ? AND " + alias + "." + quote(TS) + " <= ?";
    }

    /**
     * ROW_LOCKS: none; the single writer lock serialises the writing transaction with aggregates and recomputes, so
     * the dependants' stale ranges cannot change before this transaction marks them.
     */
    @Override
    public String lockDependants() {
        return null;
    }

    /** TENANT_READ_BEGIN: DuckDB opens a read-only transaction with {@code BEGIN TRANSACTION READ ONLY}. */
    @Override
    public List<String> beginTenantRead() {
        return List.of("BEGIN TRANSACTION READ ONLY");
    }

    @Override
    public boolean tenantReadBeginsTransaction() {
        return true;
    }

    /**
     * OPEN_PARAMETER_TYPES: DuckDB describes a statement with a parameter it cannot type as one UNKNOWN column, then
     * types the parameter by its value when it runs; a text value makes it a VARCHAR.
     */
    @Override
    public String openParameterType() {
        return "VARCHAR";
    }

    /** SESSION_TIME_ZONE: set for the whole database by {@link #lockDownForTenantSql()}. */
    @Override
    public String tenantReadTimeZone() {
        return null;
    }

    /**
     * The settings are global to the embedded database, not per connection (checked on DuckDB 1.4): every
     * connection's time zone is UTC (SESSION_TIME_ZONE: DuckDB's default is the host's, and once the configuration is
     * locked no connection may set it); {@code /} between integers is integer division, truncating toward zero, as on
     * PostgreSQL (INTEGER_DIVISION: DuckDB's default divides them as doubles, so {@code 7 / 2} was 3.5 on one engine
     * and 3 on the other; the store's own SQL divides doubles only); no statement of any connection can read or write
     * files or URLs, attach databases or install and load extensions; and no setting can change afterwards, these
     * included. The store needs neither file access nor another zone after it opens: its file, WAL and temporary
     * directory stay reachable, ICU, JSON and Parquet are linked in, and its own timestamps are {@code TIMESTAMP}s in
     * UTC.
     */
    @Override
    public List<String> lockDownForTenantSql() {
        return List.of("SET GLOBAL TimeZone = 'UTC'", "SET GLOBAL integer_division = true",
                "SET enable_external_access = false", "SET lock_configuration = true");
    }
}
