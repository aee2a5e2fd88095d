package io.tidemark.rollup;

import io.tidemark.core.TenantId;
import io.tidemark.store.AuditTrail;
import io.tidemark.store.RollupStore;
import io.tidemark.store.Store;
import io.tidemark.store.ArchiveStore;
import io.tidemark.store.TokenStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store seen through an {@link InterceptingRollupStore}, to inject faults and count statements. Everything else
 * goes straight to the real store; closing it closes nothing (the test owns the real store).
 */
final class InterceptingStore implements Store {
    final Store real;
    final InterceptingRollupStore runtime;
    final AtomicInteger tenantListings = new AtomicInteger();
    /** Runs at the start of every {@link #tenants()} call, i.e. at the start of every host round. */
    volatile Runnable onTenants = () -> { };

    InterceptingStore(Store real) {
        this.real = real;
        this.runtime = new InterceptingRollupStore(real.rollups());
    }

    @Override
    public void createTenant(TenantId tenant) {
        real.createTenant(tenant);
    }

    @Override
    public List<TenantId> tenants() {
        tenantListings.incrementAndGet();
        onTenants.run();
        return real.tenants();
    }

    @Override
    public ArchiveStore archives() {
        return real.archives();
    }

    @Override
    public RollupStore rollups() {
        return runtime;
    }

    @Override
    public AuditTrail audit() {
        return real.audit();
    }

    @Override
    public TokenStore tokens() {
        return real.tokens();
    }

    @Override
    public String describe() {
        return "intercepted " + real.describe();
    }

    @Override
    public void close() {
        // the test closes the real store
    }
}
