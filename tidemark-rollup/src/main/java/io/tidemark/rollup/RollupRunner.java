package io.tidemark.rollup;

import io.tidemark.core.Bucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.AggregateResult;
import io.tidemark.store.RecomputeRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupStore;
import io.tidemark.store.StaleRange;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The advance loop of one rollup, as documented on {@link RollupOrchestrator}. Throws whatever the store (or the
 * listener) throws; the caller records the failure. Tells the {@link RollupListener} of each committed statement
 * after its rows commit and before the watermark moves. Stateless apart from its collaborators, so thread-safe.
 */
final class RollupRunner {
    /**
     * The lower bound when searching for a rollup's oldest source row: before any accepted sample timestamp, and
     * before the start of any calendar bucket holding one.
     */
    static final Instant EARLIEST = Instant.parse("1800-01-01T00:00:00Z");

    private final RollupStore runtime;
    private final Clock clock;
    private final OrchestratorConfig config;
    private final RollupMetrics metrics;
    private final RollupListener listener;

    RollupRunner(RollupStore runtime, Clock clock, OrchestratorConfig config, RollupMetrics metrics,
            RollupListener listener) {
        this.runtime = runtime;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
        this.listener = listener;
    }

    /**
     * Re-aggregates the rollup's stale ranges, oldest first, in statements of at most
     * {@code maxBucketsPerStatement} buckets, until none is left or the per-tick budget is spent; each statement is
     * one transaction that also consumes its part of the record and marks the dependants. Never moves the
     * watermark. Re-reads the record before each statement, so ranges recorded meanwhile are picked up in order.
     *
     * @return what is left of the budget for the forward path
     */
    int recompute(RollupInfo info, Progress p) {
        RollupPlan plan = info.plan();
        RollupId id = info.state().id();
        Bucket bucket = plan.definition().bucket();
        int remaining = config.maxBucketsPerTick();
        List<StaleRange> ranges = info.state().staleRanges() == 0 ? List.of() : runtime.staleRanges(id);
        while (!ranges.isEmpty() && remaining > 0) {
            StaleRange oldest = ranges.get(0);
            int max = Math.min(config.maxBucketsPerStatement(), remaining);
            List<Instant> boundaries = bucket.boundaries(oldest.from(), oldest.to(), max);
            long started = metrics.monotonicNanos();
            long rows = runtime.recompute(new RecomputeRequest(id, plan, boundaries));
            long nanos = metrics.monotonicNanos() - started;
            int count = boundaries.size() - 1;
            listener.committed(new RollupCommit(id, plan, boundaries.get(0), boundaries.get(count), rows, true));
            p.recomputed(boundaries.get(0), boundaries.get(count), count, rows, nanos);
            metrics.statement(id.name(), nanos);
            metrics.of(id.name()).recomputedBuckets().increment(count);
            remaining -= count;
            ranges = runtime.staleRanges(id);
        }
        if (p.staleStatements > 0) {
            metrics.stale(id.name(), ranges);
            runtime.recordSuccess(id, clock.instant());
        }
        return remaining;
    }

    /** Commits the due buckets of an eligible rollup, up to {@code budget} buckets, recording them in {@code p}. */
    void advance(RollupInfo info, Progress p, int budget) {
        RollupPlan plan = info.plan();
        RollupId id = info.state().id();
        Bucket bucket = plan.definition().bucket();
        Instant limit = dueLimit(info);
        if (limit == null) {
            return;
        }
        Instant stored = info.state().watermark();
        Instant cursor = stored != null ? stored : start(id, plan, limit);
        int remaining = budget;
        while (cursor != null && cursor.isBefore(limit) && remaining > 0) {
            Optional<Instant> next = runtime.firstSourceTimestamp(id, plan, cursor, limit);
            if (next.isEmpty()) {
                jump(id, plan, stored, limit);
                return;
            }
            int max = Math.min(config.maxBucketsPerStatement(), remaining);
            List<Instant> boundaries = bucket.boundaries(bucket.floor(next.get()), limit, max);
            AggregateResult result = aggregate(new AggregateRequest(id, plan, boundaries, stored), p);
            Instant end = boundaries.get(boundaries.size() - 1);
            if (result.applied()) {
                // Rows committed, watermark not moved yet: the order RollupListener documents.
                listener.committed(new RollupCommit(id, plan, boundaries.get(0), end, result.rows(), false));
            }
            // the compare-and-set also records the success: the buckets are committed once it returns true
            if (!result.applied() || !runtime.compareAndSetWatermark(id, stored, end, clock.instant())) {
                return; // another orchestrator moved the watermark first
            }
            int count = boundaries.size() - 1;
            p.committed(boundaries.get(0), end, count, result.rows());
            metrics.watermark(id.name(), end);
            metrics.of(id.name()).buckets().increment(count);
            metrics.of(id.name()).rows().increment(result.rows());
            remaining -= count;
            stored = end;
            cursor = end;
        }
    }

    /**
     * The end of the last due bucket: {@code floor(now − lag)}, and for a rollup of a rollup no later than the
     * floor of the source's watermark; null when nothing can be due because the source has no watermark.
     */
    Instant dueLimit(RollupInfo info) {
        RollupDefinition def = info.plan().definition();
        Bucket bucket = def.bucket();
        Instant limit = bucket.floor(clock.instant().minus(def.watermarkLag()));
        if (!info.plan().source().isRollup()) {
            return limit;
        }
        RollupId sourceId = new RollupId(info.state().id().tenant(), def.source());
        Instant sourceWatermark = runtime.rollup(sourceId).state().watermark();
        if (sourceWatermark == null) {
            return null;
        }
        Instant bySource = bucket.floor(sourceWatermark);
        return bySource.isBefore(limit) ? bySource : limit;
    }

    /** Where a rollup without a watermark starts: its {@code startAt}, else its oldest source row; null if none. */
    private Instant start(RollupId id, RollupPlan plan, Instant limit) {
        Bucket bucket = plan.definition().bucket();
        Instant startAt = plan.definition().startAt();
        if (startAt != null) {
            return bucket.floor(startAt);
        }
        return runtime.firstSourceTimestamp(id, plan, EARLIEST, limit).map(bucket::floor).orElse(null);
    }

    /**
     * No source rows below the limit: the watermark jumps there without an aggregate statement. The store checks
     * the stretch is still empty under the lock ingest honours, so a sample written meanwhile is never jumped over.
     */
    private void jump(RollupId id, RollupPlan plan, Instant stored, Instant limit) {
        if (!runtime.advanceOverEmpty(id, plan, stored, limit)) {
            return;
        }
        metrics.watermark(id.name(), limit);
        runtime.recordSuccess(id, clock.instant());
    }

    private AggregateResult aggregate(AggregateRequest request, Progress p) {
        long started = metrics.monotonicNanos();
        try {
            return runtime.aggregate(request);
        } finally {
            long nanos = metrics.monotonicNanos() - started;
            metrics.statement(request.id().name(), nanos);
            p.statement(nanos);
        }
    }
}
