package io.tidemark.server.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.Capabilities;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.LiveListener;
import io.tidemark.live.QueryConfig;
import io.tidemark.live.QuerySchema;
import io.tidemark.live.QueryType;
import io.tidemark.live.Subscription;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the live engine to the server: every archive of every tenant is live (defined at start, on create, dropped
 * on delete), committed ingest batches and committed rollup buckets reach its live tables, and the engine cuts
 * generations on its own scheduler thread. The engine itself sees no store and no server.
 *
 * <h2>Several servers on one store</h2>
 * Archives another server creates or deletes become live or are dropped here within {@code live.archive-sync}
 * (or at the first batch ingested here), with their live window loaded from the store. Batches ingested through
 * another server are not seen: live tables are fed by this server's own commits.
 *
 * <h2>Rollup archives</h2>
 * A rollup archive's live tables hold the values a reader sees (as GraphQL {@code streamData} returns them): each
 * aggregation by its name, AVG computed from its stored partials, FIRST / LAST without their timestamps. After the
 * orchestrator commits buckets, the committed range is read back through the store's read API and applied.
 *
 * <h2>Order</h2>
 * A store write and its {@code onCommit} run under one lock per (tenant, archive), so the live tables apply batches
 * in the order the store committed them (a key written twice ends with the store's value).
 *
 * <p>Thread-safe.
 */
public final class LiveHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
    /** Rows read back per store read when loading a live window or a committed rollup range. */
    private static final int READ_PAGE = 100_000;
    private static final Instant END_OF_TIME = BatchLimits.DEFAULT.maxTimestamp().minusSeconds(1);
    private static final BatchLimits UNLIMITED = new BatchLimits(Integer.MAX_VALUE,
            BatchLimits.DEFAULT.maxRtIdLength(), BatchLimits.DEFAULT.minTimestamp(), BatchLimits.DEFAULT.maxTimestamp(),
            Integer.MAX_VALUE);

    private final Store store;
    private final LiveEngine engine;
    private final ServerConfig.Live config;
    private final Clock clock;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** The definition each live archive was given (a rollup's reader view), by tenant/archive. */
    private final Map<String, ArchiveDefinition> defined = new ConcurrentHashMap<>();
    private final Counter dropped;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> cuts;
    private ScheduledExecutorService syncScheduler;

    public LiveHub(Store store, LiveEngine engine, ServerConfig.Live config, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.clock = clock;
        this.dropped = Counter.builder("tidemark.live.batches.not.live").description(
                "committed batches the live tables could not take in full (memory budget); they are stored")
                .register(meters);
        io.micrometer.core.instrument.Gauge.builder("tidemark.live.queries.stale", engine, LiveEngine::staleQueries)
                .description("registered live queries whose status is STALE (their result misses samples the live "
                        + "memory budget kept out)").register(meters);
    }

    public LiveEngine engine() {
        return engine;
    }

    /**
     * Makes every stored archive live, loads each live window from the store, and starts cutting generations; from
     * then on, every {@code live.archive-sync}, picks up archives another server on the same store created or
     * deleted.
     */
    public synchronized void start() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (maxHeap != Long.MAX_VALUE && config.memoryBudgetBytes() > maxHeap / 2) {
            // The budget is the engine's estimate per tenant; past about half the heap the JVM runs out first, and
            // queries would fail with OutOfMemoryError instead of turning STALE.
            LOG.atWarn().addKeyValue("liveMemoryBudget", config.memoryBudgetBytes()).addKeyValue("maxHeap", maxHeap)
                    .log("live: live.memory-budget is more than half the JVM's maximum heap (-Xmx); raise -Xmx to at "
                            + "least twice the budget times the tenants with live data, or lower live.memory-budget");
        }
        syncArchives();
        scheduler = daemonScheduler("tidemark-live-cut");
        cuts = engine.schedule(scheduler);
        // Its own thread: the sync reads the store, which must never delay a cut.
        syncScheduler = daemonScheduler("tidemark-live-archive-sync");
        long every = config.archiveSync().toMillis();
        syncScheduler.scheduleWithFixedDelay(this::syncQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Brings the live archives in line with the store: archives it does not know yet become live with their window
     * loaded from the store (another server on the same store created them), archives the store no longer has are
     * dropped (another server deleted them), and an archive re-created with another definition is redefined. An
     * archive created or deleted here while this runs is left to {@link #archiveCreated} / {@link #archiveDeleted}.
     */
    void syncArchives() {
        Set<String> before = Set.copyOf(defined.keySet());
        Set<String> stored = new java.util.HashSet<>();
        for (TenantId tenant : store.tenants()) {
            for (ArchiveInfo a : store.streamData().archives(tenant)) {
                stored.add(key(tenant, a.name()));
                ensureDefined(tenant, a);
            }
        }
        for (String k : before) {
            if (!stored.contains(k)) {
                int slash = k.indexOf('/');
                archiveDeleted(TenantId.of(k.substring(0, slash)), k.substring(slash + 1));
            }
        }
    }

    private void syncQuietly() {
        try {
            syncArchives();
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).log("live: cannot compare the live archives with the store; retrying later");
        }
    }

    /** Defines the archive (and loads its window) unless it is live with this definition; under its lock. */
    private void ensureDefined(TenantId tenant, ArchiveInfo a) {
        ArchiveDefinition view = a.definition().isRollup() ? readerView(a.definition()) : a.definition();
        if (view.equals(defined.get(key(tenant, a.name())))) {
            return;
        }
        ReentrantLock lock = lock(tenant, a.name());
        lock.lock();
        try {
            if (!view.equals(defined.get(key(tenant, a.name())))) {
                define(tenant, a);
                load(tenant, a);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops cutting generations; idempotent. */
    @Override
    public synchronized void close() {
        if (cuts != null) {
            cuts.cancel(false);
        }
        stop(syncScheduler);
        stop(scheduler);
    }

    private static void stop(ScheduledExecutorService s) {
        if (s == null) {
            return;
        }
        s.shutdown();
        try {
            s.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The live window of an archive (see {@link ServerConfig.Live#windowOf}). */
    public Duration window(TenantId tenant, String archive) {
        return config.windowOf(tenant.value(), archive);
    }

    /** A new archive (raw or rollup) becomes live, empty. */
    public void archiveCreated(TenantId tenant, ArchiveInfo archive) {
        ensureDefined(tenant, archive);
    }

    /** A deleted archive's queries end with NOT_FOUND in the next generation. */
    public void archiveDeleted(TenantId tenant, String archive) {
        defined.remove(key(tenant, archive));
        engine.dropArchive(tenant, archive);
    }

    /**
     * Runs a store write and applies its batch to the live tables right after the commit returns, under the
     * archive's lock. A batch the live tables cannot take (memory budget) is logged and counted; the write stands.
     */
    public <T> T write(TenantId tenant, SampleBatch batch, Supplier<T> storeWrite) {
        return write(tenant, batch, storeWrite, null);
    }

    /**
     * {@link #write(TenantId, SampleBatch, Supplier)} waiting at most {@code lockBound} (null: no bound) for the
     * archive's ingest lock, which a writer holds while its store write waits; past the bound the batch is refused
     * with {@code STORE_UNAVAILABLE}, unwritten, so writers queued behind a store outage fail within the bound too.
     */
    public <T> T write(TenantId tenant, SampleBatch batch, Supplier<T> storeWrite, java.time.Duration lockBound) {
        ReentrantLock lock = lock(tenant, batch.archive().name());
        lockWithin(lock, lockBound, batch.archive().name());
        try {
            if (!defined.containsKey(key(tenant, batch.archive().name()))) {
                // Created by another server on the same store since the last sync: live from now on.
                ensureDefined(tenant, store.streamData().requireArchive(tenant, batch.archive().name()));
            }
            T result = storeWrite.get();
            apply(tenant, batch);
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The orchestrator committed the buckets {@code [from, to)} of a rollup: reads them back and applies them to
     * the rollup archive's live tables. Never throws; a failure is logged (the rows are stored either way).
     */
    public void rollupCommitted(RollupId id, RollupPlan plan, Instant from, Instant to) {
        String archive = plan.definition().name();
        ArchiveDefinition view = defined.get(key(id.tenant(), archive));
        if (view == null) {
            return;
        }
        ReentrantLock lock = lock(id.tenant(), archive);
        lock.lock();
        try {
            readBack(id.tenant(), view, plan, from, to);
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).addKeyValue("tenant", id.tenant().value()).addKeyValue("rollup", archive)
                    .log("live: cannot apply committed rollup buckets to the live tables");
        } finally {
            lock.unlock();
        }
    }

    /** The result schema of a live query for the tenant, or its error (code, message with position). */
    public QuerySchema validate(TenantId tenant, String sql) {
        CompletableFuture<QuerySchema> schema = new CompletableFuture<>();
        LiveListener capture = new LiveListener() {
            @Override
            public void snapshotBegin(String queryId, QuerySchema s) {
                schema.complete(s);
            }

            @Override
            public void exceptionRaised(String queryId, TidemarkException error) {
                schema.completeExceptionally(error);
            }
        };
        // A throwaway subscription: registering plans the query (errors are thrown here); the schema comes with the
        // next cut. CONTINUOUS_ONLY sends no rows.
        try (Subscription s = engine.subscribe(tenant, Set.of(Capabilities.AGG_MARK_END), capture, Runnable::run)) {
            s.register(new QueryConfig("validate", sql, QueryType.CONTINUOUS_ONLY));
            long waitMillis = config.publishInterval().toMillis() * 3 + 5_000;
            return schema.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof TidemarkException t ? t
                    : new TidemarkException(ErrorCode.INTERNAL, "validating the query failed", e.getCause());
        } catch (TimeoutException e) {
            throw new TidemarkException(ErrorCode.UNAVAILABLE, "the live engine did not cut a generation in time; "
                    + "retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TidemarkException(ErrorCode.UNAVAILABLE, "interrupted");
        }
    }

    // ---- internals ---------------------------------------------------------------------------------------------

    private void define(TenantId tenant, ArchiveInfo a) {
        ArchiveDefinition view = a.definition().isRollup() ? readerView(a.definition()) : a.definition();
        defined.put(key(tenant, a.name()), view);
        engine.defineArchive(tenant, view, window(tenant, a.name()));
    }

    /** A rollup archive as readers see it: one column per aggregation, AVG as DOUBLE. */
    static ArchiveDefinition readerView(ArchiveDefinition stored) {
        RollupDefinition r = stored.rollup();
        List<Column> cols = new ArrayList<>();
        for (Aggregation g : r.aggregations()) {
            cols.add(Column.of(g.as(), g.function() == AggregateFunction.AVG ? io.tidemark.core.ColumnType.DOUBLE
                    : stored.requireColumn(g.as()).type()));
        }
        return new ArchiveDefinition(stored.name(), cols, null);
    }

    /** Loads the rows of the archive's live window from the store (after a restart the engine starts empty). */
    private void load(TenantId tenant, ArchiveInfo a) {
        ArchiveDefinition view = defined.get(key(tenant, a.name()));
        Instant from = clock.instant().minus(window(tenant, a.name()));
        RollupPlan plan = a.definition().isRollup()
                ? store.rollups().rollup(new RollupId(tenant, a.name())).plan() : null;
        try {
            readBack(tenant, view, plan, from, END_OF_TIME);
        } catch (TidemarkException e) {
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", a.name())
                    .addKeyValue("error", e.toString()).log("live: the archive's live window was not loaded");
        }
    }

    /** Reads {@code [from, to)} of an archive page by page and applies it; rollup rows as readers see them. */
    private void readBack(TenantId tenant, ArchiveDefinition view, RollupPlan plan, Instant from, Instant to) {
        Instant start = from;
        while (start.isBefore(to)) {
            List<Sample> rows = store.streamData().read(tenant, new ReadRequest(view.name(), List.of(), start, to,
                    READ_PAGE));
            if (rows.isEmpty()) {
                return;
            }
            List<Sample> samples = new ArrayList<>(rows.size());
            for (Sample s : rows) {
                samples.add(plan == null ? s : new Sample(s.rtId(), s.timestamp(), plan.readValues(s.values())));
            }
            apply(tenant, SampleBatch.validate(view, samples, UNLIMITED));
            if (rows.size() < READ_PAGE) {
                return;
            }
            Instant last = rows.get(rows.size() - 1).timestamp();
            // Rows at the last timestamp may continue on the next page: read from it again (re-applying is a no-op).
            if (last.equals(start)) {
                LOG.warn("live: more than {} rows at {} in '{}'; the live tables hold only the first page",
                        READ_PAGE, last, view.name());
                return;
            }
            start = last;
        }
    }

    private void apply(TenantId tenant, SampleBatch batch) {
        try {
            if (!engine.onCommit(tenant, batch)) {
                // The engine marks the queries concerned STALE (they hear it in the next generation).
                dropped.increment();
                LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", batch.archive().name())
                        .addKeyValue("samples", batch.size()).addKeyValue("code", "MEMORY_BUDGET_EXCEEDED")
                        .log("live: a committed batch did not fit the live memory budget (live.memory-budget); it is "
                                + "stored, and the live queries on the tables missing it are STALE");
            }
        } catch (TidemarkException e) {
            dropped.increment();
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", batch.archive().name())
                    .addKeyValue("code", e.code().name()).log(e.getMessage());
        }
    }

    private static void lockWithin(ReentrantLock lock, java.time.Duration bound, String archive) {
        if (bound == null) {
            lock.lock();
            return;
        }
        try {
            if (lock.tryLock(bound.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new TidemarkException(io.tidemark.core.ErrorCode.STORE_UNAVAILABLE, "archive '" + archive
                + "': the ingest lock was not free within " + bound + " (store.lock-timeout); the store is slow or "
                + "unavailable");
    }

    private ReentrantLock lock(TenantId tenant, String archive) {
        return locks.computeIfAbsent(key(tenant, archive), k -> new ReentrantLock());
    }

    private static String key(TenantId tenant, String archive) {
        return tenant.value() + "/" + archive;
    }
}
