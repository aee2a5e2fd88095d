package io.tidemark.server.auth;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.TokenInfo;
import io.tidemark.store.TokenStore;
import java.util.Locale;

/**
 * Turns an {@code Authorization} header into a {@link Caller}. Every lookup goes to the store, so a revoked token
 * stops working with the next request. Thread-safe.
 */
public final class Authenticator {
    private static final String BEARER = "bearer ";
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
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED,
                    "send a token as 'Authorization: Bearer tmk_…'; create one with ./tidemark token create");
        }
        String secret = authorization.substring(BEARER.length()).trim();
        if (secret.isEmpty() || secret.length() > 200) {
            throw invalid();
        }
        TokenInfo t = tokens.lookup(Tokens.hash(secret)).orElseThrow(Authenticator::invalid);
        return new Caller(t.tenant(), t.role(), t.name() + "/" + t.id());
    }

    private static TidemarkException invalid() {
        return new TidemarkException(ErrorCode.UNAUTHENTICATED, "the bearer token is not valid (unknown or revoked)");
    }
}
