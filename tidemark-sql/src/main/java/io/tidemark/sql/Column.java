package io.tidemark.sql;

import java.util.Objects;

/**
 * One result column: its label as the client sees it and its type.
 *
 * @param name the column label, never {@code null}
 * @param type the column type, never {@code null}
 */
public record Column(String name, SqlType type) {
    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
