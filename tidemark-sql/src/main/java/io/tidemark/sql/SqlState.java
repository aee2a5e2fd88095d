package io.tidemark.sql;

/** The PostgreSQL SQLSTATE codes the SQL endpoint reports (see PostgreSQL's "Appendix A. Error Codes"). */
public final class SqlState {
    /** {@code 08P01} protocol_violation: a malformed or oversized message. */
    public static final String PROTOCOL_VIOLATION = "08P01";
    /** {@code 0A000} feature_not_supported. */
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    /** {@code 22P02} invalid_text_representation: a bind parameter that does not parse. */
    public static final String INVALID_TEXT_REPRESENTATION = "22P02";
    /** {@code 22P03} invalid_binary_representation. */
    public static final String INVALID_BINARY_REPRESENTATION = "22P03";
    /** {@code 22007} invalid_datetime_format. */
    public static final String INVALID_DATETIME_FORMAT = "22007";
    /** {@code 25P02} in_failed_sql_transaction: a statement after an error inside BEGIN … COMMIT. */
    public static final String IN_FAILED_SQL_TRANSACTION = "25P02";
    /** {@code 26000} invalid_sql_statement_name: an unknown prepared statement. */
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";
    /** {@code 28000} invalid_authorization_specification. */
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    /** {@code 28P01} invalid_password: the token is unknown, expired or revoked. */
    public static final String INVALID_PASSWORD = "28P01";
    /** {@code 34000} invalid_cursor_name: an unknown portal. */
    public static final String INVALID_CURSOR_NAME = "34000";
    /** {@code 42601} syntax_error. */
    public static final String SYNTAX_ERROR = "42601";
    /** {@code 42804} datatype_mismatch: a value whose type is not the one its column was described with. */
    public static final String DATATYPE_MISMATCH = "42804";
    /** {@code 42501} insufficient_privilege: a construct the endpoint refuses. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** {@code 42P01} undefined_table. */
    public static final String UNDEFINED_TABLE = "42P01";
    /** {@code 42P03} duplicate_cursor: a named portal that already exists. */
    public static final String DUPLICATE_CURSOR = "42P03";
    /** {@code 42P05} duplicate_prepared_statement. */
    public static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    /** {@code 53300} too_many_connections. */
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** {@code 54000} program_limit_exceeded: a result or statement over a configured bound. */
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    /** {@code 57014} query_canceled: by a CancelRequest or a statement timeout. */
    public static final String QUERY_CANCELED = "57014";
    /** {@code 57P01} admin_shutdown: the server is stopping. */
    public static final String ADMIN_SHUTDOWN = "57P01";
    /** {@code 57P05} idle_session_timeout. */
    public static final String IDLE_SESSION_TIMEOUT = "57P05";
    /** {@code XX000} internal_error. */
    public static final String INTERNAL_ERROR = "XX000";

    private SqlState() {
    }
}
