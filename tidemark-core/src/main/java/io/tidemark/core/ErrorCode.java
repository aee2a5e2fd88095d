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
    INVALID_QUERY,
    MEMORY_BUDGET_EXCEEDED
}
