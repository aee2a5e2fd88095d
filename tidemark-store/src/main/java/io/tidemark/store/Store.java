package io.tidemark.store;

import io.tidemark.core.TenantId;
import java.util.List;

/**
 * A Tidemark store: stream data, rollup runtime state, the audit trail and API tokens, in one database. Open one with
 * {@link Stores#open(StoreConfig)}. Implementations are thread-safe; every method may block on I/O.
 *
 * <p>Errors a user can cause are {@link io.tidemark.core.TidemarkException}s with a stable code; database failures
 * are {@code TidemarkException}s with {@link io.tidemark.core.ErrorCode#STORE_ERROR} and the driver's exception as
 * cause.
 */
public interface Store extends AutoCloseable {

    /** Creates the tenant's schema if it does not exist. Idempotent. */
    void createTenant(TenantId tenant);

    /** Tenants that exist, in name order. */
    List<TenantId> tenants();

    ArchiveStore archives();

    RollupStore rollups();

    AuditTrail audit();

    /**
     * The store side of the cluster's log writer: per-tenant log positions and exactly-once writes.
     *
     * @throws io.tidemark.core.TidemarkException {@code INVALID_STATE} for a store that cannot be the cluster's
     *     store (cluster mode needs PostgreSQL)
     */
    default LogWriterStore logWriter() {
        throw new io.tidemark.core.TidemarkException(io.tidemark.core.ErrorCode.INVALID_STATE,
                describe() + " cannot be the cluster's store: cluster mode needs PostgreSQL");
    }

    /** API tokens and the tenant and role each speaks for. */
    TokenStore tokens();

    /**
     * Tenant SQL reads on the store's engine (the SQL endpoint's backend). A store without SQL support throws
     * {@link UnsupportedOperationException}.
     */
    default TenantSql sql() {
        throw new UnsupportedOperationException(describe() + " does not run tenant SQL");
    }

    /**
     * A short round trip to the store within its configured bounds; throws {@code STORE_UNAVAILABLE} (or
     * {@code STORE_ERROR}) when the store does not answer. For health checks.
     */
    default void ping() {
        tenants();
    }

    /** Which engine and where, for logs ("duckdb /var/lib/tidemark/tidemark.duckdb"); no credentials. */
    String describe();

    /** Closes the store; waits for running statements. Idempotent. */
    @Override
    void close();
}
