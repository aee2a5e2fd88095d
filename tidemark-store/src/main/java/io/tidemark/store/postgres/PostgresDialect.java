package io.tidemark.store.postgres;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.store.jdbc.SqlDialect;
import java.util.ArrayList;
import java.util.List;

/** PostgreSQL's differences from standard SQL. */
final class PostgresDialect extends SqlDialect {

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
}
