package io.tidemark.client;

import java.util.Map;

/**
 * An archive as the server reports it.
 *
 * @param kind {@code RAW} or {@code ROLLUP}
 * @param columns the columns a reader sees, name → type, in order
 * @param maxLateness raw archives: samples older than now minus this are stored but make no rollup bucket stale;
 *     null for unlimited (and for rollup archives)
 */
public record ArchiveView(String name, String kind, String status, Map<String, String> columns,
        java.time.Duration maxLateness) {}
