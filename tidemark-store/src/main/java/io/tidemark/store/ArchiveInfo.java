package io.tidemark.store;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Duration;

/**
 * An archive as the store knows it. For a rollup archive, {@code definition().rollup()} is set.
 *
 * @param maxLateness samples older than {@code now − maxLateness} are stored but do not make rollup buckets stale;
 *     null means unlimited (every late sample is re-aggregated). Set with {@link ArchiveStore#setMaxLateness}.
 * @param retention rows older than {@code now − retention} are deleted by the rollup host once no rollup needs them,
 *     and a sample older than that is refused at ingest; null keeps rows forever. Set with
 *     {@link ArchiveStore#setRetention}.
 */
public record ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness,
        Duration retention) {

    /** An archive with unlimited lateness, kept forever. */
    public ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status) {
        this(tenant, definition, status, null, null);
    }

    /** An archive kept forever. */
    public ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness) {
        this(tenant, definition, status, maxLateness, null);
    }

    /** This archive in another status, its settings unchanged. */
    public ArchiveInfo withStatus(ArchiveStatus to) {
        return new ArchiveInfo(tenant, definition, to, maxLateness, retention);
    }

    /**
     * The retention horizon at {@code now}: rows older than this may be deleted, and samples older than this are
     * refused at ingest; null when the archive is kept forever.
     */
    public java.time.Instant retentionHorizon(java.time.Instant now) {
        return retention == null ? null : now.minus(retention);
    }

    public String name() {
        return definition.name();
    }

    /**
     * The rule for which archives accept samples: a raw archive that is ACTIVATED. Every write path checks it, the
     * server before it parses a body and the store before it writes.
     *
     * @return this archive
     * @throws TidemarkException {@code INVALID_STATE} for a rollup archive (only the orchestrator writes its rows)
     *     or an archive that is not ACTIVATED
     */
    public ArchiveInfo requireWritable() {
        if (definition.isRollup()) {
            throw new TidemarkException(ErrorCode.INVALID_STATE,
                    "archive '" + name() + "' is a rollup archive; only the orchestrator writes its rows");
        }
        if (status != ArchiveStatus.ACTIVATED) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "archive '" + name() + "' is " + status
                    + "; only an ACTIVATED archive accepts samples (activate it first)");
        }
        return this;
    }
}
