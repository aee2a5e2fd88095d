package io.tidemark.store;

import java.util.List;

/**
 * The cursor of one {@link TenantSql#query}: pull one row with {@link #next()}, read its values, and close. Rows are
 * fetched from the engine in rounds of the query's fetch size as the caller pulls, so a slow reader holds one round,
 * not the result. Not thread-safe, except {@link #cancel()}, which any thread may call.
 */
public interface SqlRows extends AutoCloseable {

    List<SqlColumn> columns();

    /**
     * Moves to the next row.
     *
     * @return false after the last row
     * @throws SqlStatementException when the engine fails while producing rows (57014 when cancelled or timed out)
     */
    boolean next();

    /**
     * The value of a column of the current row, typed as {@link SqlColumn} says; null for SQL NULL.
     *
     * @param column 0-based
     */
    Object get(int column);

    /** Asks the engine to stop the statement; {@link #next()} then fails with 57014. Idempotent; never blocks long. */
    void cancel();

    /** Ends the transaction and returns the connection. Idempotent. */
    @Override
    void close();
}
