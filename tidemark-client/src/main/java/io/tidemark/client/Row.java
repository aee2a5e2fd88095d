package io.tidemark.client;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One sample or stored row: the series id, the time (microsecond precision) and values by column name. Values
 * are {@code Double}, {@code Long}, {@code Boolean}, {@code String} or null.
 */
public record Row(String rtId, Instant timestamp, Map<String, Object> values) {
    public Row {
        Objects.requireNonNull(rtId, "rtId");
        Objects.requireNonNull(timestamp, "timestamp");
        values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    public static Row of(String rtId, Instant timestamp, Map<String, Object> values) {
        return new Row(rtId, timestamp, values);
    }
}
