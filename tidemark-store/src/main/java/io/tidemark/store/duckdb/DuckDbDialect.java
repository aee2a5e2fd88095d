package io.tidemark.store.duckdb;

import io.tidemark.core.ColumnType;
import io.tidemark.store.jdbc.SqlDialect;

/** DuckDB's differences from standard SQL. */
final class DuckDbDialect extends SqlDialect {
    private final String catalog;

    DuckDbDialect(String catalog) {
        this.catalog = catalog;
    }

    /**
     * CATALOG_QUALIFIED: DuckDB names a database's catalog after its file, and a schema of the same name as the
     * catalog (a tenant called like the file) makes two-part names ambiguous; three-part names never are.
     */
    @Override
    protected String schema(String name) {
        return quote(catalog) + "." + quote(name);
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

    /** NO_ARG_MIN does not apply: {@code arg_min} skips rows whose value or order is null. */
    @Override
    protected String firstValue(String value, String order) {
        return "arg_min(" + value + ", " + order + ")";
    }

    @Override
    protected String lastValue(String value, String order) {
        return "arg_max(" + value + ", " + order + ")";
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

    /** ROW_LOCKS: none; the single writer lock serialises the writing transaction with aggregates and recomputes. */
    @Override
    public String lockDependants() {
        return dependants();
    }
}
