package io.tidemark.server.live;

import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.AggregateResult;
import io.tidemark.store.AuditTrail;
import io.tidemark.store.RecomputeRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupRuntime;
import io.tidemark.store.RollupState;
import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import io.tidemark.store.StreamData;
import io.tidemark.store.TokenStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The store as the orchestrator host sees it: every call goes to the real store; after a rollup statement
 * ({@code aggregate}, {@code recompute}) commits, the buckets it wrote are handed to the {@link LiveHub}, which reads
 * them back into the rollup archive's live tables. This is how rollup rows reach live queries without the
 * orchestrator, the store or the live engine knowing of each other.
 */
public final class LiveFeedingStore implements Store {
    private final Store store;
    private final RollupRuntime rollups;

    public LiveFeedingStore(Store store, LiveHub hub) {
        this.store = store;
        this.rollups = new Feeding(store.rollups(), hub);
    }

    @Override
    public void createTenant(TenantId tenant) {
        store.createTenant(tenant);
    }

    @Override
    public List<TenantId> tenants() {
        return store.tenants();
    }

    @Override
    public void ping() {
        store.ping();
    }

    @Override
    public StreamData streamData() {
        return store.streamData();
    }

    @Override
    public RollupRuntime rollups() {
        return rollups;
    }

    @Override
    public AuditTrail audit() {
        return store.audit();
    }

    @Override
    public TokenStore tokens() {
        return store.tokens();
    }

    @Override
    public String describe() {
        return store.describe();
    }

    /** The server closes the real store; closing this view closes nothing. */
    @Override
    public void close() {
        // the real store's owner closes it
    }

    private record Feeding(RollupRuntime r, LiveHub hub) implements RollupRuntime {
        @Override
        public AggregateResult aggregate(AggregateRequest request) {
            AggregateResult result = r.aggregate(request);
            if (result.applied()) {
                hub.rollupCommitted(request.id(), request.plan(), request.from(), request.to());
            }
            return result;
        }

        @Override
        public long recompute(RecomputeRequest request) {
            long rows = r.recompute(request);
            hub.rollupCommitted(request.id(), request.plan(), request.from(), request.to());
            return rows;
        }

        @Override
        public List<RollupInfo> rollups(TenantId tenant) {
            return r.rollups(tenant);
        }

        @Override
        public RollupInfo rollup(RollupId id) {
            return r.rollup(id);
        }

        @Override
        public boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next) {
            return r.compareAndSetWatermark(id, expected, next);
        }

        @Override
        public boolean advanceOverEmpty(RollupId id, RollupPlan plan, Instant expected, Instant next) {
            return r.advanceOverEmpty(id, plan, expected, next);
        }

        @Override
        public void setWatermark(RollupId id, Instant watermark) {
            r.setWatermark(id, watermark);
        }

        @Override
        public RollupState recordFailure(RollupId id, String error, int maxFailures) {
            return r.recordFailure(id, error, maxFailures);
        }

        @Override
        public void recordSuccess(RollupId id, Instant at) {
            r.recordSuccess(id, at);
        }

        @Override
        public void setStatus(RollupId id, RollupStatus status) {
            r.setStatus(id, status);
        }

        @Override
        public void setFrozen(RollupId id, boolean frozen) {
            r.setFrozen(id, frozen);
        }

        @Override
        public Optional<Instant> firstSourceTimestamp(RollupId id, RollupPlan plan, Instant from, Instant to) {
            return r.firstSourceTimestamp(id, plan, from, to);
        }

        @Override
        public List<StaleRange> staleRanges(RollupId id) {
            return r.staleRanges(id);
        }
    }
}
