package io.tidemark.server.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order in which committed rows reach the live tables, and the group commit of concurrent ingest batches.
 *
 * <h2>Order</h2>
 * One lock per (tenant, archive), under which a store write and the {@code onCommit} of its batches run one after
 * the other, so the live tables apply batches in the order the store committed them (a key written twice ends with
 * the store's value). Everything that feeds an archive's live tables from the store takes the same lock: ingest
 * ({@link #write}), a live window loaded at start and a committed rollup range read back ({@link #locked} around
 * {@link #apply}). A consumer of a cluster's commit log would plug in here, applying each archive's commits in log
 * order.
 *
 * <h2>Group commit</h2>
 * Each batch for one archive joins the archive's queue; whoever holds the archive's lock writes everything queued
 * (up to {@code maxGroupSamples}) in <b>one</b> store transaction, applies the batches to the live tables in queue
 * order, and hands each writer its outcome. Writers wait on their own batch, not on the lock: a writer whose batch
 * another one wrote wakes with its outcome and returns without touching the lock (waiting in line for the lock made
 * every one of them take and drop it in turn, one context switch each, before the next group could start). Whoever
 * releases the lock wakes the writer at the head of the queue, which leads the next group; a writer that queues a
 * batch while the lock is held is therefore always either seen by the holder's release or takes the lock itself.
 * Nothing a client sees is weakened: a batch is still all or nothing, its writer returns only once it is
 * durable, the live tables apply batches in commit order (queue order inside one transaction, where a key in two
 * batches ends with the later one's values, as the store does), and late-data marking sees the same rows. A batch the
 * store refuses on its own ({@code INVALID_BATCH}, e.g. below the retention horizon) must not fail its neighbours:
 * when a group fails so, each of its batches is written again alone. Any other failure (the store unavailable, the
 * archive disabled or changed) concerns every batch of the group, and each writer gets it.
 *
 * <p>A batch the live tables cannot take (memory budget, or columns that no longer match) is logged and counted in
 * {@code tidemark.live.batches.not.live}; the store write stands. Thread-safe.
 */
final class CommitFeed {
    private static final Logger LOG = LoggerFactory.getLogger(CommitFeed.class);

    private final LiveEngine engine;
    private final int maxGroupSamples;
    private final Counter notLive;
    private final DistributionSummary groupBatches;
    private final Map<ArchiveKey, Line> lines = new ConcurrentHashMap<>();

    /**
     * @param maxGroupSamples the most samples one group commit writes in one transaction (a single larger batch is
     *     written alone); 1 writes every batch in its own transaction
     */
    CommitFeed(LiveEngine engine, MeterRegistry meters, int maxGroupSamples) {
        if (maxGroupSamples < 1) {
            throw new IllegalArgumentException("maxGroupSamples must be at least 1: " + maxGroupSamples);
        }
        this.engine = engine;
        this.maxGroupSamples = maxGroupSamples;
        this.notLive = Counter.builder("tidemark.live.batches.not.live").description(
                "committed batches the live tables could not take in full (memory budget); they are stored")
                .register(meters);
        this.groupBatches = DistributionSummary.builder("tidemark.ingest.group.batches").description(
                "ingest batches written together in one store transaction (group commit)").register(meters);
    }

    /**
     * Writes {@code batches} (of the tenant; one per archive, or one batch) through {@code storeWrite}, which writes
     * the batches it is given in one transaction and returns the samples written, then applies them to the live
     * tables. A single batch joins its archive's group commit; batches of several archives are written together
     * under all their archives' locks (taken in name order). Waits at most {@code lockBound} (null: no bound) for a
     * lock; past it the batches are refused with {@code STORE_UNAVAILABLE}, unwritten, so writers queued behind a
     * store outage fail within the bound too.
     *
     * @return the samples of {@code batches} written (each batch's size: a key repeated in it counts once)
     */
    int write(TenantId tenant, List<SampleBatch> batches, Duration lockBound,
            ToIntFunction<List<SampleBatch>> storeWrite) {
        if (batches.size() == 1) {
            return writeGrouped(tenant, batches.get(0), lockBound, storeWrite);
        }
        return writeTogether(tenant, batches, lockBound, storeWrite);
    }

    /** Runs {@code action} under the archive's lock (reentrant), e.g. to read committed rows back and apply them. */
    void locked(ArchiveKey archive, Runnable action) {
        Line line = line(archive);
        line.lock.lock();
        try {
            action.run();
        } finally {
            unlock(line);
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

    private int writeGrouped(TenantId tenant, SampleBatch batch, Duration bound,
            ToIntFunction<List<SampleBatch>> storeWrite) {
        Line line = line(new ArchiveKey(tenant, batch.archive().name()));
        Pending mine = new Pending(batch);
        line.queue.add(mine);
        long deadline = bound == null ? Long.MAX_VALUE : System.nanoTime() + bound.toNanos();
        while (!mine.done.isDone()) {
            if (line.lock.tryLock()) {
                try {
                    // Holding the lock, a batch not yet done is still queued: lead until it is written.
                    while (!mine.done.isDone()) {
                        lead(tenant, line, storeWrite);
                    }
                } finally {
                    unlock(line);
                }
                break;
            }
            if (!mine.sleep(deadline)) {
                if (line.queue.remove(mine)) {
                    throw lockTimeout(bound, batch.archive().name());
                }
                // Another writer took it into its group and is writing it now: its outcome is this batch's.
                break;
            }
        }
        return mine.await(bound, batch.archive().name());
    }

    /** Releases the archive's lock and wakes the writer at the head of its queue to lead the next group. */
    private static void unlock(Line line) {
        line.lock.unlock();
        Pending next = line.queue.peek();
        if (next != null) {
            next.wake();
        }
    }

    /** Writes what is queued (up to the group limit) in one transaction; the caller holds the archive's lock. */
    private void lead(TenantId tenant, Line line, ToIntFunction<List<SampleBatch>> storeWrite) {
        List<Pending> group = new ArrayList<>();
        int samples = 0;
        for (Pending p = line.queue.peek(); p != null; p = line.queue.peek()) {
            if (!group.isEmpty() && samples + p.batch.size() > maxGroupSamples) {
                break;
            }
            line.queue.poll();
            group.add(p);
            samples += p.batch.size();
        }
        if (group.isEmpty()) {
            return;
        }
        List<SampleBatch> batches = new ArrayList<>(group.size());
        group.forEach(p -> batches.add(p.batch));
        try {
            storeWrite.applyAsInt(batches);
        } catch (RuntimeException e) {
            if (group.size() > 1 && refusedOnItsOwn(e)) {
                LOG.debug("group commit of {} batches refused ({}); writing each alone", group.size(), e.getMessage());
                group.forEach(p -> writeAlone(tenant, p, storeWrite));
                return;
            }
            group.forEach(p -> p.fail(e));
            return;
        } catch (Error e) {
            group.forEach(p -> p.fail(e));
            throw e;
        }
        groupBatches.record(group.size());
        for (Pending p : group) {
            apply(tenant, p.batch);
            p.succeed();
        }
    }

    private void writeAlone(TenantId tenant, Pending p, ToIntFunction<List<SampleBatch>> storeWrite) {
        try {
            storeWrite.applyAsInt(List.of(p.batch));
        } catch (RuntimeException e) {
            p.fail(e);
            return;
        }
        groupBatches.record(1);
        apply(tenant, p.batch);
        p.succeed();
    }

    /** Whether the store refused the write because of what one batch holds (so its neighbours may still succeed). */
    private static boolean refusedOnItsOwn(RuntimeException e) {
        return e instanceof TidemarkException t && t.code() == ErrorCode.INVALID_BATCH;
    }

    private int writeTogether(TenantId tenant, List<SampleBatch> batches, Duration bound,
            ToIntFunction<List<SampleBatch>> storeWrite) {
        List<Line> locked = new ArrayList<>();
        try {
            for (String archive : batches.stream().map(b -> b.archive().name()).distinct().sorted().toList()) {
                Line line = line(new ArchiveKey(tenant, archive));
                if (!lockWithin(line.lock, bound)) {
                    throw lockTimeout(bound, archive);
                }
                locked.add(line);
            }
            storeWrite.applyAsInt(batches);
            groupBatches.record(batches.size());
            batches.forEach(b -> apply(tenant, b));
            return batches.stream().mapToInt(SampleBatch::size).sum();
        } finally {
            locked.forEach(CommitFeed::unlock);
        }
    }

    /** True once locked; false when {@code bound} (null: none) passed first or the thread was interrupted. */
    private static boolean lockWithin(ReentrantLock lock, Duration bound) {
        if (bound == null) {
            lock.lock();
            return true;
        }
        try {
            return lock.tryLock(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static TidemarkException lockTimeout(Duration bound, String archive) {
        return new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "archive '" + archive
                + "': the ingest lock was not free within " + bound + " (store.lock-timeout); the store is slow or "
                + "unavailable");
    }

    private Line line(ArchiveKey archive) {
        return lines.computeIfAbsent(archive, k -> new Line());
    }

    /** One archive's lock and the batches waiting for the next group commit, in arrival order. */
    private static final class Line {
        final ReentrantLock lock = new ReentrantLock();
        final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    }

    /** A batch waiting to be written, and its outcome once a group commit wrote or refused it. */
    private static final class Pending {
        final SampleBatch batch;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        /** Permits: the batch is done, or its writer should try to lead (a released lock, maybe for it). */
        private final Semaphore wakeups = new Semaphore(0);

        Pending(SampleBatch batch) {
            this.batch = batch;
        }

        void succeed() {
            done.complete(batch.size());
            wake();
        }

        void fail(Throwable e) {
            done.completeExceptionally(e);
            wake();
        }

        void wake() {
            wakeups.release();
        }

        /**
         * Waits for a wake-up until {@code deadline} ({@link System#nanoTime}; {@link Long#MAX_VALUE}: no deadline);
         * false if the deadline passed or the thread was interrupted.
         */
        boolean sleep(long deadline) {
            try {
                if (deadline == Long.MAX_VALUE) {
                    wakeups.acquire();
                    return true;
                }
                long left = deadline - System.nanoTime();
                return left > 0 && wakeups.tryAcquire(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /**
         * The outcome: the samples written, or the writer's exception rethrown on this thread. Waits at most
         * {@code bound} (null: no bound) for a group commit still running; past it the outcome is unknown.
         */
        int await(Duration bound, String archive) {
            try {
                return bound == null ? done.get() : done.get(bound.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new TidemarkException(ErrorCode.STORE_ERROR, "archive '" + archive + "': " + e.getCause());
            } catch (TimeoutException e) {
                throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "archive '" + archive + "': the group commit "
                        + "holding this batch did not finish within " + bound + " (store.lock-timeout); whether it is "
                        + "stored is unknown — send it again (a re-sent sample replaces itself)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "archive '" + archive
                        + "': interrupted while its group commit ran; whether it is stored is unknown");
            }
        }
    }
}
