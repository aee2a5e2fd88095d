package io.tidemark.live;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.Objects;

/**
 * A query a client registers.
 *
 * @param queryId chosen by the client, unique within its subscription; 1 to 128 characters
 * @param sql the query text (see docs/live-queries.md for the subset)
 * @param type what the query delivers
 */
public record QueryConfig(String queryId, String sql, QueryType type) {
    public QueryConfig {
        Objects.requireNonNull(queryId, "queryId");
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(type, "type");
        if (queryId.isEmpty() || queryId.length() > 128) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "query id must have 1 to 128 characters, got " + queryId.length());
        }
    }

    /** A {@link QueryType#SNAPSHOT_AND_CONTINUOUS} query. */
    public static QueryConfig of(String queryId, String sql) {
        return new QueryConfig(queryId, sql, QueryType.SNAPSHOT_AND_CONTINUOUS);
    }
}
