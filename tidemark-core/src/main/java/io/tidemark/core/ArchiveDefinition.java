package io.tidemark.core;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An archive's schema: its name and typed columns, besides the implicit {@code rtId} and {@code timestamp}. For a
 * rollup archive, {@link #rollup()} is its definition and {@link #columns()} are the stored columns (partials).
 */
public record ArchiveDefinition(String name, List<Column> columns, RollupDefinition rollup) {
    public ArchiveDefinition {
        Names.require("archive", name);
        columns = List.copyOf(columns);
        Set<String> seen = new HashSet<>();
        for (Column c : columns) {
            if (!seen.add(c.name())) {
                throw new TidemarkException(ErrorCode.DUPLICATE_COLUMN,
                        "archive '" + name + "' declares column '" + c.name() + "' twice");
            }
        }
    }

    /** A raw archive with user-declared columns. */
    public static ArchiveDefinition raw(String name, List<Column> columns) {
        Objects.requireNonNull(columns, "columns");
        if (columns.isEmpty()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "archive '" + name + "' needs at least one column besides rtId and timestamp");
        }
        return new ArchiveDefinition(name, columns, null);
    }

    public boolean isRollup() {
        return rollup != null;
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    /** The column, or {@link ErrorCode#UNKNOWN_COLUMN} naming the archive and the columns it has. */
    public Column requireColumn(String columnName) {
        return column(columnName).orElseThrow(() -> new TidemarkException(ErrorCode.UNKNOWN_COLUMN,
                "archive '" + name + "' has no column '" + columnName + "'; its columns are "
                        + columns.stream().map(Column::name).toList()));
    }
}
