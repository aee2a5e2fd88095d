package io.tidemark.store;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.TenantId;
import java.time.Duration;

/**
 * An archive as the store knows it. For a rollup archive, {@code definition().rollup()} is set.
 *
 * @param maxLateness samples older than {@code now − maxLateness} are stored but do not make rollup buckets stale;
 *     null means unlimited (every late sample is re-aggregated). Set with {@link StreamData#setMaxLateness}.
 */
public record ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status, Duration maxLateness) {

    /** An archive with unlimited lateness. */
    public ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status) {
        this(tenant, definition, status, null);
    }

    public String name() {
        return definition.name();
    }
}
