package io.tidemark.server.live;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.QuerySchema;
import io.tidemark.rollup.RollupListener;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the live engine to the server: every archive of every tenant is live (defined at start, on create, dropped
 * on delete), committed ingest batches and committed rollup buckets reach its live tables, and the engine cuts
 * generations on its own scheduler thread. The engine itself sees no store and no server. The work is done by:
 * <ul>
 *   <li>{@link CommitFeed} — the per-(tenant, archive) order: a store write and its {@code onCommit} under one lock,
 *       so the live tables apply batches in the order the store committed them;</li>
 *   <li>{@link ArchiveSync} — which archives are live, with which definition, and loading their live windows;</li>
 *   <li>{@link RollupReadBack} — the {@link RollupListener} that reads committed rollup buckets back into the rollup
 *       archive's live tables ({@link #rollupListener()}, given to the rollup host); in cluster mode
 *       {@link RollupAppender} instead, which appends them to the log for every node's {@link LogLive};</li>
 *   <li>this class — the lifecycle: the cut and archive-sync threads.</li>
 * </ul>
 *
 * <h2>Several servers on one store</h2>
 * Archives another server creates or deletes become live or are dropped here within {@code live.archive-sync}
 * (or at the first batch ingested here), with their live window loaded from the store. Batches ingested through
 * another server are not seen: live tables are fed by this server's own commits — except in cluster mode
 * ({@link #followLog}), where every node's live tables are fed from the log.
 *
 * <h2>Rollup archives</h2>
 * A rollup archive's live tables hold the values a reader sees (as GraphQL {@code streamData} returns them): each
 * aggregation by its name, AVG computed from its stored partials, FIRST / LAST without their timestamps.
 *
 * <p>Thread-safe.
 */
public final class LiveHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);

    private final LiveEngine engine;
    private final ServerConfig.Live config;
    private final CommitFeed feed;
    private final ArchiveSync archives;
    private final RollupReadBack rollups;
    private final ReadBack readBack;
    /** Cluster mode's listener, which appends ROLLUP records instead of applying; null in single-node mode. */
    private RollupAppender appender;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> cuts;
    private ScheduledExecutorService syncScheduler;
    private final Store store;
    private final Clock clock;
    private final MeterRegistry meters;
    /** Cluster mode's log followers; null in single-node mode. */
    private LogLive logLive;

    /**
     * @param maxGroupSamples the most samples one group commit writes in one store transaction
     *     ({@link ServerConfig#ingestGroupMaxSamples()})
     */
    public LiveHub(Store store, LiveEngine engine, ServerConfig.Live config, Clock clock, MeterRegistry meters,
            int maxGroupSamples) {
        this.engine = engine;
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.meters = meters;
        this.feed = new CommitFeed(engine, meters, maxGroupSamples);
        this.readBack = new ReadBack(store, feed);
        this.archives = new ArchiveSync(store, engine, config, clock, feed, readBack);
        this.rollups = new RollupReadBack(archives, feed, readBack);
        Gauge.builder("tidemark.live.queries.stale", engine, LiveEngine::staleQueries)
                .description("registered live queries whose status is STALE (their result misses samples the live "
                        + "memory budget kept out)").register(meters);
    }

    public LiveEngine engine() {
        return engine;
    }

    /**
     * What the rollup host must be given ({@code OrchestratorHost.Builder#listener}) for committed rollup buckets to
     * reach the rollup archives' live tables. Runs on the host's thread. In single-node mode it reads the committed
     * range back and applies it here, and never throws; in cluster mode ({@link #followLog}) it reads it back and
     * appends it to the log as {@code ROLLUP} records, which every node applies at a cut, and throws when the log does
     * not take them ({@link RollupAppender}).
     */
    public synchronized RollupListener rollupListener() {
        return appender != null ? appender : rollups;
    }

    /**
     * Cluster mode, called before {@link #start}: the engine (built with {@code logTime(true)}) is fed from the log
     * instead of this node's ingest — every tenant of the store is joined (its position and live windows read in one
     * snapshot) and its partition followed; cuts come from the log's {@code CUT} records, not from a schedule.
     * Committed rollup buckets come from the log too: {@link #rollupListener()} appends them as {@code ROLLUP} records.
     * Archives made live later (created here or found by the archive sync) start empty: their rows come from the log.
     *
     * @param followBufferBytes each follower's buffer bound ({@code cluster.follow-buffer})
     */
    public synchronized void followLog(io.tidemark.server.cluster.ClusterNode cluster, long followBufferBytes) {
        archives.loadOnDefine(false);
        logLive = new LogLive(store, engine, config, clock, archives, feed, cluster.settings(), followBufferBytes,
                meters);
        appender = new RollupAppender(store, readBack, cluster, meters);
        Gauge.builder("tidemark.cluster.settings.mismatch", logLive, LogLive::mismatchedPartitions)
                .description("partitions whose writer's live settings (live.window, live.windows, live.memory-budget) "
                        + "differ from this node's: their tenants' live queries are refused here").register(meters);
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
        if (logLive != null) {
            logLive.joinAll();
        }
        archives.syncAll();
        if (logLive == null) {
            scheduler = daemonScheduler("tidemark-live-cut");
            cuts = engine.schedule(scheduler);
        }
        // Its own thread: the sync reads the store, which must never delay a cut.
        syncScheduler = daemonScheduler("tidemark-live-archive-sync");
        long every = config.archiveSync().toMillis();
        LogLive joining = logLive;
        syncScheduler.scheduleWithFixedDelay(() -> {
            if (joining != null) {
                joining.joinAll();
            }
            archives.syncQuietly();
        }, every, every, TimeUnit.MILLISECONDS);
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops cutting generations and syncing archives; idempotent. */
    @Override
    public synchronized void close() {
        if (cuts != null) {
            cuts.cancel(false);
        }
        stop(syncScheduler);
        stop(scheduler);
        if (logLive != null) {
            logLive.close();
        }
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
        if (logLive != null) {
            joinQuietly(tenant); // a tenant's first archive: its partition is followed from now on
        }
        archives.define(tenant, archive);
    }

    private void joinQuietly(TenantId tenant) {
        try {
            logLive.join(tenant);
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).addKeyValue("tenant", tenant.value())
                    .log("cluster live: cannot join the tenant yet; trying again at the next archive sync");
        }
    }

    /**
     * Cluster mode: joins {@code tenant} unless joined (see {@link #followLog}); the future completes with the
     * number of its first cut on this node. Empty in single-node mode.
     */
    public java.util.Optional<java.util.concurrent.CompletableFuture<Long>> join(TenantId tenant) {
        return logLive == null ? java.util.Optional.empty() : java.util.Optional.of(logLive.join(tenant));
    }

    /**
     * Throws {@code INVALID_STATE} when this node must not serve {@code tenant}'s live queries: in cluster mode, while
     * the live settings of the writer of the tenant's partition differ from this node's (its {@code CUT} records carry
     * another settings hash), since its results would then differ from other nodes'. Never throws in single-node mode.
     */
    public void admit(TenantId tenant) {
        LogLive l = logLive;
        if (l != null) {
            l.admit(tenant);
        }
    }

    /** Cluster mode: the status of this node's follower of {@code partition}, or null when it follows none. */
    public io.tidemark.cluster.FollowerStatus followerStatus(int partition) {
        LogLive l = logLive;
        io.tidemark.cluster.LogFollower f = l == null ? null : l.followers().get(partition);
        return f == null ? null : f.status();
    }

    /** A deleted archive's queries end with NOT_FOUND in the next generation. */
    public void archiveDeleted(TenantId tenant, String archive) {
        archives.drop(tenant, archive);
    }

    /**
     * Writes batches of the tenant (one batch, or one per archive) through {@code storeWrite}, which writes the batches
     * it is given in one store transaction, and applies them to the live tables right after the commit returns, under
     * their archives' locks (see {@link CommitFeed}: concurrent single batches into one archive are group-committed).
     * Waits at most {@code lockBound} (null: no bound) for an archive's ingest lock, which a writer holds while its
     * store write waits; past the bound the batches are refused with {@code STORE_UNAVAILABLE}, unwritten, so writers
     * queued behind a store outage fail within the bound too. A batch the live tables cannot take (memory budget) is
     * logged and counted; the write stands.
     *
     * @return the samples written (each batch's size)
     */
    public int write(TenantId tenant, List<SampleBatch> batches, ToIntFunction<List<SampleBatch>> storeWrite,
            Duration lockBound) {
        return feed.write(tenant, batches, lockBound, group -> {
            // Created by another server on the same store since the last sync: live from now on.
            group.stream().map(b -> b.archive().name()).distinct().forEach(a -> archives.ensureLive(tenant, a));
            return storeWrite.applyAsInt(group);
        });
    }

    /**
     * The result schema of a live query for the tenant, or its error (code, message with position), planned against
     * the tenant's live tables without registering anything ({@link LiveEngine#validate}).
     */
    public QuerySchema validate(TenantId tenant, String sql) {
        return engine.validate(tenant, sql);
    }
}
