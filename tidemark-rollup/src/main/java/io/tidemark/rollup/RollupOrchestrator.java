package io.tidemark.rollup;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.RollupId;
import io.tidemark.core.TenantId;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Keeps the rollups of one tenant complete and correct, driven by their watermarks (SPEC §2). Create one per
 * tenant with {@link #builder(Store, TenantId)}.
 *
 * <h2>Algorithm, per rollup</h2>
 * <ol>
 *   <li>Skip it unless its status is {@code ACTIVATED} and it is not frozen ({@code CREATED}, {@code DISABLED},
 *       {@code FAILED} and frozen rollups do not move).</li>
 *   <li>{@code limit = bucket.floor(now − watermarkLag)}; when the source is a rollup also
 *       {@code min(limit, bucket.floor(source watermark))}, and nothing is due while the source has no watermark.
 *       A bucket is due when it ends at or before {@code limit}.</li>
 *   <li><b>Late data first.</b> The rollup's stale ranges (recorded by the store when samples, or a source
 *       rollup's recompute, landed below its protected watermark) are re-aggregated oldest first, at most
 *       {@code maxBucketsPerStatement} buckets per statement, out of the same per-tick budget. Each statement is one
 *       transaction that replaces the buckets' rows, consumes exactly that span of the record and marks the
 *       rollup's dependants stale where they cover it; as rollups run in dependency order, a stale hour is
 *       recomputed before its day in the same tick. It never moves a watermark. One {@code LATE_REAGGREGATION}
 *       audit entry per rollup per tick that recomputed.</li>
 *   <li>With no watermark yet, start at {@code bucket.floor(startAt)} when set, else at the bucket of the oldest
 *       source row below {@code limit}; no such row means nothing to do, and the watermark stays empty.</li>
 *   <li>While {@code watermark < limit} and the per-tick budget lasts: find the next source row at or after the
 *       watermark. None below {@code limit}: move the watermark straight to {@code limit}, which costs no aggregate
 *       statement and commits no bucket; the store re-checks the stretch is empty under the lock an ingest
 *       honours, so a sample written meanwhile is never jumped over. Otherwise aggregate the buckets from that row's bucket up to
 *       {@code limit}, at most {@code min(maxBucketsPerStatement, remaining budget)} of them, in one statement
 *       that replaces the target rows of those buckets; then, rows first and watermark last, compare-and-set the
 *       watermark from the value read to the end of the last bucket. Skipping the empty buckets between the
 *       watermark and the next source row is safe because the (bucket, rtId) groups of a source only ever grow:
 *       samples are replaced, never deleted one by one, so an empty source bucket never had target rows.</li>
 *   <li>A statement the store reports as not applied, or a compare-and-set that fails, means another orchestrator
 *       moved the watermark first: the rollup stops for this tick, quietly; it is not an error.</li>
 *   <li>Any exception leaves the watermark where it is, increments the stored failure counter and records a
 *       {@code ROLLUP_FAILURE} in the audit trail; when the counter reaches {@code maxFailures}, the rollup is
 *       {@code FAILED} and a {@code ROLLUP_FAILED_ALERT} with the error is recorded and logged. A crash between
 *       the rows and the watermark is repaired by the next tick, which re-aggregates the same buckets.</li>
 *   <li>A rollup that committed buckets gets one {@code ROLLUP_RUN} audit entry per tick (buckets, rows, range,
 *       statements and statement time), never one per bucket.</li>
 * </ol>
 *
 * <h2>Threading</h2>
 * Implementations are thread-safe. Two orchestrators for the same tenant, in one JVM or on two nodes sharing a
 * store, may run at the same time: watermarks only move by compare-and-set, so neither moves one backwards nor
 * skips or double-commits a bucket. Every method blocks on store I/O.
 */
public interface RollupOrchestrator {

    /** The actor recorded in the audit trail for what the orchestrator does on its own. */
    String ACTOR = "orchestrator";

    /** The tenant whose rollups this orchestrator keeps. */
    TenantId tenant();

    /**
     * Advances every {@code ACTIVATED}, non-frozen rollup of the tenant, in dependency order (a rollup after its
     * source rollup), so a chain raw → 1m → 1h → 1d can advance in one tick. Each rollup commits at most
     * {@link OrchestratorConfig#maxBucketsPerTick()} buckets. Never throws: failures are recorded per rollup, and
     * one failing rollup never stops the others.
     *
     * @return the number of buckets committed by all rollups
     */
    int tick();

    /**
     * Advances one rollup as {@link #tick()} would, with the same budget, e.g. right after a rewind. A failing
     * statement is recorded, not thrown.
     *
     * @return the number of buckets committed
     * @throws io.tidemark.core.TidemarkException {@code NOT_FOUND} if the tenant has no such rollup
     */
    int processRollup(RollupId id);

    /** {@link #rewindWatermark(RollupId, Instant, String)} with the actor {@value #ACTOR}. */
    default void rewindWatermark(RollupId id, Instant toBucketEnd) {
        rewindWatermark(id, toBucketEnd, ACTOR);
    }

    /**
     * Moves a rollup's watermark back so the next tick re-aggregates (replaces) every bucket from there on.
     * Destructive: the rows of the range are recomputed from the source as it is then.
     *
     * <p>{@code toBucketEnd} is truncated down to a bucket boundary ({@code bucket.floor}). The rewind is refused
     * when that is ahead of the current watermark, when the rollup has no watermark yet, and when it is before
     * the rollup's first bucket ({@code startAt}). The audit trail records a {@code ROLLUP_REWOUND} entry with the
     * actor, the old and the new watermark.
     *
     * <p><b>Dependants.</b> A rollup whose source is the rewound rollup was computed from rows that are about to be
     * replaced. Every dependant whose watermark lies past the new value, floored to the dependant's own bucket, is
     * rewound to that boundary too, and so on down the chain, each with its own {@code ROLLUP_REWOUND} entry naming
     * the cause. The source is rewound before its dependants, so a concurrent tick can never re-aggregate a
     * dependant from the source's old rows (a dependant cannot pass its source's watermark). Dependants already at
     * or below that boundary are left alone: they will read the new rows when they get there.
     *
     * @param actor who asked for it, recorded in the audit trail
     * @throws io.tidemark.core.TidemarkException {@code INVALID_REWIND} when refused, {@code NOT_FOUND} for an
     *     unknown rollup
     */
    void rewindWatermark(RollupId id, Instant toBucketEnd, String actor);

    /** A builder for the orchestrator of {@code tenant} in {@code store}. */
    static Builder builder(Store store, TenantId tenant) {
        return new Builder(store, tenant);
    }

    /** Builds a {@link RollupOrchestrator}; every setting but the store and the tenant has a default. */
    final class Builder {
        private final Store store;
        private final TenantId tenant;
        private Clock clock = Clock.systemUTC();
        private OrchestratorConfig config = OrchestratorConfig.DEFAULT;
        private MeterRegistry meterRegistry;
        private RollupListener listener = RollupListener.NONE;

        private Builder(Store store, TenantId tenant) {
            this.store = Objects.requireNonNull(store, "store");
            this.tenant = Objects.requireNonNull(tenant, "tenant");
        }

        /** The time source for due buckets, lag and audit times; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Default {@link OrchestratorConfig#DEFAULT}. */
        public Builder config(OrchestratorConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /**
         * Where the metrics go; default a private {@link SimpleMeterRegistry}. Meters are keyed by tenant and rollup,
         * so give each registry one orchestrator per tenant: a second one would share the first one's lag gauge.
         */
        public Builder meterRegistry(MeterRegistry r) {
            this.meterRegistry = Objects.requireNonNull(r, "meterRegistry");
            return this;
        }

        /** Hears of every committed statement (see its thread and timing); default {@link RollupListener#NONE}. */
        public Builder listener(RollupListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        public RollupOrchestrator build() {
            MeterRegistry registry = meterRegistry != null ? meterRegistry : new SimpleMeterRegistry();
            return new TenantOrchestrator(store, tenant, clock, config, new RollupMetrics(registry, tenant, clock),
                    listener);
        }
    }
}
