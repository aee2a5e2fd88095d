package io.tidemark.store.jdbc;

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
     * Appender, PostgreSQL COPY).
     *
     * <p>The batch has an on-time part (at or after {@link BatchWrite#lateBefore()}) and a late part. The on-time
     * part takes the engine's fast path exactly as a batch without late samples would: a plain insert or a direct
     * copy when no stored row lies in its own time range, an upsert otherwise. The late part is usually made of new
     * keys (a gateway replaying what it buffered); an engine may insert it plainly too, and must then fall back to
     * comparing with the stored rows when a key is stored — inside the transaction (PostgreSQL, via a savepoint) or
     * by throwing {@link KeyAlreadyStored} so the store writes the batch again with {@link BatchWrite#compare()}
     * (DuckDB, which may also try the whole batch that way first). Nothing here scans the whole archive: range checks use the time index or zone maps, key checks the
     * primary key or the late part's own time span.
     *
     * <p>Returns the timestamps (epoch microseconds, any order, one per sample) of the late samples that are new or
     * differ from the stored sample of their key; identical re-sends are left out. Returns {@link Jdbc#NO_SAMPLES}
     * when none is.
     */
    long[] writeBatch(Connection tx, BatchWrite write) throws SQLException;

    /**
     * Whether {@code e} means the store could not be reached or a bounded wait (connection, statement, lock) ran
     * out, so the operation is refused with {@code STORE_UNAVAILABLE} rather than failed with {@code STORE_ERROR}.
     */
    default boolean unavailable(SQLException e) {
        return Jdbc.unavailable(e);
    }

    /**
     * Whether {@code e} aborted a transaction only because a concurrent transaction conflicted with it (a deadlock or
     * a serialization failure), so running the same transaction again is correct and will usually succeed.
     */
    default boolean conflict(SQLException e) {
        return Jdbc.conflict(e);
    }

    /** Where the data lives, without credentials. */
    String describe();

    @Override
    void close();
}
