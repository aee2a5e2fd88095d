package io.tidemark.server.sql;

import io.tidemark.sql.Column;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.store.SqlRows;
import io.tidemark.store.SqlStatementException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's cursor as the wire layer pulls it: one row read per {@link #next()} (the store fetches in rounds of the
 * fetch size, so a client that stops reading stops the pulls), its values counted against
 * {@code sql.max-result-bytes}, and the statement finished when the cursor closes.
 */
final class StoreCursor implements RowCursor {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCursor.class);

    private final SqlRows rows;
    private final List<Column> columns;
    private final RunningStatement statement;
    private final long maxBytes;
    private final Object[] current;
    private long bytes;
    private long count;

    StoreCursor(SqlRows rows, List<Column> columns, RunningStatement statement, long maxBytes) {
        this.rows = rows;
        this.columns = columns;
        this.statement = statement;
        this.maxBytes = maxBytes;
        this.current = new Object[columns.size()];
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public boolean next() throws SqlException {
        try {
            if (!rows.next()) {
                return false;
            }
            long size = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] = rows.get(i);
                size += size(current[i]);
            }
            bytes += size;
        } catch (SqlStatementException e) {
            throw statement.fail(e);
        }
        if (bytes > maxBytes) {
            throw statement.fail(new SqlException(SqlState.PROGRAM_LIMIT_EXCEEDED, "the result is larger than "
                    + "sql.max-result-bytes (" + maxBytes + " bytes) after " + count + " rows", null, "narrow the query "
                    + "(WHERE, LIMIT) or read it in parts, e.g. by time range", 0, null));
        }
        count++;
        return true;
    }

    /** What a value counts against the limit: a text its length, a boolean 1, a number or timestamp 8. */
    static long size(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof String s) {
            return s.length();
        }
        return value instanceof Boolean ? 1 : 8;
    }

    @Override
    public Object value(int column) {
        return current[column];
    }

    @Override
    public void close() {
        try {
            rows.close();
        } catch (RuntimeException e) {
            LOG.debug("closing a SQL cursor failed: {}", e.toString());
        } finally {
            statement.finish(count);
        }
    }
}
