package io.tidemark.store;

import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the append-only audit trail.
 *
 * @param id assigned by the store, increasing in append order; 0 before it is appended
 * @param subject the archive or rollup it concerns
 * @param actor who caused it: a user or token name, or {@code "orchestrator"}
 * @param message a human-readable sentence, including the error for failures and alerts
 */
public record AuditEntry(long id, TenantId tenant, Instant at, AuditKind kind, String subject, String actor,
        String message) {
    public AuditEntry {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(message, "message");
    }

    /** An entry to append; the store assigns the id. */
    public static AuditEntry of(TenantId tenant, Instant at, AuditKind kind, String subject, String actor,
            String message) {
        return new AuditEntry(0, tenant, at, kind, subject, actor, message);
    }
}
