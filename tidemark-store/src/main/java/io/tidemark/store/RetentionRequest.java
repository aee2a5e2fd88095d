package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One bounded retention delete ({@link ArchiveStore#deleteExpired}): the oldest rows of an archive below
 * {@code before}, at most {@code maxSpan} of time from the oldest row on, in one statement.
 *
 * @param before rows with {@code timestamp < before} may go; the store lowers it to what the archive's rollups still
 *     need
 * @param maxSpan the widest time range one statement deletes, so a large backlog is deleted in many small
 *     transactions, never one giant one
 */
public record RetentionRequest(TenantId tenant, String archive, Instant before, Duration maxSpan) {
    public RetentionRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(maxSpan, "maxSpan");
        if (maxSpan.isNegative() || maxSpan.isZero()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "a retention delete needs a positive span, got "
                    + maxSpan);
        }
    }
}
