package io.tidemark.store;

import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * API tokens, stored by the SHA-256 of their secret. Thread-safe; every method blocks on store I/O.
 */
public interface TokenStore {

    /**
     * Stores a new token. {@code NOT_FOUND} for a tenant that does not exist; {@code ALREADY_EXISTS} when the id or
     * the hash is taken.
     */
    TokenInfo create(TokenGrant grant);

    /** Tokens of {@code tenant}, or of every tenant when null, revoked ones included, by creation time then id. */
    List<TokenInfo> list(TenantId tenant);

    /**
     * Revokes a token: from now on {@link #lookup} no longer finds it. Idempotent.
     *
     * @return the token after the update; {@code NOT_FOUND} for an unknown id
     */
    TokenInfo revoke(String id, Instant at);

    /** The valid (not revoked) token with this hash. */
    Optional<TokenInfo> lookup(String hash);
}
