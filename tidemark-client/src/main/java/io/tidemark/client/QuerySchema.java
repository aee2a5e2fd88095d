package io.tidemark.client;

import java.util.List;

/**
 * The shape of a query's result, delivered with {@link QueryListener#snapshotBegin}.
 *
 * @param columns output columns in SELECT order
 * @param keyColumns names of the values in {@link Tuple#key()}: {@code [timestamp, rtId]}, {@code [rtId]}, or the
 *     GROUP BY expressions as written
 * @param ordered true for ORDER BY … LIMIT: tuples carry no position, sort by the ordered columns yourself
 */
public record QuerySchema(List<Column> columns, List<String> keyColumns, boolean ordered) {
    public QuerySchema {
        columns = List.copyOf(columns);
        keyColumns = List.copyOf(keyColumns);
    }

    /** An output column; {@code type} is DOUBLE, BIGINT, BOOLEAN, VARCHAR or TIMESTAMP. */
    public record Column(String name, String type) {}

    /** The index of the column named {@code name}, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
