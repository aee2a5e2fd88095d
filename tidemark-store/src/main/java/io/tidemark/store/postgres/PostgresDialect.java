package io.tidemark.store.postgres;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.store.jdbc.SqlDialect;
import java.util.ArrayList;
import java.util.List;

/** PostgreSQL's differences from standard SQL. */
final class PostgresDialect extends SqlDialect {
    /** The transaction-scoped staging table of a batch that takes the upsert path. */
    private static final String STAGING = "tidemark_staging";

    @Override
    public String name() {
        return "postgresql";
    }

    /** Adds a BRIN index on the timestamp: tiny, and suited to the time-range scans of rollups and reads. */
    @Override
    public List<String> createArchiveTable(TenantId tenant, ArchiveDefinition def) {
        List<String> ddl = new ArrayList<>(super.createArchiveTable(tenant, def));
        ddl.add("CREATE INDEX ON " + table(tenant, def.name()) + " USING BRIN (" + quote(TS) + ")");
        return ddl;
    }

    /**
     * min and max each run as a subquery so the planner answers them from the primary key's btree (timestamp
     * first); counting reads at most {@code exactUpTo + 1} index entries; the estimate is the planner's
     * {@code pg_class.reltuples} (-1 before the table was first vacuumed or analyzed).
     */
    @Override
    public String archiveStats(TenantId tenant, String archive, long exactUpTo) {
        String t = table(tenant, archive);
        return "SELECT (SELECT min(" + quote(TS) + ") FROM " + t + "), (SELECT max(" + quote(TS) + ") FROM " + t
                + "), (SELECT count(*) FROM (SELECT 1 FROM " + t + " LIMIT " + (exactUpTo + 1) + ") AS counted)"
                + ", (SELECT CAST(c.reltuples AS BIGINT) FROM pg_class c WHERE c.oid = to_regclass('"
                + t.replace("'", "''") + "'))";
    }

    /** BUCKET_FUNCTION: {@code date_bin} (PostgreSQL 14+) with the epoch as origin. */
    @Override
    protected String fixedBucketStart(String ts) {
        return "date_bin(CAST(? AS BIGINT) * INTERVAL '1 microsecond', " + ts + ", TIMESTAMP '1970-01-01 00:00:00')";
    }

    /**
     * Concurrent upserts of overlapping keys take row locks in key order, so two writers cannot deadlock on each
     * other's rows.
     */
    @Override
    public String upsertFromStaging(TenantId tenant, ArchiveDefinition def, String staging) {
        String cols = columnList(def);
        return "INSERT INTO " + table(tenant, def.name()) + " (" + cols + ") SELECT " + cols + " FROM " + staging
                + " ORDER BY " + quote(TS) + ", " + quote(RT_ID) + upsertClause(def);
    }

    /** The staging table: a temporary table, found through the session's own temporary schema. */
    String staging() {
        return quote(STAGING);
    }

    /** Creates the empty staging table with the archive's layout; dropped at commit at the latest. No binds. */
    String createStaging(TenantId tenant, ArchiveDefinition def) {
        return "CREATE TEMP TABLE " + staging() + " (LIKE " + table(tenant, def.name()) + ") ON COMMIT DROP";
    }

    /** No binds. */
    String dropStaging() {
        return "DROP TABLE " + staging();
    }

    /** {@code COPY} of CSV rows (timestamp, rtId, the columns in order) into {@code table}, the archive or staging. */
    String copyIn(String table, ArchiveDefinition def) {
        return "COPY " + table + " (" + columnList(def) + ") FROM STDIN WITH (FORMAT csv)";
    }

    /** UNTYPED_STRING_BINDS: a VARCHAR bind compared with a timestamp is an error on PostgreSQL. */
    @Override
    public boolean bindsStringsUntyped() {
        return true;
    }

    /** SERVER_STATEMENT_TIMEOUT: {@code statement_timeout} for the transaction only. Binds: milliseconds as text. */
    @Override
    public String setStatementTimeout() {
        return "SELECT set_config('statement_timeout', ?, true)";
    }

    /** TENANT_ROLES: {@code SET LOCAL ROLE}, undone when the transaction ends. */
    @Override
    public String assumeTenantReader(TenantId tenant) {
        return "SET LOCAL ROLE " + quote(readerRole(tenant));
    }

    /**
     * TENANT_ROLES: a {@code NOLOGIN} role per tenant (roles are per cluster: stores sharing a cluster share it, each
     * database granting its own schema), made a member of the store's user so that a non-superuser store may
     * {@code SET ROLE} to it; {@code USAGE} and {@code SELECT} on the tenant's schema, its tables and (default
     * privileges) the tables the store creates there later.
     */
    @Override
    public List<String> createTenantReader(TenantId tenant) {
        String role = quote(readerRole(tenant));
        String schema = schema(tenant.value());
        return List.of("DO $$ BEGIN CREATE ROLE " + role + " NOLOGIN; EXCEPTION WHEN duplicate_object OR "
                        + "unique_violation THEN NULL; END $$",
                "GRANT " + role + " TO CURRENT_USER",
                "GRANT USAGE ON SCHEMA " + schema + " TO " + role,
                "GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
                "ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT SELECT ON TABLES TO " + role);
    }

    /** TENANT_ROLES: the reader role keeps {@code USAGE} on the schema but no privilege on the log tables. */
    @Override
    public List<String> hideTenantLog(TenantId tenant) {
        return List.of("REVOKE ALL ON TABLE " + table(tenant, LOG_POSITION) + ", " + table(tenant, LOG_REJECTS)
                + " FROM " + quote(readerRole(tenant)));
    }

    /**
     * {@code set_config} is the one way for a statement to change its role (back to the store's user) without a
     * second statement; no reader needs it.
     */
    @Override
    public List<String> lockDownForTenantSql() {
        return List.of("REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC");
    }

    /**
     * The tenant's reader role: {@code tidemark_sql_<tenant>}, or for a tenant name too long for PostgreSQL's 63
     * characters its first 40 characters and a hash of the whole, so two tenants never share one.
     */
    static String readerRole(TenantId tenant) {
        String role = "tidemark_sql_" + tenant.value();
        if (role.length() <= 63) {
            return role;
        }
        return "tidemark_sql_" + tenant.value().substring(0, 40) + "_" + Integer.toHexString(tenant.value().hashCode());
    }
}
