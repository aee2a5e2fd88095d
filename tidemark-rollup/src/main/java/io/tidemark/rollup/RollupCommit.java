package io.tidemark.rollup;

import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import java.time.Instant;
import java.util.Objects;

/**
 * What one committed rollup statement wrote, as {@link RollupListener#committed} hears it: the target rows of the
 * buckets {@code [from, to)} were replaced by the GROUP BY of the source.
 *
 * @param plan the rollup's plan as the statement ran it (its definition names the target archive)
 * @param from the start of the first bucket written
 * @param to the end of the last bucket written
 * @param rows the rows the statement wrote to the target
 * @param recompute true for a re-aggregation of stale buckets (late data), false for the forward path
 */
public record RollupCommit(RollupId id, RollupPlan plan, Instant from, Instant to, long rows, boolean recompute) {
    public RollupCommit {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
