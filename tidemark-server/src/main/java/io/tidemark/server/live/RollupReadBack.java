package io.tidemark.server.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.rollup.RollupCommit;
import io.tidemark.rollup.RollupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the buckets the orchestrator commits to the rollup archive's live tables: the rollup host calls
 * {@link #committed} on its thread after the statement's rows commit and before the watermark moves; the committed
 * range is read back through the store's read API (values as readers see them) and applied under the archive's lock
 * in the {@link CommitFeed}. Neither the orchestrator, the store nor the live engine knows of the others. Never
 * throws: a failure is logged, and the rows are stored either way. Thread-safe.
 */
final class RollupReadBack implements RollupListener {
    private static final Logger LOG = LoggerFactory.getLogger(RollupReadBack.class);

    private final ArchiveSync archives;
    private final CommitFeed feed;
    private final ReadBack readBack;

    RollupReadBack(ArchiveSync archives, CommitFeed feed, ReadBack readBack) {
        this.archives = archives;
        this.feed = feed;
        this.readBack = readBack;
    }

    @Override
    public void committed(RollupCommit c) {
        TenantId tenant = c.id().tenant();
        String archive = c.plan().definition().name();
        ArchiveDefinition view = archives.view(tenant, archive);
        if (view == null) {
            return;
        }
        try {
            feed.locked(new ArchiveKey(tenant, archive),
                    () -> readBack.range(tenant, view, c.plan(), c.from(), c.to()));
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).addKeyValue("tenant", tenant.value()).addKeyValue("rollup", archive)
                    .log("live: cannot apply committed rollup buckets to the live tables");
        }
    }
}
