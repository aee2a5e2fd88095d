package io.tidemark.server.auth;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.TokenGrant;
import io.tidemark.store.TokenInfo;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Token management through the API: an admin creates, lists and revokes the tokens of its own tenant. The role is
 * checked before any input. A new token's secret is returned once, by {@link #create}; listings never carry it.
 * Thread-safe.
 */
public final class TokenAdmin {
    private final Store store;
    private final Clock clock;
    private final Consumer<String> onRevoked;

    /**
     * @param onRevoked told the id of every token revoked here, after the store committed it (closes its live
     *     connections); must not block
     */
    public TokenAdmin(Store store, Clock clock, Consumer<String> onRevoked) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onRevoked = Objects.requireNonNull(onRevoked, "onRevoked");
    }

    /**
     * A new token for the caller's tenant.
     *
     * @param role {@code reader}, {@code writer} or {@code admin}
     * @param name a label for listings; the role's name when null
     */
    public Tokens.Issued create(Caller c, String role, String name) {
        c.require(Role.ADMIN, "create tokens");
        Role r = Role.parse(role);
        if (name != null && (name.isBlank() || name.length() > TokenGrant.MAX_NAME)) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "a token name needs 1 to " + TokenGrant.MAX_NAME
                    + " characters, got '" + name + "'");
        }
        return Tokens.issue(store, c.tenant(), r, name, clock.instant());
    }

    /** The caller's tenant's tokens, revoked ones included, oldest first; never their secrets. */
    public List<TokenInfo> list(Caller c) {
        c.require(Role.ADMIN, "list tokens");
        return store.tokens().list(c.tenant());
    }

    /**
     * Revokes a token of the caller's tenant: it stops working with the next request, and its live connections on
     * this server close now (on other servers within their re-validation interval). Idempotent.
     *
     * @throws TidemarkException {@code NOT_FOUND} for an unknown id or another tenant's token
     */
    public TokenInfo revoke(Caller c, String id) {
        c.require(Role.ADMIN, "revoke tokens");
        boolean own = id != null && store.tokens().list(c.tenant()).stream().anyMatch(t -> t.id().equals(id));
        if (!own) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "no token '" + id + "' in this tenant; list them with "
                    + "the tokens query");
        }
        TokenInfo t = store.tokens().revoke(id, clock.instant());
        onRevoked.accept(t.id());
        return t;
    }
}
