package io.tidemark.server.live;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import io.tidemark.server.ServerConfig;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the live engine's archives in line with the store's: an archive becomes live (its live window loaded from
 * the store) when it is created here, when {@link #syncAll} finds it (another server on the same store created it)
 * or when a batch for it is ingested here first; it is dropped when deleted here or when {@link #syncAll} no longer
 * finds it. A rollup archive is defined with its reader view ({@link #readerView}), not its stored partials.
 * Defining and loading run under the archive's lock in the {@link CommitFeed}, so no batch slips between the load
 * and the first apply. Thread-safe.
 */
final class ArchiveSync {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveSync.class);
    private static final Instant END_OF_TIME = BatchLimits.DEFAULT.maxTimestamp().minusSeconds(1);

    private final Store store;
    private final LiveEngine engine;
    private final ServerConfig.Live config;
    private final Clock clock;
    private final CommitFeed feed;
    private final ReadBack readBack;
    /** The definition each live archive was given (a rollup's reader view). */
    private final Map<ArchiveKey, ArchiveDefinition> defined = new ConcurrentHashMap<>();
    /**
     * Whether an archive made live loads its live window from the store (single-node). In cluster mode it does not:
     * a tenant's rows are loaded once, when the node joins the tenant ({@link #defineLoaded}), and everything after
     * comes from the log, so that every node holds the same rows at the same cut.
     */
    private volatile boolean loadOnDefine = true;

    ArchiveSync(Store store, LiveEngine engine, ServerConfig.Live config, Clock clock, CommitFeed feed,
            ReadBack readBack) {
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.clock = clock;
        this.feed = feed;
        this.readBack = readBack;
    }

    /**
     * Brings the live archives in line with the store: archives it does not know yet become live with their window
     * loaded from the store, archives the store no longer has are dropped, and an archive re-created with another
     * definition is redefined. An archive created or deleted here while this runs is left to {@link #define} /
     * {@link #drop}.
     */
    void syncAll() {
        Set<ArchiveKey> before = Set.copyOf(defined.keySet());
        Set<ArchiveKey> stored = new HashSet<>();
        for (TenantId tenant : store.tenants()) {
            for (ArchiveInfo a : store.archives().archives(tenant)) {
                stored.add(new ArchiveKey(tenant, a.name()));
                define(tenant, a);
            }
        }
        for (ArchiveKey k : before) {
            if (!stored.contains(k)) {
                drop(k.tenant(), k.archive());
            }
        }
    }

    /** {@link #syncAll}, logging a failure instead of throwing (the scheduled sync retries). */
    void syncQuietly() {
        try {
            syncAll();
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).log("live: cannot compare the live archives with the store; retrying later");
        }
    }

    /**
     * Makes an archive live (window loaded) unless it is live with this definition already; under its lock. Also a
     * changed definition (the archive was re-created) is defined again.
     */
    void define(TenantId tenant, ArchiveInfo a) {
        ArchiveDefinition view = viewOf(a.definition());
        ArchiveKey key = new ArchiveKey(tenant, a.name());
        if (view.equals(defined.get(key))) {
            return;
        }
        feed.locked(key, () -> {
            if (!view.equals(defined.get(key))) {
                defined.put(key, view);
                engine.defineArchive(tenant, view, config.windowOf(tenant.value(), a.name()));
                if (loadOnDefine) {
                    load(tenant, a, view);
                }
            }
        });
    }

    /** Cluster mode: archives made live start empty (see {@link #loadOnDefine}). */
    void loadOnDefine(boolean on) {
        loadOnDefine = on;
    }

    /**
     * Cluster mode's join: makes the archive live (unless it is with this definition) and applies {@code rows}, its
     * stored rows as the join's snapshot read them (a rollup's as stored: turned into reader values with
     * {@code plan}), under the archive's lock.
     */
    void defineLoaded(TenantId tenant, ArchiveInfo a, List<io.tidemark.core.Sample> rows, RollupPlan plan) {
        ArchiveDefinition view = viewOf(a.definition());
        ArchiveKey key = new ArchiveKey(tenant, a.name());
        feed.locked(key, () -> {
            if (!view.equals(defined.get(key))) {
                defined.put(key, view);
                engine.defineArchive(tenant, view, config.windowOf(tenant.value(), a.name()));
            }
            if (rows.isEmpty()) {
                return;
            }
            feed.apply(tenant, io.tidemark.core.SampleBatch.validate(view, ReadBack.readerValues(plan, rows),
                    ReadBack.UNLIMITED));
        });
    }

    /**
     * Before a batch of {@code archive} is ingested, under its lock: an archive another server created since the
     * last sync becomes live now.
     */
    void ensureLive(TenantId tenant, String archive) {
        if (!defined.containsKey(new ArchiveKey(tenant, archive))) {
            define(tenant, store.archives().requireArchive(tenant, archive));
        }
    }

    /** The archive is no longer live; its queries end with NOT_FOUND in the next generation. */
    void drop(TenantId tenant, String archive) {
        defined.remove(new ArchiveKey(tenant, archive));
        engine.dropArchive(tenant, archive);
    }

    /** The definition the archive is live with (a rollup's reader view), or null if it is not live. */
    ArchiveDefinition view(TenantId tenant, String archive) {
        return defined.get(new ArchiveKey(tenant, archive));
    }

    private static ArchiveDefinition viewOf(ArchiveDefinition stored) {
        return stored.isRollup() ? readerView(stored) : stored;
    }

    /** A rollup archive as readers see it: one column per aggregation, AVG as DOUBLE. */
    static ArchiveDefinition readerView(ArchiveDefinition stored) {
        RollupDefinition r = stored.rollup();
        List<Column> cols = new ArrayList<>();
        for (Aggregation g : r.aggregations()) {
            cols.add(Column.of(g.as(), g.function() == AggregateFunction.AVG ? ColumnType.DOUBLE
                    : stored.requireColumn(g.as()).type()));
        }
        return new ArchiveDefinition(stored.name(), cols, null);
    }

    /** Loads the rows of the archive's live window from the store (after a restart the engine starts empty). */
    private void load(TenantId tenant, ArchiveInfo a, ArchiveDefinition view) {
        Instant from = clock.instant().minus(config.windowOf(tenant.value(), a.name()));
        RollupPlan plan = a.definition().isRollup()
                ? store.rollups().rollup(new RollupId(tenant, a.name())).plan() : null;
        try {
            readBack.range(tenant, view, plan, from, END_OF_TIME);
        } catch (TidemarkException e) {
            LOG.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("archive", a.name())
                    .addKeyValue("error", e.toString()).log("live: the archive's live window was not loaded");
        }
    }
}
