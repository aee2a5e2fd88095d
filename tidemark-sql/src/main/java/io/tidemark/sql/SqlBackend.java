package io.tidemark.sql;

/**
 * What the wire server runs statements on: the server side plugs one in (Tidemark tokens, the guard, the store).
 *
 * <p>Threading: {@link #open(Login)} is called concurrently from the connection threads; implementations are
 * thread-safe. It may block (a token lookup); the connection's idle timeout does not run meanwhile.
 */
public interface SqlBackend {

    /**
     * Authenticates a login into a session.
     *
     * @return a new session, owned by the calling connection until it closes it
     * @throws SqlException {@link SqlState#INVALID_PASSWORD} (28P01) for a wrong, unknown or expired token, or
     *     {@link SqlState#INVALID_AUTHORIZATION_SPECIFICATION} (28000) for a user the token does not allow; the
     *     message reaches the client and must not say which of user and token was wrong
     */
    SqlSession open(Login login) throws SqlException;
}
