package io.tidemark.server.sql;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.sql.Login;
import io.tidemark.sql.SqlBackend;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import io.tidemark.store.TokenInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs SQL clients in with a Tidemark token as the password: any role (SQL only reads), the session's tenant is the
 * token's. The user name may be empty, the tenant's name or the token's name; any other name is refused like a wrong
 * token, with the same SQLSTATE (28P01) and message, so a client learns nothing about which was wrong. The database
 * name is not checked (tools insist on one; any name reaches the token's tenant).
 */
final class TokenSqlBackend implements SqlBackend {
    private static final Logger LOG = LoggerFactory.getLogger(TokenSqlBackend.class);

    private final Authenticator authenticator;
    private final SqlContext context;

    TokenSqlBackend(Authenticator authenticator, SqlContext context) {
        this.authenticator = authenticator;
        this.context = context;
    }

    @Override
    public SqlSession open(Login login) throws SqlException {
        TokenInfo token;
        try {
            token = authenticator.secret(login.password().trim());
        } catch (TidemarkException e) {
            if (e.code() == ErrorCode.UNAUTHENTICATED) {
                throw refused(login);
            }
            throw SqlErrors.ofStore(e);
        }
        String user = login.user();
        if (!user.isEmpty() && !user.equals(token.tenant().value()) && !user.equals(token.name())) {
            LOG.atInfo().addKeyValue("tenant", token.tenant().value()).addKeyValue("token_id", token.id())
                    .log("SQL login refused: the user name is neither the token's tenant nor its name");
            throw refused(login);
        }
        LOG.atDebug().addKeyValue("tenant", token.tenant().value()).addKeyValue("token_id", token.id())
                .addKeyValue("application_name", login.applicationName()).log("SQL session opened");
        return new TenantSqlSession(context, token.tenant(), user.isEmpty() ? token.tenant().value() : user,
                login.applicationName());
    }

    private static SqlException refused(Login login) {
        return new SqlException(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + login.user()
                + "\"", null, "the password is a Tidemark token (tmk_…) and the user the token's tenant", 0, null);
    }
}
