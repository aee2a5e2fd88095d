package io.tidemark.live;

import io.tidemark.core.ColumnType;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a query's result, delivered with {@code snapshotBegin}.
 *
 * @param columns the output columns, in SELECT order
 * @param keyColumns names of the values in {@link Tuple#key()}: {@code [timestamp, rtId]}, {@code [rtId]}, or the
 *     GROUP BY expressions as written (empty for an aggregate without GROUP BY, whose one row has an empty key)
 * @param ordered true when the query has ORDER BY … LIMIT: the result holds the first rows in that order, and
 *     tuples carry no position, so a client sorts by the ordered columns itself
 */
public record QuerySchema(List<OutputColumn> columns, List<String> keyColumns, boolean ordered) {
    public QuerySchema {
        columns = List.copyOf(columns);
        keyColumns = List.copyOf(keyColumns);
    }

    /** An output column: its name (the alias, the column name, or the expression text) and its type. */
    public record OutputColumn(String name, ColumnType type) {
        public OutputColumn {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }
}
