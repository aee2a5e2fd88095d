package io.tidemark.store;

import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * An API token as the store knows it: never the secret itself, only who it speaks for.
 *
 * @param id the token's public id, used to list and revoke it
 * @param name a label chosen by the operator ("ci", "grafana"); may repeat
 * @param revokedAt when it was revoked, or null while it is valid
 */
public record TokenInfo(String id, TenantId tenant, String name, Role role, Instant createdAt, Instant revokedAt) {
    public TokenInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }
}
