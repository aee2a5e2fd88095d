package io.tidemark.client;

import java.util.Objects;

/**
 * A live query to register (docs/live-queries.md for the SQL subset).
 *
 * @param queryId chosen by the client, unique within its {@link Connection}; 1 to 128 characters
 */
public record QueryConfig(String queryId, String sql, QueryType type) {
    public QueryConfig {
        Objects.requireNonNull(queryId, "queryId");
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(type, "type");
        if (queryId.isEmpty() || queryId.length() > 128) {
            throw new IllegalArgumentException("query id must have 1 to 128 characters, got " + queryId.length());
        }
    }

    /** A {@link QueryType#SNAPSHOT_AND_CONTINUOUS} query. */
    public static QueryConfig of(String queryId, String sql) {
        return new QueryConfig(queryId, sql, QueryType.SNAPSHOT_AND_CONTINUOUS);
    }
}
