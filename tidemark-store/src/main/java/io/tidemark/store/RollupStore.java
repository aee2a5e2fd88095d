package io.tidemark.store;

import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Rollup runtime state and the statements that fill rollup archives. The orchestrator talks to the store only
 * through this interface; rows never travel through the JVM.
 */
public interface RollupStore {

    /** Every rollup of the tenant with its plan and state, in creation order. */
    List<RollupInfo> rollups(TenantId tenant);

    /** The rollup, or {@code NOT_FOUND}. */
    RollupInfo rollup(RollupId id);

    /**
     * The rollup's runtime state alone, or {@code NOT_FOUND}: for callers that need its status or watermark but
     * not its plan, which a store derives from the definitions of the rollup and its source.
     */
    default RollupState state(RollupId id) {
        return rollup(id).state();
    }

    /**
     * Sets the watermark to {@code next} only if the stored one equals {@code expected} (null matches null).
     *
     * @return whether it was set; false means another writer moved it first, which is not an error
     */
    boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next);

    /**
     * {@link #compareAndSetWatermark(RollupId, Instant, Instant)} that, when it sets the watermark, also records a
     * success at {@code succeededAt} as {@link #recordSuccess} does, in the same update: publishing an aggregate
     * costs one transaction, not two. When it returns false nothing changed.
     *
     * <p>The default runs the two calls one after the other (two transactions), for a runtime that forwards to
     * another; a store implements it as one statement.
     *
     * @return whether it was set; false means another writer moved it first, which is not an error
     */
    default boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next, Instant succeededAt) {
        if (!compareAndSetWatermark(id, expected, next)) {
            return false;
        }
        recordSuccess(id, succeededAt);
        return true;
    }

    /**
     * Moves the watermark from {@code expected} to {@code next} over a stretch without source rows, without a
     * statement on the target: only if the stored watermark still equals {@code expected} and, under the same lock
     * an aggregate takes, no source row lies between the watermark (for a rollup without one: its {@code startAt},
     * or the beginning of time) and {@code next}. The check and the move are one transaction, so a sample written
     * concurrently is either seen (nothing moves) or sees the new watermark (and is late data).
     *
     * @return whether the watermark moved
     */
    boolean advanceOverEmpty(RollupId id, RollupPlan plan, Instant expected, Instant next);

    /** Sets the watermark unconditionally (rewind). */
    void setWatermark(RollupId id, Instant watermark);

    /**
     * Records a failed statement: increments the failure counter and stores the error; when the counter reaches
     * {@code maxFailures}, sets the status to FAILED in the same update.
     *
     * @return the state after the update
     */
    RollupState recordFailure(RollupId id, String error, int maxFailures);

    /**
     * Records a successful statement: resets the failure counter, clears {@code lastError}, sets
     * {@code lastSuccessAt}. A published aggregate records it with its compare-and-set
     * ({@link #compareAndSetWatermark(RollupId, Instant, Instant, Instant)}); recomputes and jumps over empty
     * stretches record it here.
     */
    void recordSuccess(RollupId id, Instant at);

    /** Sets the status; moving to ACTIVATED from FAILED also resets the failure counter and the last error. */
    void setStatus(RollupId id, RollupStatus status);

    void setFrozen(RollupId id, boolean frozen);

    /** The earliest source timestamp in {@code [from, to)}, to jump over empty stretches; empty if none. */
    Optional<Instant> firstSourceTimestamp(RollupId id, RollupPlan plan, Instant from, Instant to);

    /**
     * Replaces the target's buckets in the request's range with the GROUP BY of the source, in one transaction:
     * delete the range, then {@code INSERT … SELECT … GROUP BY bucket, rtId … ON CONFLICT (timestamp, rtId) DO
     * UPDATE}. Serialised per rollup with other aggregate requests, and applied only if the stored watermark still
     * equals {@link AggregateRequest#expectedWatermark()}. Does not move the watermark.
     */
    AggregateResult aggregate(AggregateRequest request);

    /** The rollup's pending stale ranges, oldest first ({@code from} ascending). */
    List<StaleRange> staleRanges(RollupId id);

    /**
     * Records the rollup's buckets covering {@code [from, to)} — {@code [floor(from), ceil(to))} — as a stale range
     * again, in one transaction, merged with its stored ranges as a late write's marks are (overlapping and adjacent
     * ranges coalesce, keeping the earliest recording time; the recording time is the store's clock). So the next
     * recompute re-aggregates those buckets and reports them to the orchestrator's listener again. For a
     * caller that committed the buckets but could not deliver them further, e.g. cluster mode's ROLLUP records after
     * a recompute had consumed the range.
     *
     * <p>As for late data, only the part below the rollup's protected watermark ({@code max(watermark,
     * pending_watermark)}) and from its first bucket ({@code startAt}) on is recorded: the forward path writes
     * everything above it anyway. A rollup without either watermark records nothing. {@code plan} is the rollup's
     * (its source names the rows the record is kept with).
     *
     * @throws io.tidemark.core.TidemarkException {@code NOT_FOUND} when the rollup does not exist (or {@code plan}
     *     is not its), {@code INVALID_ARGUMENT} when {@code from} is not before {@code to}
     */
    void markStale(RollupId id, RollupPlan plan, Instant from, Instant to);

    /**
     * Re-aggregates stale buckets, in ONE transaction, so a reader never sees a bucket half replaced: replaces the
     * target's rows in the request's range with the GROUP BY of the source (as {@link #aggregate} does), removes
     * exactly that range from the rollup's stale record (a range recorded concurrently outside it survives), and
     * marks the buckets of the rollup's own dependants that cover it stale, where they lie below their protected
     * watermark. Never moves a watermark; idempotent.
     *
     * @return rows written to the target
     */
    long recompute(RecomputeRequest request);
}
