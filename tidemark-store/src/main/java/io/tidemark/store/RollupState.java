package io.tidemark.store;

import io.tidemark.core.RollupId;
import io.tidemark.core.RollupStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * A rollup's runtime state as stored.
 *
 * @param watermark end (exclusive) of the last committed bucket; null before the first commit
 * @param lastError the last failure's message, or null
 * @param lastSuccessAt when a statement last succeeded, or null
 * @param staleRanges how many {@link StaleRange stale ranges} wait to be re-aggregated
 * @param staleSince when the oldest pending stale range was first recorded; null when none is pending
 */
public record RollupState(RollupId id, RollupStatus status, boolean frozen, Instant watermark,
        int consecutiveFailures, String lastError, Instant lastSuccessAt, int staleRanges, Instant staleSince) {

    /** A state with no stale ranges pending. */
    public RollupState(RollupId id, RollupStatus status, boolean frozen, Instant watermark, int consecutiveFailures,
            String lastError, Instant lastSuccessAt) {
        this(id, status, frozen, watermark, consecutiveFailures, lastError, lastSuccessAt, 0, null);
    }

    /** The age of the oldest pending stale range at {@code now}; {@link Duration#ZERO} when none is pending. */
    public Duration staleAge(Instant now) {
        return staleSince == null ? Duration.ZERO : Duration.between(staleSince, now);
    }
}
