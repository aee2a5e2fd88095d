package io.tidemark.sql.wire;

import io.tidemark.sql.BindParameter;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlResult;
import java.util.List;

/**
 * A bound statement (Bind): the parameters, which result columns go out in binary, and, once the first Execute ran
 * it, its result and how many rows were sent. A cursor left open by a row limit is a suspended portal.
 */
final class Portal {
    final PreparedStatement statement;
    final List<BindParameter> parameters;
    final boolean[] binaryColumns;
    SqlResult result;
    long rowsSent;
    boolean done;
    /** Rows encoded ahead of the next Execute ({@link ReadAhead}), or null. */
    ReadAhead ahead;

    Portal(PreparedStatement statement, List<BindParameter> parameters, boolean[] binaryColumns) {
        this.statement = statement;
        this.parameters = parameters;
        this.binaryColumns = binaryColumns;
    }

    /** Closes the result's cursor, if any; idempotent. */
    void close() {
        RowCursor cursor = cursor();
        result = null;
        done = true;
        ahead = null;
        if (cursor != null) {
            cursor.close();
        }
    }

    RowCursor cursor() {
        if (result instanceof SqlResult.Rows rows) {
            return rows.cursor();
        }
        if (result instanceof SqlResult.CopyOut copy) {
            return copy.cursor();
        }
        return null;
    }
}
