package io.tidemark.client;

import java.util.Map;

/**
 * An archive as the server reports it.
 *
 * @param kind {@code RAW} or {@code ROLLUP}
 * @param columns the columns a reader sees, name → type, in order
 */
public record ArchiveView(String name, String kind, String status, Map<String, String> columns) {}
