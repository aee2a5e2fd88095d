package io.tidemark.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One log record the store did not write, recorded in {@code "<tenant>"."_log_rejects"} in the transaction that moved
 * the tenant's {@link LogPosition} past it, with a {@link AuditKind#LOG_REJECTED} audit entry.
 *
 * @param offset the record's offset in its partition
 * @param archive the archive the record was for
 * @param samples how many samples it held (0 when unknown)
 * @param from its oldest sample's timestamp, or null when unknown
 * @param to its newest sample's timestamp, or null when unknown
 * @param detail a sentence for operators (what the store found), never null
 */
public record LogRejection(long offset, String archive, LogRejectReason reason, int samples, Instant from, Instant to,
        String detail) {
    public LogRejection {
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
    }
}
