package io.tidemark.sql.wire;

import io.tidemark.sql.Column;
import java.util.List;

/**
 * A statement the client prepared with Parse: its text, the parameter type OIDs it will be described with (declared by
 * the client where it did, else the session's), and the result columns the session described.
 */
record PreparedStatement(String sql, int[] parameterOids, List<Column> columns) {

    boolean isEmpty() {
        return sql.isBlank();
    }
}
