package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.List;

/**
 * Re-aggregates consecutive buckets of a rollup in one statement: the rows of the target in
 * {@code [boundaries[0], boundaries[n])} are replaced by the GROUP BY of the source over the same range.
 *
 * @param boundaries the bucket boundaries in increasing order; n + 1 boundaries make n buckets
 * @param expectedWatermark the watermark the caller read; if the stored one differs when the statement would run,
 *     nothing is written and {@link AggregateResult#applied()} is false (another orchestrator got there first)
 */
public record AggregateRequest(RollupId id, RollupPlan plan, List<Instant> boundaries, Instant expectedWatermark) {
    public AggregateRequest {
        boundaries = List.copyOf(boundaries);
        if (boundaries.size() < 2) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "an aggregate request needs at least one bucket");
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
}
