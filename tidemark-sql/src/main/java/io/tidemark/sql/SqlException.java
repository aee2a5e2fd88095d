package io.tidemark.sql;

import java.util.Objects;

/**
 * An error the client sees as an ErrorResponse: a SQLSTATE (see {@link SqlState}), a message that says what was wrong
 * and what to do, and optionally a detail, a hint and a 1-based character position in the statement text.
 *
 * <p>The message reaches the client verbatim: it must not reveal anything outside the caller's tenant.
 */
public final class SqlException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String sqlState;
    private final String detail;
    private final String hint;
    private final int position;

    /** An error with a SQLSTATE and a message. */
    public SqlException(String sqlState, String message) {
        this(sqlState, message, null, null, 0, null);
    }

    /** An error with a SQLSTATE, a message and its cause (logged by the server, never sent to the client). */
    public SqlException(String sqlState, String message, Throwable cause) {
        this(sqlState, message, null, null, 0, cause);
    }

    /**
     * The full form.
     *
     * @param detail a second line of explanation, or {@code null}
     * @param hint what to do about it, or {@code null}
     * @param position 1-based character position in the statement the error refers to, or 0 for none
     */
    public SqlException(String sqlState, String message, String detail, String hint, int position, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        Objects.requireNonNull(sqlState, "sqlState");
        if (sqlState.length() != 5) {
            throw new IllegalArgumentException("a SQLSTATE has five characters: " + sqlState);
        }
        this.sqlState = sqlState;
        this.detail = detail;
        this.hint = hint;
        this.position = Math.max(0, position);
    }

    /** The five-character SQLSTATE. */
    public String sqlState() {
        return sqlState;
    }

    /** The detail, or {@code null}. */
    public String detail() {
        return detail;
    }

    /** The hint, or {@code null}. */
    public String hint() {
        return hint;
    }

    /** The 1-based position in the statement text, or 0 when there is none. */
    public int position() {
        return position;
    }
}
