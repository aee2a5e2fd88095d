package io.tidemark.rollup;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.AggregateResult;
import io.tidemark.store.RecomputeRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupStore;
import io.tidemark.store.RollupState;
import io.tidemark.store.StaleRange;
import io.tidemark.core.Aggregation;
import io.tidemark.core.RollupDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Delegates to a real {@link RollupStore}, counting statements, injecting faults and recording which buckets
 * were committed: a bucket is committed when a thread's applied aggregate is followed by that thread's successful
 * compare-and-set to the aggregate's end.
 */
final class InterceptingRollupStore implements RollupStore {
    private final RollupStore real;
    final AtomicInteger aggregateCalls = new AtomicInteger();
    /** Rollup name → its aggregate statements, failed ones included. */
    final Map<String, AtomicInteger> aggregatesByRollup = new ConcurrentHashMap<>();
    final AtomicInteger firstSourceCalls = new AtomicInteger();
    /** Rollup names whose aggregate statements throw. */
    final Set<String> failingAggregates = ConcurrentHashMap.newKeySet();
    /** Rollup name → how many of its next compare-and-sets throw (after the rows were written). */
    final Map<String, AtomicInteger> casFaults = new ConcurrentHashMap<>();
    /** Runs before every aggregate statement, on the calling thread. */
    volatile Consumer<AggregateRequest> beforeAggregate = r -> { };
    final AtomicInteger recomputeCalls = new AtomicInteger();
    /**
     * Rollup name → how many of its next recomputes fail inside their transaction: the statement runs against the
     * real store with a plan whose target has one column too many, so its DELETE has run when its INSERT fails.
     */
    final Map<String, AtomicInteger> recomputeFaults = new ConcurrentHashMap<>();
    /** "rollup@bucketStart" → how many times that bucket was committed. */
    final Map<String, Integer> committed = new ConcurrentHashMap<>();
    private final ThreadLocal<AggregateRequest> lastApplied = new ThreadLocal<>();

    InterceptingRollupStore(RollupStore real) {
        this.real = real;
    }

    int aggregatesOf(String rollup) {
        AtomicInteger n = aggregatesByRollup.get(rollup);
        return n == null ? 0 : n.get();
    }

    @Override
    public List<RollupInfo> rollups(TenantId tenant) {
        return real.rollups(tenant);
    }

    @Override
    public RollupInfo rollup(RollupId id) {
        return real.rollup(id);
    }

    @Override
    public boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next) {
        return compareAndSet(id, next, () -> real.compareAndSetWatermark(id, expected, next));
    }

    @Override
    public boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next, Instant succeededAt) {
        return compareAndSet(id, next, () -> real.compareAndSetWatermark(id, expected, next, succeededAt));
    }

    private boolean compareAndSet(RollupId id, Instant next, java.util.function.BooleanSupplier cas) {
        AtomicInteger faults = casFaults.get(id.name());
        if (faults != null && faults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new TidemarkException(ErrorCode.STORE_ERROR, "injected: connection lost before the watermark of "
                    + id + " moved to " + next);
        }
        boolean set = cas.getAsBoolean();
        AggregateRequest applied = lastApplied.get();
        lastApplied.remove();
        if (set && applied != null && applied.id().equals(id) && applied.to().equals(next)) {
            for (Instant b : applied.boundaries().subList(0, applied.bucketCount())) {
                committed.merge(id.name() + "@" + b, 1, Integer::sum);
            }
        }
        return set;
    }

    @Override
    public boolean advanceOverEmpty(RollupId id, RollupPlan plan, Instant expected, Instant next) {
        return real.advanceOverEmpty(id, plan, expected, next);
    }

    @Override
    public List<StaleRange> staleRanges(RollupId id) {
        return real.staleRanges(id);
    }

    @Override
    public void markStale(RollupId id, RollupPlan plan, Instant from, Instant to) {
        real.markStale(id, plan, from, to);
    }

    @Override
    public long recompute(RecomputeRequest request) {
        recomputeCalls.incrementAndGet();
        AtomicInteger faults = recomputeFaults.get(request.id().name());
        if (faults != null && faults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return real.recompute(request.withPlan(broken(request.plan())));
        }
        return real.recompute(request);
    }

    /** The plan with one more aggregation, whose column the target table does not have. */
    static RollupPlan broken(RollupPlan plan) {
        RollupDefinition def = plan.definition();
        List<Aggregation> aggregations = new ArrayList<>(def.aggregations());
        Aggregation first = aggregations.get(0);
        aggregations.add(Aggregation.of(first.function(), first.column(), "injected_fault"));
        return RollupPlan.of(RollupDefinition.builder(def.name()).source(def.source()).bucket(def.bucket())
                .aggregations(aggregations).watermarkLag(def.watermarkLag()).startAt(def.startAt()).build(),
                plan.source());
    }

    @Override
    public void setWatermark(RollupId id, Instant watermark) {
        real.setWatermark(id, watermark);
    }

    @Override
    public RollupState recordFailure(RollupId id, String error, int maxFailures) {
        return real.recordFailure(id, error, maxFailures);
    }

    @Override
    public void recordSuccess(RollupId id, Instant at) {
        real.recordSuccess(id, at);
    }

    @Override
    public void setStatus(RollupId id, RollupStatus status) {
        real.setStatus(id, status);
    }

    @Override
    public void setFrozen(RollupId id, boolean frozen) {
        real.setFrozen(id, frozen);
    }

    @Override
    public Optional<Instant> firstSourceTimestamp(RollupId id, RollupPlan plan, Instant from, Instant to) {
        firstSourceCalls.incrementAndGet();
        return real.firstSourceTimestamp(id, plan, from, to);
    }

    @Override
    public AggregateResult aggregate(AggregateRequest request) {
        aggregateCalls.incrementAndGet();
        aggregatesByRollup.computeIfAbsent(request.id().name(), n -> new AtomicInteger()).incrementAndGet();
        beforeAggregate.accept(request);
        if (failingAggregates.contains(request.id().name())) {
            throw new TidemarkException(ErrorCode.STORE_ERROR,
                    "injected: aggregate of " + request.id() + " failed: disk full");
        }
        AggregateResult result = real.aggregate(request);
        lastApplied.set(result.applied() ? request : null);
        return result;
    }
}
