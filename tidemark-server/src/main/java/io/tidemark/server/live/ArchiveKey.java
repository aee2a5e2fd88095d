package io.tidemark.server.live;

import io.tidemark.core.TenantId;

/** One tenant's archive: the unit of live definition and of commit ordering. */
record ArchiveKey(TenantId tenant, String archive) {
}
