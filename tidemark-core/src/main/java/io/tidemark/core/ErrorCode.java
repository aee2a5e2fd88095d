package io.tidemark.core;

/**
 * Stable error codes for errors a user can cause. The names are part of the public contract: they appear on
 * the wire and in logs, and are never renumbered or reused.
 */
public enum ErrorCode {
    INVALID_NAME,
    RESERVED_NAME,
    NOT_FOUND,
    ALREADY_EXISTS,
    UNKNOWN_SOURCE,
    ROLLUP_CYCLE,
    UNKNOWN_COLUMN,
    DUPLICATE_COLUMN,
    INVALID_AGGREGATION,
    INVALID_BUCKET,
    UNKNOWN_TIME_ZONE,
    INVALID_ARGUMENT,
    INVALID_STATE,
    INVALID_BATCH,
    INVALID_REWIND,
    IN_USE,
    STORE_ERROR,
    /**
     * The store cannot be reached, or a connection, lock or statement wait ran past its configured bound (HTTP 503
     * with {@code Retry-After}); nothing of the request was written. Retry later; the server recovers by itself.
     */
    STORE_UNAVAILABLE,
    /** A live query (SQL) or a GraphQL document that does not parse or does not validate. */
    INVALID_QUERY,
    MEMORY_BUDGET_EXCEEDED,
    /** No bearer token, or one that is unknown or revoked (HTTP 401). */
    UNAUTHENTICATED,
    /** The token's role does not allow the operation (HTTP 403). */
    FORBIDDEN,
    /** A request body over the configured size limit, in bytes or rows (HTTP 413). */
    TOO_LARGE,
    /** The server is shutting down or the store does not answer (HTTP 503); retry later. */
    UNAVAILABLE,
    /** A fault inside Tidemark, not the caller's; the server log has the details. */
    INTERNAL,
    /** A GraphQL operation over the configured depth, field-count or cost limit; refused before it runs. */
    QUERY_TOO_COMPLEX,
    /** A GraphQL response that would hold more rows than the configured bound; refused while it is built. */
    RESPONSE_TOO_LARGE,
    /**
     * Cluster mode: the ingest log (Kafka) did not acknowledge the batch within the configured produce timeout, or
     * refused it for want of in-sync replicas or a leader (HTTP 503 with {@code Retry-After}). The batch may or may
     * not be in the log; re-send it: a re-sent sample replaces itself.
     */
    LOG_UNAVAILABLE
}
