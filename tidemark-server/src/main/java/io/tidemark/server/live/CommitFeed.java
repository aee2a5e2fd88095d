package io.tidemark.server.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order in which committed rows reach the live tables: one lock per (tenant, archive), under which a store write
 * and the {@code onCommit} of its batch run one after the other, so the live tables apply batches in the order the
 * store committed them (a key written twice ends with the store's value). Everything that feeds an archive's live
 * tables from the store takes the same lock: ingest ({@link #write}), a live window loaded at start and a committed
 * rollup range read back ({@link #locked} around {@link #apply}). A consumer of a cluster's commit log would plug in
 * here, applying each archive's commits in log order.
 *
 * <p>A batch the live tables cannot take (memory budget, or columns that no longer match) is logged and counted in
 * {@code tidemark.live.batches.not.live}; the store write stands. Thread-safe.
 */
final class CommitFeed {
    private static final Logger LOG = LoggerFactory.getLogger(CommitFeed.class);

    private final LiveEngine engine;
    private final Counter notLive;
    private final Map<ArchiveKey, ReentrantLock> locks = new ConcurrentHashMap<>();

    CommitFeed(LiveEngine engine, MeterRegistry meters) {
        this.engine = engine;
        this.notLive = Counter.builder("tidemark.live.batches.not.live").description(
                "committed batches the live tables could not take in full (memory budget); they are stored")
                .register(meters);
    }

    /**
     * Under the archive's lock, waiting at most {@code lockBound} for it (null: no bound), runs the store write and
     * then applies its batch to the live tables. Past the bound the batch is refused with {@code STORE_UNAVAILABLE},
     * unwritten, so writers queued behind a store outage fail within the bound too.
     */
    <T> T write(TenantId tenant, SampleBatch batch, Duration lockBound, Supplier<T> storeWrite) {
        ReentrantLock lock = lock(new ArchiveKey(tenant, batch.archive().name()));
        lockWithin(lock, lockBound, batch.archive().name());
        try {
            T result = storeWrite.get();
            apply(tenant, batch);
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code action} under the archive's lock (reentrant), e.g. to read committed rows back and apply them. */
    void locked(ArchiveKey archive, Runnable action) {
        ReentrantLock lock = lock(archive);
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    /** Applies committed rows to the live tables; the caller holds the archive's lock. Never throws. */
    void apply(TenantId tenant, SampleBatch batch) {
        try {
            if (!engine.onCommit(tenant, batch)) {
                // The engine marks the queries concerned STALE (they hear it in the next generation).
                notLive.increment();
                LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", batch.archive().name())
                        .addKeyValue("samples", batch.size()).addKeyValue("code", "MEMORY_BUDGET_EXCEEDED")
                        .log("live: a committed batch did not fit the live memory budget (live.memory-budget); it is "
                                + "stored, and the live queries on the tables missing it are STALE");
            }
        } catch (TidemarkException e) {
            notLive.increment();
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", batch.archive().name())
                    .addKeyValue("code", e.code().name()).log(e.getMessage());
        }
    }

    private static void lockWithin(ReentrantLock lock, Duration bound, String archive) {
        if (bound == null) {
            lock.lock();
            return;
        }
        try {
            if (lock.tryLock(bound.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "archive '" + archive
                + "': the ingest lock was not free within " + bound + " (store.lock-timeout); the store is slow or "
                + "unavailable");
    }

    private ReentrantLock lock(ArchiveKey archive) {
        return locks.computeIfAbsent(archive, k -> new ReentrantLock());
    }
}
