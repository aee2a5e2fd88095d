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
}
