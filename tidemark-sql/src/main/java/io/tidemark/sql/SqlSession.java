package io.tidemark.sql;

import java.util.List;

/**
 * One authenticated client connection's view of SQL: it splits, describes and executes statement texts. The wire layer
 * passes the client's text through unchanged; what is allowed (including harmless {@code SET}, {@code SHOW},
 * {@code BEGIN}/{@code COMMIT}/{@code ROLLBACK}, and {@code COPY (SELECT …) TO STDOUT}) is the session's business.
 *
 * <p>Lifecycle: made by {@link SqlBackend#open(Login)}, closed once by the connection that owns it when the client
 * disconnects. Threading: every method except {@link #cancel()} is called by the owning connection's thread only, one
 * call at a time; {@link #cancel()} is called from another thread. The transaction state the client sees follows the
 * command tags: {@code BEGIN} opens a transaction block, {@code COMMIT} and {@code ROLLBACK} end it.
 */
public interface SqlSession extends AutoCloseable {

    /**
     * Splits a simple-protocol query string (which may hold several statements separated by semicolons) into the
     * statements to run one after the other. The default returns the text as one statement.
     */
    default List<String> split(String query) throws SqlException {
        return List.of(query);
    }

    /**
     * Describes one statement without running it; called when the client prepares it (the protocol's Parse). Errors
     * in the statement (syntax, unknown table, refused construct) are reported here.
     *
     * @param sql the statement text, never {@code null}
     * @param parameterTypeOids the parameter type OIDs the client declared, one per declared parameter, 0 where the
     *     client left the type open; may be shorter than the statement's parameter list
     */
    StatementDescription describe(String sql, List<Integer> parameterTypeOids) throws SqlException;

    /**
     * Executes one statement. Rows are not read here: the result's cursor is pulled as the client takes them.
     *
     * @param sql the statement text, as given to {@link #describe}; never {@code null}
     * @param parameters one value per parameter, in order, in the format the client sent
     * @throws SqlException with the SQLSTATE the client should see; {@link SqlState#QUERY_CANCELED} after a cancel
     */
    SqlResult execute(String sql, List<BindParameter> parameters) throws SqlException;

    /**
     * Asks the running statement, if any, to stop: its {@link #execute} or {@link RowCursor#next()} then fails with
     * {@link SqlState#QUERY_CANCELED} as soon as it can. Called from another thread (a CancelRequest arrives on its own
     * connection); must not block and must not throw. A cancel while nothing runs is ignored.
     */
    void cancel();

    /** Releases the session; called once when the connection ends, after every cursor is closed. Must not throw. */
    @Override
    void close();
}
