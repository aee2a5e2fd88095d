package io.tidemark.server.auth;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.TokenInfo;
import io.tidemark.store.TokenStore;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Turns an {@code Authorization} header into a {@link Caller}. Every lookup goes to the store, so a revoked token
 * stops working with the next request. Thread-safe.
 */
public final class Authenticator {
    private static final String BEARER = "bearer ";
    private static final String TOKEN = "token ";
    private final TokenStore tokens;

    public Authenticator(TokenStore tokens) {
        this.tokens = tokens;
    }

    /**
     * @param authorization the header's value, or null
     * @throws TidemarkException {@code UNAUTHENTICATED} for a missing, malformed, unknown or revoked token; the
     *     message never says which, so it reveals nothing about tokens
     */
    public Caller authenticate(String authorization) {
        return caller(token(authorization));
    }

    /**
     * Like {@link #authenticate}, but the token may also come as {@code Authorization: Token tmk_…}, the scheme
     * InfluxDB clients and Telegraf send (the line-protocol endpoints).
     *
     * @throws TidemarkException {@code UNAUTHENTICATED} as {@link #authenticate}
     */
    public Caller authenticateTokenOrBearer(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, TOKEN, 0, TOKEN.length())) {
            return caller(secret(authorization.substring(TOKEN.length()).trim()));
        }
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "send a token as 'Authorization: Token tmk_…' "
                    + "(InfluxDB clients, Telegraf) or 'Authorization: Bearer tmk_…'; create one with "
                    + "./tidemark token create");
        }
        return authenticate(authorization);
    }

    /** The caller a valid token speaks for. */
    public static Caller caller(TokenInfo t) {
        return new Caller(t.tenant(), t.role(), t.name() + "/" + t.id());
    }

    /**
     * Like {@link #authenticate}, but the token itself, for connections that must be re-validated later (its id).
     *
     * @throws TidemarkException {@code UNAUTHENTICATED} as {@link #authenticate}
     */
    public TokenInfo token(String authorization) {
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED,
                    "send a token as 'Authorization: Bearer tmk_…'; create one with ./tidemark token create");
        }
        return secret(authorization.substring(BEARER.length()).trim());
    }

    /**
     * The token whose secret this is ({@code tmk_…}), for protocols that carry it without a header (the SQL
     * endpoint's password).
     *
     * @throws TidemarkException {@code UNAUTHENTICATED} for an empty, oversized, unknown or revoked secret
     */
    public TokenInfo secret(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 200) {
            throw invalid();
        }
        return tokens.lookup(Tokens.hash(secret)).orElseThrow(Authenticator::invalid);
    }

    /**
     * The ids of every token that is not revoked, of every tenant: one store query, for re-validating open
     * connections (a token revoked on another server sharing the store is missing here).
     *
     * @throws TidemarkException {@code STORE_ERROR} when the store does not answer
     */
    public Set<String> validTokenIds() {
        Set<String> out = new HashSet<>();
        for (TokenInfo t : tokens.list(null)) {
            if (!t.isRevoked()) {
                out.add(t.id());
            }
        }
        return out;
    }

    private static TidemarkException invalid() {
        return new TidemarkException(ErrorCode.UNAUTHENTICATED, "the bearer token is not valid (unknown or revoked)");
    }
}
