package io.tidemark.server.live;

import io.tidemark.cluster.LogFollower;
import io.tidemark.cluster.LogFollowerListener;
import io.tidemark.cluster.LogPartitions;
import io.tidemark.cluster.LogSettings;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.TenantId;
import io.tidemark.live.LiveEngine;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.LogJoin;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode's live tables (docs/scale-out.md, "Live nodes"): the engine, in log-time mode, is fed by one
 * {@link LogFollower} per partition, never by this node's ingest. Every node follows every partition and joins every
 * tenant of the store, and every tenant a follower finds in the log (on-demand following is not built). Joining a tenant is one snapshot read of the store —
 * {@link io.tidemark.store.LogWriterStore#join}: the tenant's position <i>O</i>, its archives and their live windows —
 * applied to the engine, then {@code follow(tenant, O)}. A {@code BATCH} part's archive is resolved from the store by
 * (tenant, archive, definition version), cached; an archive not live yet is made live, empty, at that moment.
 * {@code ROLLUP} records (appended by the tenant's orchestrator node, {@link RollupAppender}) are applied to the rollup
 * archive's live tables at their cut, the orchestrator's own node included; {@code ARCHIVE} records likewise.
 * Thread-safe.
 */
final class LogLive implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogLive.class);
    /**
     * Loaded below the live window's floor by the node's clock: the first cut a joining node applies expires rows by
     * the log time, which may be behind this node's clock (a writer whose clock is behind). Rows loaded in excess
     * are expired at that first cut; rows missing would make the node's results differ from the others'.
     */
    static final Duration JOIN_MARGIN = Duration.ofMinutes(1);

    private final Store store;
    private final LiveEngine engine;
    private final ServerConfig.Live config;
    private final Clock clock;
    private final ArchiveSync archives;
    private final LogSettings log;
    private final CommitFeed feed;
    private final io.micrometer.core.instrument.Counter rollupsSkipped;
    private final long followBufferBytes;
    /** Joins tenants the followers found in the log (a follower's thread must not wait for the store). */
    private final java.util.concurrent.ExecutorService joiner = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, "tidemark-cluster-join");
                t.setDaemon(true);
                return t;
            });
    private final Map<Integer, LogFollower> followers = new TreeMap<>();
    private final Map<TenantId, CompletableFuture<Long>> joined = new ConcurrentHashMap<>();
    private final Map<Resolved, ArchiveDefinition> resolved = new ConcurrentHashMap<>();
    /** Rollup archives' reader views by the version a ROLLUP record names (follower threads only). */
    private final Map<Resolved, ArchiveDefinition> rollupViews = new ConcurrentHashMap<>();
    /** This node's hash of the live settings that shape results. */
    private final long settingsHash;
    /** Partitions whose last {@code CUT} carried another settings hash than this node's, with that hash. */
    private final Map<Integer, Long> mismatched = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Resolved(TenantId tenant, String archive, long version) {}

    LogLive(Store store, LiveEngine engine, ServerConfig.Live config, Clock clock, ArchiveSync archives,
            CommitFeed feed, LogSettings log, long followBufferBytes,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.clock = clock;
        this.archives = archives;
        this.feed = feed;
        this.log = log;
        this.followBufferBytes = followBufferBytes;
        this.settingsHash = config.resultSettingsHash();
        this.rollupsSkipped = io.micrometer.core.instrument.Counter.builder("tidemark.cluster.rollup.skipped")
                .description("ROLLUP records this node did not apply: their rollup archive is not in the store at "
                        + "that version, or their columns differ from it").register(meters);
    }

    /**
     * Follows every partition, and joins every tenant of the store not joined yet; a tenant that fails is logged and
     * tried at the next call. A follower of a partition without a joined tenant reads on from the end and hands this
     * node the first record of each tenant it does not follow — a tenant created since — which is then joined at once
     * ({@link #joinLater}) rather than at the next archive sync.
     */
    void joinAll() {
        synchronized (this) {
            for (int p = 0; p < log.partitions() && !closed; p++) {
                followers.computeIfAbsent(p, this::startFollower);
            }
        }
        for (TenantId tenant : store.tenants()) {
            if (joined.containsKey(tenant)) {
                continue;
            }
            try {
                join(tenant);
            } catch (RuntimeException e) {
                LOG.atWarn().setCause(e).addKeyValue("tenant", tenant.value())
                        .log("cluster live: cannot join the tenant yet; trying again at the next archive sync");
            }
        }
    }

    /** Joins {@code tenant} on the joiner's thread unless it is joined; a failure is logged (the archive sync retries). */
    private void joinLater(TenantId tenant) {
        if (joined.containsKey(tenant) || closed) {
            return;
        }
        try {
            joiner.execute(() -> {
                try {
                    join(tenant);
                } catch (RuntimeException e) {
                    LOG.atWarn().setCause(e).addKeyValue("tenant", tenant.value()).log("cluster live: cannot join "
                            + "the tenant found in the log yet; trying again at the next archive sync");
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /**
     * Joins {@code tenant} unless joined: one snapshot read of its position and live windows, applied, then its
     * partition followed from that position (a follower started for the partition if none runs).
     *
     * @return the future of the tenant's first cut number
     */
    synchronized CompletableFuture<Long> join(TenantId tenant) {
        CompletableFuture<Long> done = joined.get(tenant);
        if (done != null || closed) {
            return done != null ? done : CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        Instant now = clock.instant();
        LogJoin j = store.logWriter().join(tenant, a -> now.minus(config.windowOf(tenant.value(), a.name()))
                .minus(JOIN_MARGIN), ReadRequest.MAX_LIMIT);
        for (ArchiveInfo a : j.archives()) {
            List<io.tidemark.core.Sample> rows = j.rows().getOrDefault(a.name(), List.of());
            if (rows.size() == ReadRequest.MAX_LIMIT) {
                LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", a.name())
                        .log("cluster live: the live window holds more than " + ReadRequest.MAX_LIMIT + " rows; the "
                                + "oldest ones were loaded, the rest are missing on this node until they leave it");
            }
            RollupPlan plan = a.definition().isRollup()
                    ? store.rollups().rollup(new RollupId(tenant, a.name())).plan() : null;
            archives.defineLoaded(tenant, a, rows, plan);
        }
        int partition = LogPartitions.of(tenant, log.partitions());
        LogFollower f = followers.computeIfAbsent(partition, this::startFollower);
        CompletableFuture<Long> first = f.follow(tenant, j.position().nextOffset());
        joined.put(tenant, first);
        first.whenComplete((g, e) -> LOG.atInfo().addKeyValue("tenant", tenant.value())
                .addKeyValue("partition", partition).addKeyValue("position", j.position().nextOffset())
                .addKeyValue("first_generation", g).log("cluster live: tenant joined"));
        return first;
    }

    private LogFollower startFollower(int partition) {
        LogFollower f = LogFollower.builder(log, partition, engine, this::resolve).maxBufferBytes(followBufferBytes)
                .listener(new LogFollowerListener() {
            @Override
            public void archive(TenantId tenant, long offset, io.tidemark.cluster.LogRecord.Archive change) {
                archiveChanged(tenant, change);
            }

            @Override
            public void cut(int p, long offset, io.tidemark.cluster.LogRecord.Cut cut) {
                compareSettings(p, offset, cut.settingsHash());
            }

            @Override
            public void rollup(TenantId tenant, long offset, io.tidemark.cluster.LogRecord.Rollup rollup) {
                rollupCommitted(tenant, partition, offset, rollup);
            }

            @Override
            public void unfollowedTenant(int p, TenantId tenant, long offset) {
                joinLater(tenant);
            }

            @Override
            public void failed(int p, Throwable error) {
                LOG.atError().setCause(error).addKeyValue("partition", p)
                        .log("cluster live: the follower of the partition failed; its tenants' live queries no "
                                + "longer advance on this node");
            }
        }).build();
        f.start();
        return f;
    }

    /**
     * An {@code ARCHIVE} record applied at its cut, on the follower's thread: a created or activated archive becomes
     * live (empty) if the store still holds that version; a deleted one is dropped (its queries end with NOT_FOUND in
     * the next generation). A disabled archive stays live, as in single-node mode.
     */
    private void archiveChanged(TenantId tenant, io.tidemark.cluster.LogRecord.Archive change) {
        switch (change.change()) {
            case CREATED, ACTIVATED -> readArchive(tenant, change.archive())
                    .filter(a -> a.version() == change.version()).ifPresent(a -> archives.define(tenant, a));
            case DELETED -> {
                ArchiveDefinition live = archives.view(tenant, change.archive());
                Optional<ArchiveInfo> now = readArchive(tenant, change.archive());
                // Created again since: the newer one stays (its own records follow in the log).
                if (live != null && (now.isEmpty() || now.get().version() == change.version())) {
                    archives.drop(tenant, change.archive());
                }
            }
            case DISABLED -> { }
        }
    }

    /**
     * A {@code ROLLUP} record applied at its cut, on the follower's thread (so at the same generation on every node):
     * its rows — committed buckets as readers see them — are upserted into the rollup archive's live tables. Each
     * piece of a range split over several records is applied as it comes. A rollup archive not live here is made
     * live (empty) if the store holds it at the record's version; a record of another version, or whose columns
     * differ from the archive's reader view, is logged at WARN, counted ({@code tidemark.cluster.rollup.skipped})
     * and skipped.
     */
    private void rollupCommitted(TenantId tenant, int partition, long offset,
            io.tidemark.cluster.LogRecord.Rollup r) {
        String name = r.rows().archive().name();
        ArchiveDefinition view = rollupView(tenant, name, r.version());
        String why = view == null ? "the store does not hold the rollup archive at that version"
                : view.columns().equals(r.rows().archive().columns()) ? null
                : "its columns differ from the rollup archive's";
        if (why != null) {
            rollupsSkipped.increment();
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("rollup", name)
                    .addKeyValue("version", r.version()).addKeyValue("record", log.topic() + "-" + partition + "@"
                            + offset).log("cluster live: a ROLLUP record was skipped: " + why);
            return;
        }
        feed.locked(new ArchiveKey(tenant, name), () -> feed.apply(tenant, r.rows()));
    }

    /** The reader view a ROLLUP record of that version applies to, made live if needed; null if none. */
    private ArchiveDefinition rollupView(TenantId tenant, String archive, long version) {
        Resolved key = new Resolved(tenant, archive, version);
        ArchiveDefinition live = archives.view(tenant, archive);
        ArchiveDefinition known = rollupViews.get(key);
        if (known != null && known.equals(live)) {
            return live;
        }
        Optional<ArchiveInfo> a = readArchive(tenant, archive);
        if (a.isEmpty() || a.get().version() != version || !a.get().definition().isRollup()) {
            return null;
        }
        archives.define(tenant, a.get());
        ArchiveDefinition view = archives.view(tenant, archive);
        if (view != null) {
            rollupViews.put(key, view);
        }
        return view;
    }

    /**
     * The follower's {@link io.tidemark.cluster.ArchiveResolver}: the stored definition of that name and version, made
     * live (empty) if it is not; null when the store has no such archive at that version (deleted, or created again).
     * The writer stored every part the follower applies (rejected ones are listed by the cut), so null means the
     * archive changed after the write: deleted — its live queries end here at once — or deleted and created again, when
     * the part belongs to the old archive, whose rows the new one never holds.
     */
    private ArchiveDefinition resolve(TenantId tenant, String archive, long version) {
        Resolved key = new Resolved(tenant, archive, version);
        ArchiveDefinition known = resolved.get(key);
        if (known != null) {
            return known;
        }
        Optional<ArchiveInfo> a = readArchive(tenant, archive);
        if (a.isEmpty() && archives.view(tenant, archive) != null) {
            // The writer stored the part, so the archive was deleted since: its queries end now (NOT_FOUND) rather
            // than show a result without the part until the ARCHIVE record of the deletion arrives.
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", archive)
                    .addKeyValue("version", version).log("cluster live: a record's archive is deleted in the store; "
                            + "its live queries end");
            archives.drop(tenant, archive);
        }
        if (a.isEmpty() || a.get().version() != version || a.get().definition().isRollup()) {
            return null;
        }
        archives.define(tenant, a.get());
        resolved.put(key, a.get().definition());
        return a.get().definition();
    }

    /**
     * The archive as the store holds it now. A store that does not answer is waited for (backoff doubling from 100
     * ms to 5 s) rather than skipping the record, which would leave this node's live tables without it: the
     * follower stalls, as the partition's writer does, and its tenants' queries keep their last generation.
     */
    private Optional<ArchiveInfo> readArchive(TenantId tenant, String archive) {
        long backoff = 100;
        while (true) {
            try {
                return store.archives().archive(tenant, archive);
            } catch (io.tidemark.core.TidemarkException e) {
                boolean retry = e.code() == io.tidemark.core.ErrorCode.STORE_UNAVAILABLE
                        || e.code() == io.tidemark.core.ErrorCode.STORE_ERROR;
                if (!retry || closed) {
                    throw e;
                }
                LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", archive)
                        .addKeyValue("retry_in_ms", backoff).addKeyValue("error", e.toString())
                        .log("cluster live: cannot read the archive of a record from the store; waiting for it");
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /**
     * A {@code CUT}'s settings hash against this node's, on the follower's thread: a difference is logged at ERROR
     * when it starts (and at INFO when it ends), and the partition's tenants' live queries are refused meanwhile
     * ({@link #admit}). A hash of 0 is a writer that does not say (not a server): accepted.
     */
    private void compareSettings(int partition, long offset, long theirs) {
        if (theirs == settingsHash || theirs == 0) {
            if (mismatched.remove(partition) != null) {
                LOG.atInfo().addKeyValue("partition", partition).log("cluster live: the partition's writer has this "
                        + "node's live settings again; its tenants' live queries are served");
            }
            return;
        }
        Long before = mismatched.put(partition, theirs);
        if (before == null || before != theirs) {
            LOG.atError().addKeyValue("partition", partition).addKeyValue("offset", offset)
                    .addKeyValue("their_settings_hash", Long.toHexString(theirs))
                    .addKeyValue("our_settings_hash", Long.toHexString(settingsHash))
                    .log("cluster live: the partition's writer runs with other live settings (live.window, "
                            + "live.windows, live.memory-budget) than this node, so this node's live results for "
                            + "its tenants would differ from other nodes': their live queries are refused here until "
                            + "every node has the same settings");
        }
    }

    /**
     * Throws {@code INVALID_STATE} while the writer of {@code tenant}'s partition runs with other live settings than
     * this node ({@link #compareSettings}).
     */
    void admit(TenantId tenant) {
        int partition = LogPartitions.of(tenant, log.partitions());
        Long theirs = mismatched.get(partition);
        if (theirs != null) {
            throw new io.tidemark.core.TidemarkException(io.tidemark.core.ErrorCode.INVALID_STATE, "this node's live "
                    + "settings (live.window, live.windows, live.memory-budget; hash " + Long.toHexString(settingsHash)
                    + ") differ from those of the node that writes tenant '" + tenant.value() + "''s log partition "
                    + partition + " (hash " + Long.toHexString(theirs) + "): its results would differ from other "
                    + "nodes', so it serves none; give every node the same live settings");
        }
    }

    /** How many partitions' writers run with other live settings than this node, for the metric. */
    int mismatchedPartitions() {
        return mismatched.size();
    }

    /** The follower of each partition followed, for status. */
    synchronized Map<Integer, LogFollower> followers() {
        return Map.copyOf(followers);
    }

    @Override
    public synchronized void close() {
        closed = true;
        joiner.shutdownNow();
        for (LogFollower f : followers.values()) {
            f.close();
        }
        followers.clear();
    }
}
