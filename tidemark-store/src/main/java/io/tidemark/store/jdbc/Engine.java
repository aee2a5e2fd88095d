package io.tidemark.store.jdbc;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a JDBC provider supplies to {@link JdbcStore}: its dialect, its connections and its bulk path. Everything
 * else — metadata, lifecycle, rollup statements, the audit trail — is shared.
 */
public interface Engine extends AutoCloseable {

    SqlDialect dialect();

    /** A connection in auto-commit mode; the caller closes it. */
    Connection connect() throws SQLException;

    /**
     * Engine difference SINGLE_WRITER: whether write transactions must be serialised inside this JVM. True for an
     * embedded engine with optimistic concurrency (DuckDB), whose concurrent writers would abort each other;
     * false where the server's row locks order writers (PostgreSQL).
     */
    boolean singleWriter();

    /**
     * Writes a validated batch inside the caller's open transaction through the engine's bulk path (DuckDB
     * Appender, PostgreSQL COPY) into a staging table, then upserts it into the archive.
     *
     * <p>Late data: returns the timestamps (epoch microseconds, any order, one per sample) of the samples before
     * {@code lateBefore} that are new or differ from the stored sample of their key, determined before the upsert;
     * identical re-sends are left out. When no stored row lies in the batch's time range every sample is new, so
     * no comparison is needed. {@code Long.MIN_VALUE} means nothing is late; returns {@link Jdbc#NO_SAMPLES} when
     * none is.
     */
    long[] writeBatch(Connection tx, TenantId tenant, ArchiveDefinition archive, SampleBatch batch, long lateBefore)
            throws SQLException;

    /** Where the data lives, without credentials. */
    String describe();

    @Override
    void close();
}
