package io.tidemark.store;

import io.tidemark.core.RollupId;
import io.tidemark.core.RollupStatus;
import java.time.Instant;

/**
 * A rollup's runtime state as stored.
 *
 * @param watermark end (exclusive) of the last committed bucket; null before the first commit
 * @param lastError the last failure's message, or null
 * @param lastSuccessAt when a statement last succeeded, or null
 */
public record RollupState(RollupId id, RollupStatus status, boolean frozen, Instant watermark,
        int consecutiveFailures, String lastError, Instant lastSuccessAt) {}
