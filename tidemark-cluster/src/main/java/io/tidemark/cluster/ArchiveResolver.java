package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;

/**
 * Resolves a {@code BATCH} part's archive for {@link LogFollower}: the definition of a tenant's archive by name and
 * definition version (the store's {@code archives.seq}), which a record does not carry. The server answers from the
 * store (and defines the archive in the live engine when it is not live yet, as {@code ArchiveSync.ensureLive}
 * does).
 *
 * <p>Called on the follower's thread, at a cut, only for parts the cut applies (never for rejected records).
 */
@FunctionalInterface
public interface ArchiveResolver {
    /**
     * The definition of {@code archive} at {@code version} for {@code tenant}, or null when there is none (the part
     * is then skipped, counted and logged).
     */
    ArchiveDefinition resolve(TenantId tenant, String archive, long version);
}
