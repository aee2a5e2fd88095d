package io.tidemark.sql.catalog;

import io.tidemark.sql.Column;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A shadow's answer as the wire layer takes it: result columns typed as {@link SqlType} (integers int8, floating and
 * decimal float8, booleans bool, timestamptz, everything else text with arrays in PostgreSQL's {@code {a,b}} form),
 * rows read completely (catalog answers are small) up to a bound.
 */
final class ShadowRows {
    private ShadowRows() {}

    /** Reads every row, failing with 54000 past {@code maxRows}; the cursor needs no resources. */
    static RowCursor read(ResultSet rows, int maxRows) throws SQLException, SqlException {
        List<Column> columns = columns(rows.getMetaData());
        return new ListCursor(columns, read(rows, columns, maxRows));
    }

    static List<Column> columns(ResultSetMetaData metaData) throws SQLException {
        List<Column> columns = new ArrayList<>();
        if (metaData == null) {
            return columns;
        }
        for (int i = 1; i <= metaData.getColumnCount(); i++) {
            columns.add(new Column(metaData.getColumnLabel(i), sqlType(metaData.getColumnTypeName(i))));
        }
        return columns;
    }

    /** The wire type of a shadow result column: integers int8, floating and decimal float8, text otherwise. */
    private static SqlType sqlType(String duckDbType) {
        String type = duckDbType.toUpperCase(Locale.ROOT);
        if (type.equals("TIMESTAMP WITH TIME ZONE")) {
            return SqlType.TIMESTAMPTZ;
        }
        return switch (type) {
            case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT",
                    "HUGEINT" -> SqlType.INT8;
            case "DOUBLE", "FLOAT" -> SqlType.FLOAT8;
            case "BOOLEAN" -> SqlType.BOOL;
            default -> type.startsWith("DECIMAL") ? SqlType.FLOAT8 : SqlType.TEXT;
        };
    }

    private static List<Object[]> read(ResultSet rows, List<Column> columns, int maxRows) throws SQLException,
            SqlException {
        List<Object[]> out = new ArrayList<>();
        while (rows.next()) {
            if (out.size() == maxRows) {
                throw new SqlException(SqlState.PROGRAM_LIMIT_EXCEEDED, "the catalog query answers more than "
                        + maxRows + " rows");
            }
            Object[] row = new Object[columns.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = value(rows, i + 1, columns.get(i).type());
            }
            out.add(row);
        }
        return out;
    }

    private static Object value(ResultSet rows, int index, SqlType type) throws SQLException {
        Object value = rows.getObject(index);
        if (value == null) {
            return null;
        }
        return switch (type) {
            case INT8 -> rows.getLong(index);
            case FLOAT8 -> rows.getDouble(index);
            case BOOL -> rows.getBoolean(index);
            case TIMESTAMPTZ -> instant(value);
            case TEXT -> value instanceof Array array ? pgArray(array.getArray()) : value.toString();
        };
    }

    private static Instant instant(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant();
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof LocalDateTime time) {
            return time.toInstant(ZoneOffset.UTC);
        }
        return Instant.parse(value.toString());
    }

    /** An array in PostgreSQL's text form: {@code {a,"b c",NULL}}. */
    static String pgArray(Object array) {
        Object[] elements = array instanceof Object[] objects ? objects : new Object[] {array};
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < elements.length; i++) {
            Object e = elements[i];
            out.append(i == 0 ? "" : ",");
            if (e == null) {
                out.append("NULL");
                continue;
            }
            String text = e.toString();
            boolean quote = text.isEmpty() || text.equalsIgnoreCase("null")
                    || text.chars().anyMatch(c -> c == ',' || c == '"' || c == '\\' || c == '{' || c == '}'
                    || Character.isWhitespace(c));
            out.append(quote ? '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : text);
        }
        return out.append('}').toString();
    }

    /** Rows read completely. */
    private static final class ListCursor implements RowCursor {
        private final List<Column> columns;
        private final List<Object[]> rows;
        private int next;
        private Object[] current;

        ListCursor(List<Column> columns, List<Object[]> rows) {
            this.columns = List.copyOf(columns);
            this.rows = rows;
        }

        @Override
        public List<Column> columns() {
            return columns;
        }

        @Override
        public boolean next() {
            if (next >= rows.size()) {
                current = null;
                return false;
            }
            current = rows.get(next++);
            return true;
        }

        @Override
        public Object value(int column) {
            return current[column];
        }

        @Override
        public void close() {
        }
    }
}
