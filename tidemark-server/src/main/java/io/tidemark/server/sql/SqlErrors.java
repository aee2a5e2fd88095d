package io.tidemark.server.sql;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.guard.GuardException;
import io.tidemark.store.SqlStatementException;

/** Turns what the guard, the store and the live engine throw into the {@link SqlException} a client sees. */
final class SqlErrors {
    static final String QUERY_CANCELED = SqlState.QUERY_CANCELED;
    /** {@code 53400} configuration_limit_exceeded: the tenant already runs its most statements at once. */
    static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    /** {@code 57P03} cannot_connect_now: the store does not answer. */
    static final String CANNOT_CONNECT_NOW = "57P03";
    /** {@code 42703} undefined_column. */
    static final String UNDEFINED_COLUMN = "42703";

    private SqlErrors() {}

    static SqlException of(GuardException e) {
        return new SqlException(e.sqlState(), e.getMessage(), null, null, e.position(), null);
    }

    /**
     * @param timeout the statement timeout, named in the message when it fired
     */
    static SqlException of(SqlStatementException e, boolean timedOut, java.time.Duration timeout) {
        if (QUERY_CANCELED.equals(e.sqlState()) || timedOut) {
            return cancelled(timedOut, timeout, e);
        }
        return new SqlException(e.sqlState(), e.getMessage(), e);
    }

    static SqlException cancelled(boolean timedOut, java.time.Duration timeout, Throwable cause) {
        return timedOut
                ? new SqlException(QUERY_CANCELED, "canceling statement due to statement timeout (sql.statement-timeout "
                        + timeout + ")", null, "narrow the query, or ask the operator to raise sql.statement-timeout",
                        0, cause)
                : new SqlException(QUERY_CANCELED, "canceling statement due to user request", cause);
    }

    /** A live-engine error on a {@code latest.} / {@code recent.} query. */
    static SqlException ofLive(TidemarkException e) {
        String state = switch (e.code()) {
            case NOT_FOUND -> SqlState.UNDEFINED_TABLE;
            case UNKNOWN_COLUMN -> UNDEFINED_COLUMN;
            case INVALID_QUERY -> SqlState.FEATURE_NOT_SUPPORTED;
            default -> SqlState.INTERNAL_ERROR;
        };
        return new SqlException(state, e.getMessage() + " (live tables answer the live SQL subset: "
                + "docs/live-queries.md)", e);
    }

    /** A store failure outside a statement (the archive list): unavailable, or internal. */
    static SqlException ofStore(TidemarkException e) {
        if (e.code() == ErrorCode.STORE_UNAVAILABLE) {
            return new SqlException(CANNOT_CONNECT_NOW, "the store is unavailable; retry shortly", e);
        }
        return new SqlException(SqlState.INTERNAL_ERROR, "internal error reading the catalog; the server log has the "
                + "details", e);
    }
}
