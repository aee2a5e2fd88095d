package io.tidemark.live;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One result row: its key and its column values in the query's output order ({@link QuerySchema#columns()}).
 * Values are {@code Double}, {@code Long}, {@code Boolean}, {@code String}, {@link java.time.Instant} (for
 * {@code TIMESTAMP} columns) or null. The key identifies the row across updates: {@code (timestamp, rtId)} for a
 * row query on {@code recent.*}, {@code (rtId)} on {@code latest.*}, the GROUP BY values for an aggregate query
 * ({@link QuerySchema#keyColumns()}).
 *
 * <p>Immutable; the lists are unmodifiable and may contain nulls.
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
