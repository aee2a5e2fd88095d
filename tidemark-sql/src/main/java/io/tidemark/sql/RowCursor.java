package io.tidemark.sql;

import java.util.List;

/**
 * A pull cursor over a statement's result rows, in the style of {@link java.sql.ResultSet}: the wire layer calls
 * {@link #next()} only when the client's socket has taken the previous rows, so a slow client slows the pulls down
 * instead of making the server buffer the result. A row limit on the protocol's Execute leaves the cursor open
 * (a suspended portal) and pulls more on the next Execute.
 *
 * <p>Threading: used by one connection thread at a time; not thread-safe. {@link SqlSession#cancel()} may be called
 * from another thread while {@link #next()} runs.
 */
public interface RowCursor extends AutoCloseable {

    /** The result columns; the same every call, and of the types {@link SqlSession#describe} announced. */
    List<Column> columns();

    /**
     * Moves to the next row.
     *
     * @return {@code false} when there are no more rows
     * @throws SqlException when reading fails; {@link SqlState#QUERY_CANCELED} after a cancel
     */
    boolean next() throws SqlException;

    /**
     * The current row's value of a column.
     *
     * @param column zero-based column index
     * @return the value in the Java type {@link SqlType} names for the column's type, or {@code null} for SQL NULL
     */
    Object value(int column);

    /** Releases the cursor; called exactly once, also when the client stops early. Must not throw. */
    @Override
    void close();
}
