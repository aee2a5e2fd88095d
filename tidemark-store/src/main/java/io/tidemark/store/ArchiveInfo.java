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
 */
public record ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness) {

    /** An archive with unlimited lateness. */
    public ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status) {
        this(tenant, definition, status, null);
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
