package io.tidemark.server.auth;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.util.Objects;

/**
 * Who is calling: the tenant and role of the presented token. Every operation of the server takes one and works
 * only inside its tenant.
 *
 * @param actor how the audit trail names the caller: the token's name and id
 */
public record Caller(TenantId tenant, Role role, String actor) {
    public Caller {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(actor, "actor");
    }

    /**
     * @param what the action, for the message ("ingest samples")
     * @throws TidemarkException {@code FORBIDDEN} when this caller's role is weaker than {@code required}
     */
    public void require(Role required, String what) {
        if (!role.includes(required)) {
            throw new TidemarkException(ErrorCode.FORBIDDEN, "a " + role.label() + " token may not " + what
                    + "; it needs a " + required.label() + " token");
        }
    }
}
