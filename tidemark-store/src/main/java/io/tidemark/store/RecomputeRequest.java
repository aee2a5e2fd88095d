package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.List;

/**
 * Re-aggregates stale buckets of a rollup below its watermark: see {@link RollupStore#recompute}.
 *
 * @param boundaries the bucket boundaries in increasing order; n + 1 boundaries make n buckets
 */
public record RecomputeRequest(RollupId id, RollupPlan plan, List<Instant> boundaries) {
    public RecomputeRequest {
        boundaries = List.copyOf(boundaries);
        if (boundaries.size() < 2) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "a recompute request needs at least one bucket");
        }
    }

    public Instant from() {
        return boundaries.get(0);
    }

    public Instant to() {
        return boundaries.get(boundaries.size() - 1);
    }

    public int bucketCount() {
        return boundaries.size() - 1;
    }

    /** The same buckets with another plan (tests use it to make the statement fail inside its transaction). */
    public RecomputeRequest withPlan(RollupPlan other) {
        return new RecomputeRequest(id, other, boundaries);
    }
}
