package io.tidemark.store.jdbc;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.Partial;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.sql.guard.SqlFunctions;
import io.tidemark.store.AuditQuery;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Renders every statement Tidemark runs, from a model, in standard SQL, one method per statement kind; an engine's
 * subclass overrides only the parts where it differs, and each such part is named by a method here. Identifiers
 * always go through {@link #quote}; values are always bind parameters ({@code ?}), in the order each method
 * documents. No other class of the store holds SQL text ({@code SqlOnlyInDialectsTest}).
 *
 * <p>Both DuckDB and PostgreSQL share the {@code INSERT … ON CONFLICT (…) DO UPDATE SET c = EXCLUDED.c} upsert.
 */
public abstract class SqlDialect {
    /** Schema of Tidemark's own metadata tables. */
    public static final String META = "tidemark";
    public static final String TS = "timestamp";
    public static final String RT_ID = "rtId";
    private static final String SOURCE_ALIAS = "s";

    /** The engine's name, as {@link io.tidemark.store.StoreProvider#name()}. */
    public abstract String name();

    /** Quotes an identifier. Names are validated to {@code [a-z][a-z0-9_]*} or fixed, so doubling quotes suffices. */
    public String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** A tenant's table, qualified as far as the engine needs to resolve it unambiguously. */
    public String table(TenantId tenant, String table) {
        return schema(tenant.value()) + "." + quote(table);
    }

    /** A metadata table. */
    public String meta(String table) {
        return schema(META) + "." + quote(table);
    }

    /** A schema, qualified as far as the engine needs. */
    protected String schema(String name) {
        return quote(name);
    }

    /** The engine's name for a column type. */
    public String typeName(ColumnType type) {
        return switch (type) {
            case DOUBLE -> "DOUBLE PRECISION";
            case BIGINT -> "BIGINT";
            case BOOLEAN -> "BOOLEAN";
            case VARCHAR -> "VARCHAR";
            case TIMESTAMP -> "TIMESTAMP";
        };
    }

    // ---- metadata -------------------------------------------------------------------------------------------

    /** Statements creating the metadata schema, version 1, and the tables added since without a bump. Each is idempotent. */
    public List<String> createMetadata() {
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + schema(META),
                "CREATE TABLE IF NOT EXISTS " + meta("schema_version") + " (version INTEGER NOT NULL)",
                "CREATE TABLE IF NOT EXISTS " + meta("tenants")
                        + " (name VARCHAR(63) PRIMARY KEY)",
                "CREATE TABLE IF NOT EXISTS " + meta("archives") + " (tenant VARCHAR(63) NOT NULL, "
                        + "name VARCHAR(63) NOT NULL, status VARCHAR(16) NOT NULL, seq BIGINT NOT NULL, "
                        + "PRIMARY KEY (tenant, name))",
                "CREATE TABLE IF NOT EXISTS " + meta("archive_columns") + " (tenant VARCHAR(63) NOT NULL, "
                        + "archive VARCHAR(63) NOT NULL, pos INTEGER NOT NULL, name VARCHAR(80) NOT NULL, "
                        + "type VARCHAR(16) NOT NULL, PRIMARY KEY (tenant, archive, pos))",
                "CREATE TABLE IF NOT EXISTS " + meta("rollups") + " (tenant VARCHAR(63) NOT NULL, "
                        + "name VARCHAR(63) NOT NULL, source VARCHAR(63) NOT NULL, bucket VARCHAR(80) NOT NULL, "
                        + "watermark_lag VARCHAR(40) NOT NULL, max_failures INTEGER NOT NULL, start_at TIMESTAMP, "
                        + "status VARCHAR(16) NOT NULL, frozen BOOLEAN NOT NULL, watermark TIMESTAMP, "
                        + "consecutive_failures INTEGER NOT NULL, last_error VARCHAR, last_success_at TIMESTAMP, "
                        + "PRIMARY KEY (tenant, name))",
                "CREATE TABLE IF NOT EXISTS " + meta("rollup_aggregations") + " (tenant VARCHAR(63) NOT NULL, "
                        + "rollup VARCHAR(63) NOT NULL, pos INTEGER NOT NULL, fn VARCHAR(16) NOT NULL, "
                        + "source_column VARCHAR(63), target VARCHAR(63) NOT NULL, "
                        + "PRIMARY KEY (tenant, rollup, pos))",
                "CREATE SEQUENCE IF NOT EXISTS " + meta("seq"),
                "CREATE TABLE IF NOT EXISTS " + meta("audit") + " (id BIGINT PRIMARY KEY, "
                        + "tenant VARCHAR(63) NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR(32) NOT NULL, "
                        + "subject VARCHAR(63) NOT NULL, actor VARCHAR(128) NOT NULL, message VARCHAR NOT NULL)",
                // Tokens came after v1; CREATE TABLE IF NOT EXISTS adds the table to older stores without a bump.
                "CREATE TABLE IF NOT EXISTS " + meta("tokens") + " (id VARCHAR(32) PRIMARY KEY, "
                        + "tenant VARCHAR(63) NOT NULL, name VARCHAR(128) NOT NULL, role VARCHAR(16) NOT NULL, "
                        + "hash VARCHAR(64) NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)");
    }

    /**
     * Metadata schema v1 → v2 (late data): the stale-range record, the pending watermark an aggregate publishes with
     * its rows, and the per-archive {@code maxLateness}. Each statement is idempotent, so a migration interrupted
     * half way is simply run again.
     */
    public List<String> migrateToV2() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + meta("stale_ranges") + " (tenant VARCHAR(63) NOT NULL, "
                        + "rollup VARCHAR(63) NOT NULL, range_from TIMESTAMP NOT NULL, range_to TIMESTAMP NOT NULL, "
                        + "first_recorded_at TIMESTAMP NOT NULL)",
                "ALTER TABLE " + meta("rollups") + " ADD COLUMN IF NOT EXISTS pending_watermark TIMESTAMP",
                "ALTER TABLE " + meta("archives") + " ADD COLUMN IF NOT EXISTS max_lateness VARCHAR(40)");
    }

    /**
     * Metadata schema v2 → v3 (retention): the per-archive {@code retention}, an ISO-8601 duration or null. Idempotent,
     * like {@link #migrateToV2()}.
     */
    public List<String> migrateToV3() {
        return List.of("ALTER TABLE " + meta("archives") + " ADD COLUMN IF NOT EXISTS retention VARCHAR(40)");
    }

    /** The next value of the metadata sequence, as a select-list expression. */
    public String nextSequenceValue() {
        return "nextval('" + schema(META).replace("'", "''") + ".\"seq\"')";
    }

    public String createSchema(TenantId tenant) {
        return "CREATE SCHEMA IF NOT EXISTS " + schema(tenant.value());
    }

    /** The highest metadata schema version recorded, or null in a new store. No binds. */
    public String selectSchemaVersion() {
        return "SELECT max(version) FROM " + meta("schema_version");
    }

    /** Records a metadata schema version. Binds: version. */
    public String insertSchemaVersion() {
        return "INSERT INTO " + meta("schema_version") + " VALUES (?)";
    }

    /** A short round trip to the engine: one row, one column. No binds. */
    public String ping() {
        return "SELECT 1";
    }

    // ---- the cluster's log position and rejects, in each tenant's schema ------------------------------------------
    // Their names start with '_', which no archive name can (Names: [a-z][a-z0-9_]*), so they never collide with an
    // archive's table and the SQL endpoint's guard, which resolves archive names only, never names them.

    /** The table of a tenant's position in the ingest log: one row. */
    public static final String LOG_POSITION = "_log_position";
    /** The table of the log records the store refused after they were acknowledged. */
    public static final String LOG_REJECTS = "_log_rejects";

    /**
     * Dialect difference NO_TENANT_LOG: whether the engine keeps the cluster's log tables in each tenant's schema;
     * false where it cannot be the cluster's store (the embedded engine), whose tenants then have no such tables.
     */
    public boolean supportsTenantLog() {
        return true;
    }

    /** Creates a tenant's log tables if missing; each statement idempotent. No binds. */
    public List<String> createTenantLog(TenantId tenant) {
        return List.of("CREATE TABLE IF NOT EXISTS " + table(tenant, LOG_POSITION) + " (" + quote("partition")
                        + " INTEGER NOT NULL PRIMARY KEY, " + quote("next_offset") + " BIGINT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS " + table(tenant, LOG_REJECTS) + " (" + quote("log_offset")
                        + " BIGINT NOT NULL PRIMARY KEY, " + quote("archive") + " VARCHAR(63) NOT NULL, "
                        + quote("reason") + " VARCHAR(16) NOT NULL, " + quote("samples") + " INTEGER NOT NULL, "
                        + quote("min_timestamp") + " TIMESTAMP, " + quote("max_timestamp") + " TIMESTAMP, "
                        + quote("rejected_at") + " TIMESTAMP NOT NULL, " + quote("detail") + " VARCHAR NOT NULL)");
    }

    /** Inserts the position row unless the table has one. Binds: partition, next_offset. */
    public String insertLogPositionIfNone(TenantId tenant) {
        String t = table(tenant, LOG_POSITION);
        return "INSERT INTO " + t + " (" + quote("partition") + ", " + quote("next_offset") + ") SELECT ?, ? WHERE "
                + "NOT EXISTS (SELECT 1 FROM " + t + ")";
    }

    /**
     * Dialect difference TENANT_ROLES: takes the log tables from the tenant's reader, which is granted every table of
     * the schema (and by default every future one). Empty where the engine has no roles. No binds.
     */
    public List<String> hideTenantLog(TenantId tenant) {
        return List.of();
    }

    /** The position row. Columns: partition, next_offset. No binds. */
    public String selectLogPosition(TenantId tenant) {
        return "SELECT " + quote("partition") + ", " + quote("next_offset") + " FROM " + table(tenant, LOG_POSITION);
    }

    /**
     * The writer's compare-and-set: moves the position only from the expected offset of the writer's partition, or
     * of no partition yet; it also takes the row's lock. Binds: partition, the new next_offset, partition, the
     * no-partition value, the expected next_offset.
     */
    public String compareAndSetLogPosition(TenantId tenant) {
        return "UPDATE " + table(tenant, LOG_POSITION) + " SET " + quote("partition") + " = ?, " + quote("next_offset")
                + " = ? WHERE (" + quote("partition") + " = ? OR " + quote("partition") + " = ?) AND "
                + quote("next_offset") + " = ?";
    }

    /**
     * Binds: log_offset, archive, reason, samples, min_timestamp, max_timestamp, rejected_at, detail.
     */
    public String insertLogRejection(TenantId tenant) {
        return "INSERT INTO " + table(tenant, LOG_REJECTS) + " (" + quote("log_offset") + ", " + quote("archive")
                + ", " + quote("reason") + ", " + quote("samples") + ", " + quote("min_timestamp") + ", "
                + quote("max_timestamp") + ", " + quote("rejected_at") + ", " + quote("detail")
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    }

    /**
     * Rejections in offset order. Columns: log_offset, archive, reason, samples, min_timestamp, max_timestamp,
     * rejected_at, detail. Binds: the first offset, the limit.
     */
    public String selectLogRejections(TenantId tenant) {
        return "SELECT " + quote("log_offset") + ", " + quote("archive") + ", " + quote("reason") + ", "
                + quote("samples") + ", " + quote("min_timestamp") + ", " + quote("max_timestamp") + ", "
                + quote("rejected_at") + ", " + quote("detail") + " FROM " + table(tenant, LOG_REJECTS) + " WHERE "
                + quote("log_offset") + " >= ? ORDER BY " + quote("log_offset") + " LIMIT ?";
    }

    // ---- tenants ---------------------------------------------------------------------------------------------

    /** One row when the tenant exists. Binds: name. */
    public String selectTenant() {
        return "SELECT 1 FROM " + meta("tenants") + " WHERE name = ?";
    }

    /** Binds: name. */
    public String insertTenant() {
        return "INSERT INTO " + meta("tenants") + " (name) VALUES (?)";
    }

    /** Every tenant's name, in name order. No binds. */
    public String selectTenants() {
        return "SELECT name FROM " + meta("tenants") + " ORDER BY name";
    }

    // ---- archive and rollup definitions ----------------------------------------------------------------------

    /** An archive row, numbered by the metadata sequence (its creation order). Binds: tenant, name, status. */
    public String insertArchive() {
        return "INSERT INTO " + meta("archives") + " (tenant, name, status, seq) VALUES (?, ?, ?, "
                + nextSequenceValue() + ")";
    }

    /** One column of an archive. Binds: tenant, archive, pos, name, type. */
    public String insertArchiveColumn() {
        return "INSERT INTO " + meta("archive_columns") + " (tenant, archive, pos, name, type) VALUES (?, ?, ?, ?, ?)";
    }

    /**
     * A rollup's definition and its initial state (not frozen, no watermark, no failures). Binds: tenant, name,
     * source, bucket, watermark_lag, max_failures, start_at, status.
     */
    public String insertRollup() {
        return "INSERT INTO " + meta("rollups") + " (tenant, name, source, "
                + "bucket, watermark_lag, max_failures, start_at, status, frozen, watermark, consecutive_failures) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE, NULL, 0)";
    }

    /** One aggregation of a rollup. Binds: tenant, rollup, pos, fn, source_column, target. */
    public String insertRollupAggregation() {
        return "INSERT INTO " + meta("rollup_aggregations")
                + " (tenant, rollup, pos, fn, source_column, target) VALUES (?, ?, ?, ?, ?, ?)";
    }

    /**
     * Deletes every metadata row of an archive: the archive, its columns, and for a rollup archive its state row,
     * aggregations and stale ranges. Each statement binds: tenant, name.
     */
    public List<String> deleteArchiveMetadata() {
        return List.of("DELETE FROM " + meta("archives") + " WHERE tenant = ? AND name = ?",
                "DELETE FROM " + meta("archive_columns") + " WHERE tenant = ? AND archive = ?",
                "DELETE FROM " + meta("rollups") + " WHERE tenant = ? AND name = ?",
                "DELETE FROM " + meta("rollup_aggregations") + " WHERE tenant = ? AND rollup = ?",
                "DELETE FROM " + meta("stale_ranges") + " WHERE tenant = ? AND rollup = ?");
    }

    /** Binds: status, tenant, name. */
    public String setArchiveStatus() {
        return "UPDATE " + meta("archives") + " SET status = ? WHERE tenant = ? AND name = ?";
    }

    /** Binds: max_lateness (an ISO-8601 duration, or null for unlimited), tenant, name. */
    public String setMaxLateness() {
        return "UPDATE " + meta("archives") + " SET max_lateness = ? WHERE tenant = ? AND name = ?";
    }

    /** Binds: retention (an ISO-8601 duration, or null to keep rows forever), tenant, name. */
    public String setRetention() {
        return "UPDATE " + meta("archives") + " SET retention = ? WHERE tenant = ? AND name = ?";
    }

    /** The names of the rollups that read an archive directly, in name order. Binds: tenant, source. */
    public String selectDependants() {
        return "SELECT name FROM " + meta("rollups") + " WHERE tenant = ? AND source = ? ORDER BY name";
    }

    /**
     * Archives in creation order. Columns: name, status, seq, max_lateness, retention. Binds: tenant, then (with
     * {@code oneArchive}) name.
     */
    public String selectArchives(boolean oneArchive) {
        return "SELECT name, status, seq, max_lateness, retention FROM " + meta("archives") + " WHERE tenant = ?"
                + (oneArchive ? " AND name = ?" : "") + " ORDER BY seq";
    }

    /** Every archive column of a tenant, by archive then position. Columns: archive, name, type. Binds: tenant. */
    public String selectArchiveColumns() {
        return "SELECT archive, name, type FROM " + meta("archive_columns") + " WHERE tenant = ? ORDER BY archive, pos";
    }

    /**
     * Every rollup aggregation of a tenant, by rollup then position. Columns: rollup, fn, source_column, target.
     * Binds: tenant.
     */
    public String selectRollupAggregations() {
        return "SELECT rollup, fn, source_column, target FROM " + meta("rollup_aggregations")
                + " WHERE tenant = ? ORDER BY rollup, pos";
    }

    /**
     * Every rollup definition of a tenant. Columns: name, source, bucket, watermark_lag, max_failures, start_at.
     * Binds: tenant.
     */
    public String selectRollupDefinitions() {
        return "SELECT name, source, bucket, watermark_lag, max_failures, start_at FROM " + meta("rollups")
                + " WHERE tenant = ?";
    }

    // ---- rollup state ----------------------------------------------------------------------------------------

    /**
     * Rollup states with their stale-range count and oldest recording time. Columns: name, status, frozen,
     * watermark, consecutive_failures, last_error, last_success_at, stale range count, min first_recorded_at.
     * Binds: tenant, then (with {@code oneRollup}) name.
     */
    public String selectRollupStates(boolean oneRollup) {
        String stale = " FROM " + meta("stale_ranges") + " s WHERE s.tenant = r.tenant AND s.rollup = r.name)";
        return "SELECT name, status, frozen, watermark, consecutive_failures, last_error, last_success_at"
                + ", (SELECT count(*)" + stale + ", (SELECT min(s.first_recorded_at)" + stale + " FROM "
                + meta("rollups") + " r WHERE tenant = ?" + (oneRollup ? " AND name = ?" : "");
    }

    /**
     * Sets the watermark only if the stored one is the expected one: the compare-and-set that publishes an
     * aggregate. Binds: next, tenant, name, then (unless {@code expectedNone}, which matches a rollup without a
     * watermark) the expected watermark.
     */
    public String compareAndSetWatermark(boolean expectedNone) {
        return "UPDATE " + meta("rollups") + " SET watermark = ? WHERE tenant = ? AND name = ? AND "
                + (expectedNone ? "watermark IS NULL" : "watermark = ?");
    }

    /**
     * {@link #compareAndSetWatermark} that also records a success in the same row update (see
     * {@link #recordRollupSuccess()}), so publishing an aggregate is one statement. Binds: next, success time,
     * tenant, name, then (unless {@code expectedNone}) the expected watermark.
     */
    public String compareAndSetWatermarkWithSuccess(boolean expectedNone) {
        return "UPDATE " + meta("rollups") + " SET watermark = ?, consecutive_failures = 0, last_error = NULL, "
                + "last_success_at = ? WHERE tenant = ? AND name = ? AND "
                + (expectedNone ? "watermark IS NULL" : "watermark = ?");
    }

    /**
     * Sets the watermark of a rollup whose state row the transaction has already locked and checked
     * ({@link #lockRollupWatermark()}). Binds: watermark, tenant, name.
     */
    public String setLockedWatermark() {
        return "UPDATE " + meta("rollups") + " SET watermark = ? WHERE tenant = ? AND name = ?";
    }

    /**
     * Sets the watermark unconditionally (a rewind) and forgets the pending one. Binds: watermark, tenant, name.
     */
    public String rewindWatermark() {
        return "UPDATE " + meta("rollups") + " SET watermark = ?, pending_watermark = NULL WHERE tenant = ? AND name = ?";
    }

    /**
     * Raises the pending watermark to the end of the aggregate about to be published, under the row lock; never
     * lowers it: two orchestrators aggregating from one watermark must not move it back (a sample committed between
     * the two ends would then be neither marked nor aggregated). Binds: pending, pending, tenant, name.
     */
    public String raisePendingWatermark() {
        return "UPDATE " + meta("rollups") + " SET pending_watermark = CASE WHEN pending_watermark IS NULL OR "
                + "pending_watermark < ? THEN ? ELSE pending_watermark END WHERE tenant = ? AND name = ?";
    }

    /**
     * Counts a failure and stores its error; the status becomes FAILED when the count reaches the maximum. Binds:
     * error, max failures, tenant, name.
     */
    public String recordRollupFailure() {
        return "UPDATE " + meta("rollups") + " SET consecutive_failures"
                + " = consecutive_failures + 1, last_error = ?, status = CASE WHEN consecutive_failures + 1 >= ?"
                + " THEN 'FAILED' ELSE status END WHERE tenant = ? AND name = ?";
    }

    /**
     * Resets the failure count, clears the last error and sets the last success time. Binds: success time, tenant,
     * name.
     */
    public String recordRollupSuccess() {
        return "UPDATE " + meta("rollups") + " SET consecutive_failures = 0, last_error = NULL, last_success_at = ?"
                + " WHERE tenant = ? AND name = ?";
    }

    /**
     * Sets a rollup's status; moving to ACTIVATED from FAILED also resets the failure count and the last error.
     * Binds: status, tenant, name.
     */
    public String setRollupStatus(RollupStatus to) {
        String set = to == RollupStatus.ACTIVATED
                ? "status = ?, consecutive_failures = CASE WHEN status = 'FAILED' THEN 0 ELSE "
                        + "consecutive_failures END, last_error = CASE WHEN status = 'FAILED' THEN NULL ELSE last_error END"
                : "status = ?";
        return "UPDATE " + meta("rollups") + " SET " + set + " WHERE tenant = ? AND name = ?";
    }

    /**
     * Moves a rollup's status along with its archive's: to ACTIVATED only from CREATED or DISABLED (a FAILED rollup
     * stays FAILED), to DISABLED from any other status. Binds: status, tenant, name.
     */
    public String setRollupStatusWithArchive(RollupStatus to) {
        String when = to == RollupStatus.ACTIVATED ? "status IN ('CREATED', 'DISABLED')" : "status <> 'DISABLED'";
        return "UPDATE " + meta("rollups") + " SET status = ? WHERE tenant = ? AND name = ? AND " + when;
    }

    /** Binds: frozen, tenant, name. */
    public String setRollupFrozen() {
        return "UPDATE " + meta("rollups") + " SET frozen = ? WHERE tenant = ? AND name = ?";
    }

    // ---- stale ranges ----------------------------------------------------------------------------------------
    // Rows are found by (tenant, rollup, range_from, range_to), never by anything else: the late-data design in
    // LateData relies on a statement acting on every copy of a span that concurrent writers recorded.

    /** A rollup's stale ranges in order. Columns: range_from, range_to, first_recorded_at. Binds: tenant, rollup. */
    public String selectStaleRanges() {
        return "SELECT range_from, range_to, first_recorded_at FROM " + meta("stale_ranges")
                + " WHERE tenant = ? AND rollup = ? ORDER BY range_from, range_to";
    }

    /**
     * Replaces every stored copy of a span by another range. Binds: the new range_from, range_to,
     * first_recorded_at, then tenant, rollup, the old range_from, range_to.
     */
    public String updateStaleRange() {
        return "UPDATE " + meta("stale_ranges") + " SET range_from = ?, range_to = ?, first_recorded_at = ? WHERE "
                + "tenant = ? AND rollup = ? AND range_from = ? AND range_to = ?";
    }

    /** Deletes every stored copy of a span. Binds: tenant, rollup, range_from, range_to. */
    public String deleteStaleRange() {
        return "DELETE FROM " + meta("stale_ranges") + " WHERE tenant = ? AND rollup = ? AND range_from = ? AND "
                + "range_to = ?";
    }

    /** Binds: tenant, rollup, range_from, range_to, first_recorded_at. */
    public String insertStaleRange() {
        return "INSERT INTO " + meta("stale_ranges")
                + " (tenant, rollup, range_from, range_to, first_recorded_at) VALUES (?, ?, ?, ?, ?)";
    }

    // ---- audit trail -----------------------------------------------------------------------------------------

    /** The next audit entry id, from the metadata sequence. No binds. */
    public String nextAuditId() {
        return "SELECT " + nextSequenceValue();
    }

    /** Binds: id, tenant, occurred_at, kind, subject, actor, message. */
    public String insertAuditEntry() {
        return "INSERT INTO " + meta("audit")
                + " (id, tenant, occurred_at, kind, subject, actor, message) VALUES (?, ?, ?, ?, ?, ?, ?)";
    }

    /**
     * One page of a tenant's audit trail, newest first. Columns: id, occurred_at, kind, subject, actor, message.
     * Binds: tenant, then only for what the query sets: subject, each kind (by name, sorted), from, to, before id;
     * then the limit.
     */
    public String selectAuditEntries(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT id, occurred_at, kind, subject, actor, message FROM ")
                .append(meta("audit")).append(" WHERE tenant = ?");
        if (q.subject() != null) {
            sql.append(" AND subject = ?");
        }
        if (!q.kinds().isEmpty()) {
            sql.append(" AND kind IN (").append(String.join(", ", Collections.nCopies(q.kinds().size(), "?")))
                    .append(')');
        }
        if (q.from() != null) {
            sql.append(" AND occurred_at >= ?");
        }
        if (q.to() != null) {
            sql.append(" AND occurred_at < ?");
        }
        if (q.beforeId() > 0) {
            sql.append(" AND id < ?");
        }
        return sql.append(" ORDER BY id DESC LIMIT ?").toString();
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    private static final String TOKEN_COLUMNS = "id, tenant, name, role, created_at, revoked_at";

    /** Binds: id, tenant, name, role, hash, created_at (not revoked). */
    public String insertToken() {
        return "INSERT INTO " + meta("tokens")
                + " (id, tenant, name, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)";
    }

    /** One row when a token has this id or this hash. Binds: id, hash. */
    public String selectTokenByIdOrHash() {
        return "SELECT 1 FROM " + meta("tokens") + " WHERE id = ? OR hash = ?";
    }

    /**
     * Tokens, oldest first. Columns: id, tenant, name, role, created_at, revoked_at. Binds: (with
     * {@code oneTenant}) tenant.
     */
    public String selectTokens(boolean oneTenant) {
        return "SELECT " + TOKEN_COLUMNS + " FROM " + meta("tokens") + (oneTenant ? " WHERE tenant = ?" : "")
                + " ORDER BY created_at, id";
    }

    /** Revokes a token not yet revoked. Binds: revoked_at, id. */
    public String revokeToken() {
        return "UPDATE " + meta("tokens") + " SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
    }

    /** Columns as {@link #selectTokens}. Binds: id. */
    public String selectTokenById() {
        return "SELECT " + TOKEN_COLUMNS + " FROM " + meta("tokens") + " WHERE id = ?";
    }

    /** The token with this hash unless revoked. Columns as {@link #selectTokens}. Binds: hash. */
    public String selectActiveToken() {
        return "SELECT " + TOKEN_COLUMNS + " FROM " + meta("tokens") + " WHERE hash = ? AND revoked_at IS NULL";
    }

    // ---- tenant SQL (the SQL endpoint) -----------------------------------------------------------------------

    /**
     * Dialect difference WIDE_INTEGERS: the engine's names of result types wider than BIGINT (a sum of bigints), which
     * tenant SQL answers as DOUBLE, as PostgreSQL's {@code numeric} is; upper case.
     */
    public Set<String> wideIntegerTypes() {
        return Set.of();
    }

    /** Dialect difference TIME_FUNCTIONS: how tenant SQL's time functions are computed on this engine. */
    public SqlFunctions timeFunctions() {
        return TimeFunctionsDialect.STANDARD;
    }

    /**
     * The FROM item a tenant's SQL reads an archive through: its table, or for a rollup archive its reader view as a
     * parenthesised {@code SELECT} (each aggregation by name, AVG as sum / count with null for a count of 0, FIRST and
     * LAST without their timestamps), the values {@code RollupPlan.readValues} gives.
     */
    public String readerRelation(TenantId tenant, ArchiveDefinition def) {
        if (!def.isRollup()) {
            return table(tenant, def.name());
        }
        StringBuilder sb = new StringBuilder("(SELECT ").append(quote(TS)).append(", ").append(quote(RT_ID));
        for (Aggregation a : def.rollup().aggregations()) {
            sb.append(", ");
            if (a.function() == AggregateFunction.AVG) {
                sb.append("CAST(").append(quote(a.as() + RollupPlan.SUM_SUFFIX)).append(" AS ")
                        .append(typeName(ColumnType.DOUBLE)).append(") / NULLIF(")
                        .append(quote(a.as() + RollupPlan.COUNT_SUFFIX)).append(", 0)");
            } else {
                sb.append(quote(a.as()));
            }
            sb.append(" AS ").append(quote(a.as()));
        }
        return sb.append(" FROM ").append(table(tenant, def.name())).append(')').toString();
    }

    /**
     * Dialect difference TENANT_READ_BEGIN: the statements that make the current transaction a tenant's read-only
     * one. Standard SQL: {@code SET TRANSACTION READ ONLY} first in a transaction opened by leaving auto-commit.
     */
    public List<String> beginTenantRead() {
        return List.of("SET TRANSACTION READ ONLY");
    }

    /**
     * Dialect difference TENANT_READ_BEGIN: true where {@link #beginTenantRead()} opens the transaction itself
     * ({@code BEGIN …}), so the connection stays in auto-commit mode and {@link #endTenantRead()} ends it.
     */
    public boolean tenantReadBeginsTransaction() {
        return false;
    }

    /**
     * Dialect difference SESSION_TIME_ZONE: the statement that makes UTC the session time zone of a tenant read, run
     * right after {@link #beginTenantRead()} in its transaction; null where {@link #lockDownForTenantSql()} sets it
     * for the whole database when the store opens. Tenant SQL's answers must not depend on the zone the engine's
     * session happens to have: a {@code TIMESTAMP} compared with or cast to a {@code timestamptz}, and
     * {@code date_trunc}, {@code EXTRACT} or a cast to {@code date} of a {@code timestamptz}, read the wall clock in
     * it. Standard SQL (PostgreSQL): {@code SET LOCAL TIME ZONE 'UTC'}, undone when the transaction ends — a
     * PostgreSQL session's zone is the client's (pgjdbc sends the JVM's default zone at login, over the server's and
     * the database's defaults).
     */
    public String tenantReadTimeZone() {
        return "SET LOCAL TIME ZONE 'UTC'";
    }

    /**
     * Dialect difference OPEN_PARAMETER_TYPES: the type to describe a statement's parameter with when the engine could
     * not type it from the statement (a parameter alone in the select list), or null where the engine's own
     * description of such a statement holds (PostgreSQL: the parameter is an unknown, described and run as text). A
     * parameter the client left untyped reaches the engine as text: tenant SQL binds it as a string.
     */
    public String openParameterType() {
        return null;
    }

    /**
     * Dialect difference UNTYPED_STRING_BINDS: whether a text bind of tenant SQL must be sent without a type
     * ({@code Types.OTHER}) so the engine gives it the type the statement needs (a client's {@code '2024-01-01'} for
     * a timestamp); false where a VARCHAR bind is already cast to the parameter's type.
     */
    public boolean bindsStringsUntyped() {
        return false;
    }

    /** Ends a transaction opened by {@link #beginTenantRead()}. No binds. */
    public String endTenantRead() {
        return "ROLLBACK";
    }

    /**
     * Dialect difference SERVER_STATEMENT_TIMEOUT: sets the current transaction's statement timeout. Binds: the
     * timeout in milliseconds, as text. Null where only JDBC's query timeout bounds a statement.
     */
    public String setStatementTimeout() {
        return null;
    }

    /**
     * Dialect difference TENANT_ROLES: makes the rest of the transaction run as the tenant's reader role. Null where
     * the engine has no roles.
     */
    public String assumeTenantReader(TenantId tenant) {
        return null;
    }

    /**
     * Dialect difference TENANT_ROLES: creates the tenant's reader role if missing and grants it reading the
     * tenant's schema, its tables and its future tables; each statement idempotent. Empty where the engine has no
     * roles.
     */
    public List<String> createTenantReader(TenantId tenant) {
        return List.of();
    }

    /**
     * Statements run once when the store opens that settle how the engine answers tenant SQL where a setting decides
     * it (DuckDB: SESSION_TIME_ZONE, INTEGER_DIVISION) and take from tenant SQL what no read needs; each may fail where
     * the store's user lacks the privilege (the store then logs it and goes on).
     */
    public List<String> lockDownForTenantSql() {
        return List.of();
    }

    // ---- archive tables --------------------------------------------------------------------------------------

    /** The archive's table: timestamp, rtId, its columns, primary key (timestamp, rtId). */
    public List<String> createArchiveTable(TenantId tenant, ArchiveDefinition def) {
        String cols = def.columns().stream().map(c -> quote(c.name()) + " " + typeName(c.type()))
                .collect(Collectors.joining(", "));
        return List.of("CREATE TABLE " + table(tenant, def.name()) + " (" + quote(TS) + " TIMESTAMP NOT NULL, "
                + quote(RT_ID) + " VARCHAR(128) NOT NULL, " + cols + ", PRIMARY KEY (" + quote(TS) + ", "
                + quote(RT_ID) + "))");
    }

    public String dropArchiveTable(TenantId tenant, String archive) {
        return "DROP TABLE IF EXISTS " + table(tenant, archive);
    }

    /** Column list {@code "timestamp", "rtId", c1, …} in table order. */
    public String columnList(ArchiveDefinition def) {
        StringBuilder sb = new StringBuilder(quote(TS)).append(", ").append(quote(RT_ID));
        for (Column c : def.columns()) {
            sb.append(", ").append(quote(c.name()));
        }
        return sb.toString();
    }

    /** {@code ON CONFLICT ("timestamp", "rtId") DO UPDATE SET c = EXCLUDED.c, …}. */
    public String upsertClause(ArchiveDefinition def) {
        return " ON CONFLICT (" + quote(TS) + ", " + quote(RT_ID) + ") DO UPDATE SET " + def.columns().stream()
                .map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name())).collect(Collectors.joining(", "));
    }

    /** Moves a staged batch into the archive with the upsert. */
    public String upsertFromStaging(TenantId tenant, ArchiveDefinition def, String staging) {
        String cols = columnList(def);
        return "INSERT INTO " + table(tenant, def.name()) + " (" + cols + ") SELECT " + cols + " FROM " + staging
                + upsertClause(def);
    }

    /** Moves a staged batch into the archive without the upsert clause; only when no stored key can collide. */
    public String insertFromStaging(TenantId tenant, ArchiveDefinition def, String staging) {
        String cols = columnList(def);
        return "INSERT INTO " + table(tenant, def.name()) + " (" + cols + ") SELECT " + cols + " FROM " + staging;
    }

    /**
     * Moves the staged samples before a bound ({@code before}) or at or after it into the archive, with the upsert
     * clause or as a plain insert. Binds: the bound.
     */
    public String moveStagedPart(TenantId tenant, ArchiveDefinition def, String staging, boolean before,
            boolean upsert) {
        String cols = columnList(def);
        return "INSERT INTO " + table(tenant, def.name()) + " (" + cols + ") SELECT " + cols + " FROM " + staging
                + " WHERE " + quote(TS) + (before ? " < ?" : " >= ?") + (upsert ? upsertClause(def) : "");
    }

    /** Whether any row lies in a closed time range (a count of 0 or 1). Binds: from, to (both inclusive). */
    public String anyInClosedRange(TenantId tenant, String archive) {
        return "SELECT count(*) FROM (SELECT 1 FROM " + table(tenant, archive) + " WHERE " + quote(TS) + " >= ? AND "
                + quote(TS) + " <= ? LIMIT 1) AS t";
    }

    /**
     * Upserts the staged samples before a bound and returns the timestamp of each one that was inserted or
     * actually changed: the update only applies where some column {@code IS DISTINCT FROM} the stored one, so an
     * identical re-send is neither written nor returned. Uses the primary key's index, never a scan of the archive.
     * Binds: the bound.
     */
    public String upsertChangedBefore(TenantId tenant, ArchiveDefinition def, String staging) {
        String cols = columnList(def);
        StringBuilder where = new StringBuilder();
        for (Column c : def.columns()) {
            where.append(where.length() == 0 ? " WHERE " : " OR ").append(storedColumn(c.name()))
                    .append(" IS DISTINCT FROM EXCLUDED.").append(quote(c.name()));
        }
        return "INSERT INTO " + table(tenant, def.name()) + upsertTargetAlias() + " (" + cols + ") SELECT " + cols + " FROM " + staging
                + " WHERE " + quote(TS) + " < ? ORDER BY " + quote(TS) + ", " + quote(RT_ID) + upsertClause(def)
                + where + " RETURNING " + quote(TS);
    }

    /**
     * Dialect difference QUALIFIED_CONFLICT_TARGET: in {@code ON CONFLICT … DO UPDATE … WHERE} the stored row's
     * columns must be qualified (PostgreSQL calls a bare name ambiguous with {@code EXCLUDED}); the target gets
     * this alias.
     */
    protected String upsertTargetAlias() {
        return " AS t";
    }

    /** A column of the stored row inside {@code DO UPDATE … WHERE}; see {@link #upsertTargetAlias()}. */
    protected String storedColumn(String name) {
        return "t." + quote(name);
    }

    /** Binds: from, to, then each rtId, then limit. */
    public String read(TenantId tenant, ArchiveDefinition def, int rtIdCount) {
        return read(tenant, def, rtIdCount, false);
    }

    /**
     * Binds: from, to, then (with {@code after}) the after-key's timestamp twice and its rtId, then each rtId, then
     * limit. The after condition is written without row values, which both engines read the same way.
     */
    public String read(TenantId tenant, ArchiveDefinition def, int rtIdCount, boolean after) {
        StringBuilder sb = new StringBuilder("SELECT ").append(columnList(def)).append(" FROM ")
                .append(table(tenant, def.name())).append(" WHERE ").append(quote(TS)).append(" >= ? AND ")
                .append(quote(TS)).append(" < ?");
        if (after) {
            sb.append(" AND ").append(quote(TS)).append(" >= ? AND (").append(quote(TS)).append(" > ? OR ")
                    .append(quote(RT_ID)).append(" > ?)");
        }
        if (rtIdCount > 0) {
            sb.append(" AND ").append(quote(RT_ID)).append(" IN (")
                    .append(String.join(", ", Collections.nCopies(rtIdCount, "?"))).append(")");
        }
        return sb.append(" ORDER BY ").append(quote(TS)).append(", ").append(quote(RT_ID)).append(" LIMIT ?")
                .toString();
    }

    /**
     * For each rtId whose newest row is older than a floor, that row (what {@code latest.<archive>} holds for an rtId
     * silent since before a live window; the cluster's join reads it), oldest first. Reads the whole archive.
     * Binds: floor, limit.
     */
    public String latestBefore(TenantId tenant, ArchiveDefinition def) {
        String t = table(tenant, def.name());
        return "SELECT " + columnList(def) + " FROM " + t + " WHERE (" + quote(RT_ID) + ", " + quote(TS) + ") IN ("
                + "SELECT " + quote(RT_ID) + ", max(" + quote(TS) + ") FROM " + t + " GROUP BY " + quote(RT_ID)
                + " HAVING max(" + quote(TS) + ") < ?) ORDER BY " + quote(TS) + ", " + quote(RT_ID) + " LIMIT ?";
    }

    /** The oldest row's timestamp (null when none) in {@code [from, to)}, found on the time index. Binds: from, to. */
    public String minTimestamp(TenantId tenant, String archive) {
        return "SELECT min(" + quote(TS) + ") FROM " + table(tenant, archive) + " WHERE " + quote(TS) + " >= ? AND "
                + quote(TS) + " < ?";
    }

    /**
     * An archive's statistics in one row: the oldest timestamp, the newest, the number of rows counted, and the
     * engine's estimate of the row count (null where the count is exact). The count is exact here; a dialect whose
     * engine reads the whole table to count it counts at most {@code exactUpTo + 1} rows and estimates.
     * Binds nothing.
     */
    public String archiveStats(TenantId tenant, String archive, long exactUpTo) {
        String t = table(tenant, archive);
        return "SELECT min(" + quote(TS) + "), max(" + quote(TS) + "), count(*), CAST(NULL AS BIGINT) FROM " + t;
    }

    // ---- rollup statements -----------------------------------------------------------------------------------

    /** Binds: from, to. */
    public String deleteRange(TenantId tenant, String archive) {
        return "DELETE FROM " + table(tenant, archive) + " WHERE " + quote(TS) + " >= ? AND " + quote(TS) + " < ?";
    }

    /**
     * The rollup statement over {@code buckets} consecutive buckets.
     *
     * <p>Fixed buckets: binds the width in microseconds (see {@link #fixedBucketStart}), then from, to. Calendar
     * buckets: binds {@code buckets + 1} boundaries as (start, end) pairs, then from, to.
     */
    public String rollupInsert(TenantId tenant, RollupPlan plan, int buckets) {
        ArchiveDefinition target = plan.target();
        boolean fixed = plan.definition().bucket() instanceof FixedBucket;
        String bucketStart = fixed ? fixedBucketStart(col(TS)) : "b.bs";
        StringBuilder sb = new StringBuilder("INSERT INTO ").append(table(tenant, target.name())).append(" (")
                .append(columnList(target)).append(") SELECT ").append(bucketStart).append(", ").append(col(RT_ID));
        for (Partial p : plan.partials()) {
            sb.append(", ").append(aggregate(p));
        }
        sb.append(" FROM ").append(table(tenant, plan.source().name())).append(' ').append(SOURCE_ALIAS);
        if (!fixed) {
            sb.append(" JOIN (VALUES ");
            for (int i = 0; i < buckets; i++) {
                sb.append(i == 0 ? "" : ", ").append("(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))");
            }
            sb.append(") AS b(bs, be) ON ").append(col(TS)).append(" >= b.bs AND ").append(col(TS)).append(" < b.be");
        }
        sb.append(" WHERE ").append(col(TS)).append(" >= ? AND ").append(col(TS)).append(" < ?");
        sb.append(" GROUP BY ").append(fixed ? "1" : "b.bs").append(", ").append(col(RT_ID));
        return sb.append(upsertClause(target)).toString();
    }

    /** A source column, qualified. */
    protected String col(String name) {
        return SOURCE_ALIAS + "." + quote(name);
    }

    /** Renders one partial's aggregate over the source alias. */
    protected String aggregate(Partial p) {
        return switch (p.op()) {
            case COUNT_ROWS -> "count(*)";
            case COUNT -> "count(" + col(p.input()) + ")";
            case SUM -> "CAST(sum(" + col(p.input()) + ") AS " + typeName(p.type()) + ")";
            case MIN -> "min(" + col(p.input()) + ")";
            case MAX -> "max(" + col(p.input()) + ")";
            case FIRST_VALUE -> firstValue(col(p.input()), col(p.order()));
            case LAST_VALUE -> lastValue(col(p.input()), col(p.order()));
            case FIRST_TIME -> "min(CASE WHEN " + col(p.input()) + " IS NOT NULL THEN " + col(p.order()) + " END)";
            case LAST_TIME -> "max(CASE WHEN " + col(p.input()) + " IS NOT NULL THEN " + col(p.order()) + " END)";
        };
    }

    /**
     * Dialect difference NO_ARG_MIN: the value of {@code value} at the smallest {@code order} among rows where
     * {@code value} is not null. Standard SQL has no arg-min; this is the ordered-array form.
     */
    protected String firstValue(String value, String order) {
        return "(array_agg(" + value + " ORDER BY " + order + ") FILTER (WHERE " + value + " IS NOT NULL))[1]";
    }

    /** Dialect difference NO_ARG_MAX: as {@link #firstValue}, at the largest {@code order}. */
    protected String lastValue(String value, String order) {
        return "(array_agg(" + value + " ORDER BY " + order + " DESC) FILTER (WHERE " + value
                + " IS NOT NULL))[1]";
    }

    /**
     * Dialect difference BUCKET_FUNCTION: the start of the fixed-width bucket holding {@code ts}, aligned to the
     * Unix epoch. Binds one parameter: the width in microseconds (BIGINT).
     */
    protected abstract String fixedBucketStart(String ts);

    /**
     * Dialect difference SNAPSHOT_READS: the first statement of a read-only transaction whose statements must all see
     * one snapshot (a definition row and its aggregation rows, a state row and its archive). Standard SQL's default
     * READ COMMITTED gives each statement its own snapshot, so a definition committed between two of them would be
     * seen half. Null where every transaction already reads one snapshot.
     */
    public String beginSnapshotRead() {
        return "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    }

    /**
     * Dialect difference ROW_LOCKS: the statement that reads a rollup's watermark inside the aggregate transaction,
     * locking the row where the engine can. Binds: tenant, name.
     */
    public String lockRollupWatermark() {
        return "SELECT watermark, pending_watermark FROM " + meta("rollups") + " WHERE tenant = ? AND name = ? "
                + "FOR UPDATE";
    }

    /**
     * Dialect difference ROW_LOCKS: takes a shared lock on the state rows of the rollups that read {@code source}
     * directly, inside a transaction that writes the source: it waits for an aggregate or a recompute holding
     * {@code FOR UPDATE}, and makes them wait for it, so the writer and the aggregate never overlap (see
     * {@code LateData}). Null where the engine has no row locks and the store serialises writers instead. Binds:
     * tenant, source.
     *
     * <p>It only locks: the state rows and their stale ranges are read afterwards by
     * {@link #dependantsWithStaleRanges()}, a new statement. On PostgreSQL (READ COMMITTED) a statement reads the
     * snapshot taken when it started, so ranges read by the locking statement itself would be those from before the
     * wait: a range that a recompute consumed while this writer waited would still look present, the writer's
     * late samples inside it would look already marked, and their stale mark would be lost (issue 10, item 1).
     */
    public String lockDependants() {
        return "SELECT name FROM " + meta("rollups") + " WHERE tenant = ? AND source = ? ORDER BY name FOR SHARE";
    }

    /**
     * Reads the rollups that read {@code source} directly, in name order, each with its stale ranges; run after
     * {@link #lockDependants()} in the same transaction. Columns: name, bucket, start_at, watermark,
     * pending_watermark, then range_from, range_to, first_recorded_at (one row per range, in order; nulls when it
     * has none). Binds: tenant, source.
     */
    public String dependantsWithStaleRanges() {
        return "SELECT r.name, r.bucket, r.start_at, r.watermark, r.pending_watermark, s.range_from, s.range_to, "
                + "s.first_recorded_at FROM " + meta("rollups") + " AS r LEFT JOIN " + meta("stale_ranges")
                + " AS s ON s.tenant = r.tenant AND s.rollup = r.name WHERE r.tenant = ? AND r.source = ? "
                + "ORDER BY r.name, s.range_from, s.range_to";
    }
}
