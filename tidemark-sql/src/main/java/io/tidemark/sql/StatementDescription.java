package io.tidemark.sql;

import java.util.List;

/**
 * What a statement takes and returns, known before it runs: the answer to the protocol's Describe.
 *
 * @param parameterTypes one type per bind parameter ({@code $1}, {@code $2}, …), in order; empty when it takes none
 * @param columns the result columns; empty for a statement that returns no rows (a command, or a {@code COPY}, which
 *     the protocol describes as returning no data)
 */
public record StatementDescription(List<SqlType> parameterTypes, List<Column> columns) {
    public StatementDescription {
        parameterTypes = List.copyOf(parameterTypes);
        columns = List.copyOf(columns);
    }

    /** A statement without parameters and without result rows (a {@code SET}, a {@code BEGIN}, …). */
    public static StatementDescription none() {
        return new StatementDescription(List.of(), List.of());
    }
}
