package io.tidemark.sql.guard;

/**
 * A statement the guard refuses, with the PostgreSQL SQLSTATE the wire layer reports and, for a syntax error, the
 * position in the text the client sent.
 */
public final class GuardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code syntax_error}: the text is not SQL the parser reads. */
    public static final String SYNTAX_ERROR = "42601";
    /** {@code insufficient_privilege}: a construct outside the read-only allow-list. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** {@code grouping_error}: a GROUP BY or ORDER BY item the engines cannot all answer alike (a lone parameter). */
    public static final String GROUPING_ERROR = "42803";
    /** {@code undefined_table}: a name that is not one of the tenant's tables (says nothing about other tenants). */
    public static final String UNDEFINED_TABLE = "42P01";
    /** {@code program_limit_exceeded}: the text is longer than {@link GuardLimits#maxLength()}. */
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    /** {@code statement_too_complex}: nesting or operators past {@link GuardLimits}. */
    public static final String STATEMENT_TOO_COMPLEX = "54001";
    /** {@code feature_not_supported}: valid and harmless, but not offered (e.g. {@code COPY … (FORMAT binary)}). */
    public static final String FEATURE_NOT_SUPPORTED = "0A000";

    private final String sqlState;
    private final int position;

    /**
     * @param position 1-based character index into the client's text, or 0 when there is none
     */
    public GuardException(String sqlState, String message, int position) {
        super(message);
        this.sqlState = sqlState;
        this.position = position;
    }

    public GuardException(String sqlState, String message) {
        this(sqlState, message, 0);
    }

    static GuardException refused(String message) {
        return new GuardException(INSUFFICIENT_PRIVILEGE, message);
    }

    static GuardException syntax(String message, int position) {
        return new GuardException(SYNTAX_ERROR, message, position);
    }

    /** The five-character PostgreSQL SQLSTATE. */
    public String sqlState() {
        return sqlState;
    }

    /** The 1-based character position in the client's text, or 0 when there is none. */
    public int position() {
        return position;
    }

    /** The same error at a position shifted by {@code offset} characters (a statement inside a longer text). */
    GuardException shifted(int offset) {
        return position == 0 || offset == 0 ? this : new GuardException(sqlState, getMessage(), position + offset);
    }
}
