package io.tidemark.server.sql;

import io.tidemark.core.TenantId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * {@code sql.max-concurrent-statements-per-tenant}: a statement takes one of its tenant's slots from its start until its
 * cursor closes, over all the tenant's connections. Never waits: a statement without a slot is refused (53400), since
 * a client holding a slot may be one that stopped reading. Thread-safe.
 */
final class TenantSlots {
    private final int perTenant;
    private final ConcurrentHashMap<TenantId, Semaphore> slots = new ConcurrentHashMap<>();

    TenantSlots(int perTenant) {
        this.perTenant = perTenant;
    }

    int perTenant() {
        return perTenant;
    }

    /** A slot, or null when the tenant has none free; run the answer to give it back (once). */
    Runnable tryTake(TenantId tenant) {
        Semaphore s = slots.computeIfAbsent(tenant, t -> new Semaphore(perTenant));
        if (!s.tryAcquire()) {
            return null;
        }
        boolean[] released = {false};
        return () -> {
            if (!released[0]) {
                released[0] = true;
                s.release();
            }
        };
    }
}
