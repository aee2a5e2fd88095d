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
 * @param version the archive's definition version: its creation number in the store ({@code archives.seq}), unique
 *     per store and never reused, so an archive deleted and created again under its name has another; the cluster's
 *     ingesting node puts it in the {@code BATCH} record and the writer refuses a batch of another version
 *     ({@link LogRejectReason#RECREATED}). {@link #NO_VERSION} where not read from the store.
 */
public record ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness,
        Duration retention, long version) {
    /** The version of an archive not read from the store. */
    public static final long NO_VERSION = 0;

    /** An archive with unknown version ({@link #NO_VERSION}). */
    public ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness,
            Duration retention) {
        this(tenant, definition, status, maxLateness, retention, NO_VERSION);
    }

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
        return new ArchiveInfo(tenant, definition, to, maxLateness, retention, version);
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
     * Refuses samples below the retention horizon at {@code now}, never dropping them silently: such a sample would be
     * deleted by the next retention round, and its bucket may already be gone from the archive, so re-aggregating it
     * would replace a complete rollup bucket with a partial one. Every ingest path checks it: the store in its write
     * transaction, and in cluster mode the ingesting node before it appends the batch to the log. Names up to ten
     * rows (position in the batch after repeated keys collapsed, rtId and timestamp).
     *
     * @throws io.tidemark.core.BatchRejectedException when a sample of {@code batch} is older than the horizon
     */
    public void requireRetained(io.tidemark.core.SampleBatch batch, java.time.Instant now) {
        if (retention == null) {
            return;
        }
        long horizon = io.tidemark.core.Micros.toMicros(retentionHorizon(now));
        if (batch.minMicros() >= horizon) {
            return;
        }
        java.util.List<io.tidemark.core.BatchRejectedException.RowError> errors = new java.util.ArrayList<>();
        for (int i = 0; i < batch.size() && errors.size() < 10; i++) {
            if (batch.micros(i) < horizon) {
                errors.add(new io.tidemark.core.BatchRejectedException.RowError(i + 1, null, "rtId '"
                        + batch.rtId(i) + "' at " + io.tidemark.core.Micros.fromMicros(batch.micros(i))
                        + " is older than the archive's retention " + retention + " (horizon "
                        + io.tidemark.core.Micros.fromMicros(horizon) + "); such rows are deleted, not stored"));
            }
        }
        throw new io.tidemark.core.BatchRejectedException(name(), errors);
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
