package io.tidemark.core;

import java.time.Instant;
import java.util.Map;

/**
 * One sample as a client sends it: the series id, the time, and values by column name. Columns left out are null.
 * Validation happens in {@link SampleBatch#validate}; this record only holds what it was given.
 */
public record Sample(String rtId, Instant timestamp, Map<String, Object> values) {
    public static Sample of(String rtId, Instant timestamp, Map<String, Object> values) {
        return new Sample(rtId, timestamp, values);
    }
}
