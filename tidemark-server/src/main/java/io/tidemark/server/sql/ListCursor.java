package io.tidemark.server.sql;

import io.tidemark.sql.Column;
import io.tidemark.sql.RowCursor;
import java.util.List;

/** A cursor over rows already in memory: a live snapshot (bounded by the live memory budget) or a SHOW answer. */
final class ListCursor implements RowCursor {
    private final List<Column> columns;
    private final List<List<Object>> rows;
    private final Runnable onClose;
    private int next;
    private List<Object> current;

    ListCursor(List<Column> columns, List<List<Object>> rows, Runnable onClose) {
        this.columns = List.copyOf(columns);
        this.rows = rows;
        this.onClose = onClose;
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public boolean next() {
        if (next >= rows.size()) {
            return false;
        }
        current = rows.get(next++);
        return true;
    }

    @Override
    public Object value(int column) {
        return current.get(column);
    }

    /** Rows handed out so far. */
    int rowsSent() {
        return next;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
