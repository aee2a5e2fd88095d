package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.ArchiveStore;
import io.tidemark.store.LogRejectReason;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The archive definitions a writer decodes {@code BATCH} parts with, by (tenant, archive, definition version), read
 * from the store once and cached: a definition version is an archive's creation number, never reused, so what it
 * names never changes. Not thread-safe: the writer's thread only.
 */
final class Definitions {
    private record Key(TenantId tenant, String archive, long version) {}

    /** A definition, or why there is none for the version asked for. */
    record Resolved(ArchiveDefinition definition, LogRejectReason refused, String detail) {}

    private final ArchiveStore archives;
    private final Map<Key, ArchiveDefinition> cache = new HashMap<>();

    Definitions(ArchiveStore archives) {
        this.archives = archives;
    }

    /**
     * The definition of {@code archive} at {@code version}. An archive that is gone, or there under another version,
     * will never have this version again: the record is refused for good ({@code not_found}, {@code recreated}).
     *
     * @throws io.tidemark.core.TidemarkException as the store's reads (the caller retries)
     */
    Resolved resolve(TenantId tenant, String archive, long version) {
        Key k = new Key(tenant, archive, version);
        ArchiveDefinition cached = cache.get(k);
        if (cached != null) {
            return new Resolved(cached, null, null);
        }
        Optional<ArchiveInfo> a = archives.archive(tenant, archive);
        if (a.isEmpty()) {
            return new Resolved(null, LogRejectReason.NOT_FOUND, "archive '" + archive + "' was deleted");
        }
        if (a.get().version() != version) {
            return new Resolved(null, LogRejectReason.RECREATED, "archive '" + archive + "' is definition version "
                    + a.get().version() + ", the batch was validated against version " + version);
        }
        cache.put(k, a.get().definition());
        return new Resolved(a.get().definition(), null, null);
    }

    /** Forgets a tenant's definitions (its partition moved away). */
    void forget(TenantId tenant) {
        cache.keySet().removeIf(k -> k.tenant().equals(tenant));
    }
}
