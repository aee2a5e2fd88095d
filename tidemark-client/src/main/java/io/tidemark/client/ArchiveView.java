package io.tidemark.client;

import java.util.Map;

/**
 * An archive as the server reports it.
 *
 * @param kind {@code RAW} or {@code ROLLUP}
 * @param columns the columns a reader sees, name → type, in order
 * @param maxLateness raw archives: samples older than now minus this are stored but make no rollup bucket stale;
 *     null for unlimited (and for rollup archives)
 * @param retention rows older than now minus this are deleted once no rollup needs them, and samples older than
 *     that are refused; null keeps rows forever
 */
public record ArchiveView(String name, String kind, String status, Map<String, String> columns,
        java.time.Duration maxLateness, java.time.Duration retention) {

    /** An archive kept forever. */
    public ArchiveView(String name, String kind, String status, Map<String, String> columns,
            java.time.Duration maxLateness) {
        this(name, kind, status, columns, maxLateness, null);
    }
}
