package io.tidemark.core;

import java.util.Objects;

/** A typed column of an archive. */
public record Column(String name, ColumnType type) {
    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** A user-declared column: the name is validated and the type must not be TIMESTAMP. */
    public static Column of(String name, ColumnType type) {
        Names.requireColumn(name);
        if (type == ColumnType.TIMESTAMP) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "column '" + name + "': TIMESTAMP is not a column type; every archive has an implicit timestamp");
        }
        return new Column(name, type);
    }
}
