package io.tidemark.store;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.TenantId;

/** An archive as the store knows it. For a rollup archive, {@code definition().rollup()} is set. */
public record ArchiveInfo(TenantId tenant, ArchiveDefinition definition, ArchiveStatus status) {
    public String name() {
        return definition.name();
    }
}
