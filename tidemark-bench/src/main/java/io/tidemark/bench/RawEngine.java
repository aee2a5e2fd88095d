package io.tidemark.bench;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The baseline: the engine's own bulk path and one hand-written INSERT … SELECT, on a database of its own with
 * the same table shapes as Tidemark's.
 */
interface RawEngine extends AutoCloseable {

    /** Creates {@code samples(timestamp, rtId, a, b)} with primary key (timestamp, rtId). */
    void createSamples() throws SQLException;

    /** Writes one batch with the engine's bulk path (DuckDB Appender, PostgreSQL COPY), in one transaction. */
    void bulkWrite(Generator.Batch batch) throws SQLException;

    /** (Re)creates the empty 1-minute target table. */
    void resetRollup() throws SQLException;

    /** Fills the 1-minute target with one INSERT … SELECT over the whole range; returns rows. */
    long rollupAll() throws SQLException;

    Connection connection();

    @Override
    void close() throws SQLException;
}
