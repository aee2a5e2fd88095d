package io.tidemark.client;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One result row: its key (identifies the row across updates) and its values in the schema's column order.
 * Values are {@code Double}, {@code Long}, {@code Boolean}, {@code String}, {@link java.time.Instant} (TIMESTAMP
 * columns) or null. Key values have the same types; a {@code timestamp} key is an {@code Instant}, another
 * timestamp-valued GROUP BY key arrives as its ISO-8601 string. Immutable.
 */
public record Tuple(List<Object> key, List<Object> values) {
    public Tuple {
        key = Collections.unmodifiableList(Objects.requireNonNull(key, "key"));
        values = Collections.unmodifiableList(Objects.requireNonNull(values, "values"));
    }

    /** The value of output column {@code i}. */
    public Object get(int i) {
        return values.get(i);
    }
}
