package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;

/** A tenant SQL statement that failed, with the PostgreSQL SQLSTATE the wire protocol reports. */
public final class SqlStatementException extends TidemarkException {
    private static final long serialVersionUID = 1L;

    /** {@code query_canceled}: cancelled, or past its statement timeout. */
    public static final String QUERY_CANCELED = "57014";
    /** {@code insufficient_privilege}. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** {@code internal_error}: the engine gave no SQLSTATE. */
    public static final String INTERNAL_ERROR = "XX000";

    private final String sqlState;

    public SqlStatementException(String sqlState, String message, Throwable cause) {
        super(QUERY_CANCELED.equals(sqlState) ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INVALID_QUERY, message, cause);
        this.sqlState = sqlState;
    }

    /** The five-character SQLSTATE. */
    public String sqlState() {
        return sqlState;
    }
}
