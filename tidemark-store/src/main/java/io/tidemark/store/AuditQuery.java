package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A page of the audit trail, newest first.
 *
 * @param subject only entries about this archive or rollup; null for all
 * @param kinds only these kinds; empty for all
 * @param from only entries at or after this time; null for no bound
 * @param to only entries before this time; null for no bound
 * @param beforeId only entries with a smaller id (the last id of the previous page); 0 for the first page
 * @param limit page size, 1 to 1000
 */
public record AuditQuery(TenantId tenant, String subject, Set<AuditKind> kinds, Instant from, Instant to,
        long beforeId, int limit) {
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        Objects.requireNonNull(tenant, "tenant");
        kinds = kinds == null ? Set.of() : Set.copyOf(kinds);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "audit page size must be 1.." + MAX_LIMIT + ", got " + limit);
        }
    }

    /** The newest {@code limit} entries of the tenant. */
    public static AuditQuery latest(TenantId tenant, int limit) {
        return new AuditQuery(tenant, null, Set.of(), null, null, 0, limit);
    }

    public AuditQuery withSubject(String s) {
        return new AuditQuery(tenant, s, kinds, from, to, beforeId, limit);
    }

    public AuditQuery withKinds(Set<AuditKind> k) {
        return new AuditQuery(tenant, subject, k, from, to, beforeId, limit);
    }

    public AuditQuery withRange(Instant f, Instant t) {
        return new AuditQuery(tenant, subject, kinds, f, t, beforeId, limit);
    }

    /** The next page after one whose last entry had {@code lastId}. */
    public AuditQuery after(long lastId) {
        return new AuditQuery(tenant, subject, kinds, from, to, lastId, limit);
    }
}
