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
public interface RollupRuntime {

    /** Every rollup of the tenant with its plan and state, in creation order. */
    List<RollupInfo> rollups(TenantId tenant);

    /** The rollup, or {@code NOT_FOUND}. */
    RollupInfo rollup(RollupId id);

    /**
     * Sets the watermark to {@code next} only if the stored one equals {@code expected} (null matches null).
     *
     * @return whether it was set; false means another writer moved it first, which is not an error
     */
    boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next);

    /** Sets the watermark unconditionally (rewind). */
    void setWatermark(RollupId id, Instant watermark);

    /**
     * Records a failed statement: increments the failure counter and stores the error; when the counter reaches
     * {@code maxFailures}, sets the status to FAILED in the same update.
     *
     * @return the state after the update
     */
    RollupState recordFailure(RollupId id, String error, int maxFailures);

    /** Records a successful statement: resets the failure counter and sets {@code lastSuccessAt}. */
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
}
