package io.tidemark.store.jdbc;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AuditTrail;
import io.tidemark.store.RollupStore;
import io.tidemark.store.Store;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.ArchiveStore;
import io.tidemark.store.LogPosition;
import io.tidemark.store.LogWriterStore;
import io.tidemark.store.TokenStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store shared by every JDBC engine. Creates and migrates the metadata schema on open; runs each operation in
 * its own transaction; serialises writers where the {@link Engine#singleWriter() engine needs it}.
 */
public final class JdbcStore implements Store {
    /** The metadata schema version this code writes; bump with a migration step in {@link #migrate}. */
    public static final int SCHEMA_VERSION = 4;
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);

    private final Engine engine;
    private final SqlDialect dialect;
    private final ReentrantLock writeLock = new ReentrantLock();
    /**
     * Bumped by every transaction that may have changed rollup metadata (state rows, stale ranges); a cache of it is
     * valid while this is unchanged. Exact on single-writer engines, where it only moves under the writer lock.
     */
    private final AtomicLong metadataVersion = new AtomicLong();
    private final Catalog catalog;
    private final JdbcArchiveStore streamData;
    private final JdbcRollupStore rollups;
    private final JdbcAuditTrail audit;
    private final Clock clock;
    private final JdbcTokenStore tokens;
    private final StoreTimeouts timeouts;
    private final JdbcTenantSql sql;
    private final JdbcLogWriter logWriter;
    private volatile boolean closed;

    public JdbcStore(Engine engine) {
        this(engine, Clock.systemUTC());
    }

    /** @param clock when stale ranges are recorded, and "now" for {@code maxLateness} and {@code retention} */
    public JdbcStore(Engine engine, Clock clock) {
        this(engine, clock, StoreTimeouts.DEFAULT);
    }

    /**
     * @param clock when stale ranges are recorded, and "now" for {@code maxLateness} and {@code retention}
     * @param timeouts {@link StoreTimeouts#lock()} bounds the wait for the single-writer lock; the engine applies
     *     the others to its connections
     */
    public JdbcStore(Engine engine, Clock clock, StoreTimeouts timeouts) {
        this.engine = engine;
        this.clock = clock;
        this.timeouts = timeouts;
        this.dialect = engine.dialect();
        this.catalog = new Catalog(this);
        LateData late = new LateData(dialect);
        this.streamData = new JdbcArchiveStore(this, catalog, late);
        this.rollups = new JdbcRollupStore(this, catalog, late);
        this.audit = new JdbcAuditTrail(this);
        this.tokens = new JdbcTokenStore(this, catalog);
        this.sql = new JdbcTenantSql(this);
        this.logWriter = new JdbcLogWriter(this, catalog, streamData);
        try {
            int found = inTransaction("migrate metadata", this::migrate);
            migrateTenants(found);
            lockDownForTenantSql();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        LOG.info("store open: {} (metadata schema v{})", engine.describe(), SCHEMA_VERSION);
    }

    /**
     * Creates or migrates the metadata schema in one transaction; records the version only up to v3, whose steps
     * are all in the shared schema (see {@link #migrateTenants}).
     *
     * @return the version found before
     */
    private int migrate(Connection c) throws SQLException {
        int version = 0;
        try (Statement s = c.createStatement()) {
            for (String ddl : dialect.createMetadata()) {
                s.execute(ddl);
            }
            try (ResultSet rs = s.executeQuery(dialect.selectSchemaVersion())) {
                if (rs.next()) {
                    version = rs.getInt(1);
                }
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("the store's metadata schema is v" + version + ", newer than this Tidemark (v"
                        + SCHEMA_VERSION + "); upgrade Tidemark");
            }
            if (version < 2) {
                for (String ddl : dialect.migrateToV2()) {
                    s.execute(ddl);
                }
            }
            if (version < 3) {
                for (String ddl : dialect.migrateToV3()) {
                    s.execute(ddl);
                }
            }
        }
        if (version < 3) {
            insertSchemaVersion(c, 3);
        }
        return version;
    }

    /**
     * v3 → v4 (the cluster's log tables in each tenant's schema): one transaction per tenant, so that no transaction
     * touches two tenants' schemas, then the version in one of its own. Each step is idempotent: a migration
     * interrupted half way is run again from the start at the next open.
     */
    private void migrateTenants(int found) {
        if (found >= SCHEMA_VERSION) {
            return;
        }
        if (dialect.supportsTenantLog()) {
            for (TenantId tenant : tenants()) {
                inTransaction("migrate tenant " + tenant + " to metadata v4", c -> {
                    createTenantLog(c, tenant);
                    return null;
                });
            }
        }
        inTransaction("record metadata v" + SCHEMA_VERSION, c -> {
            insertSchemaVersion(c, SCHEMA_VERSION);
            return null;
        });
    }

    private void insertSchemaVersion(Connection c, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.insertSchemaVersion())) {
            ps.setInt(1, version);
            ps.executeUpdate();
        }
    }

    /**
     * Runs {@link SqlDialect#lockDownForTenantSql()}, each statement on its own in auto-commit mode; one the store's
     * user may not run is logged and skipped (the rest of the defence still holds; {@link io.tidemark.store.TenantSql}
     * says what it then lacks).
     */
    private void lockDownForTenantSql() {
        read("lock down for tenant SQL", c -> {
            for (String sql : dialect.lockDownForTenantSql()) {
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                } catch (SQLException e) {
                    LOG.warn("tenant SQL: the store's user could not run '{}' ({}); tenant SQL runs without it",
                            sql, e.getMessage());
                }
            }
            return null;
        });
    }

    /**
     * Creates the tenant's SQL reader (a role on PostgreSQL) inside the caller's transaction, then the log tables
     * (where the engine keeps them), which the reader's grants must not reach; idempotent.
     */
    void createTenantReader(Connection c, TenantId tenant) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : dialect.createTenantReader(tenant)) {
                s.execute(sql);
            }
        }
        createTenantLog(c, tenant);
    }

    /**
     * Creates the tenant's log tables and its position row ({@link LogPosition#START}) if missing, and takes them
     * from its reader; idempotent. Nothing where the engine keeps no log tables.
     */
    private void createTenantLog(Connection c, TenantId tenant) throws SQLException {
        if (!dialect.supportsTenantLog()) {
            return;
        }
        try (Statement s = c.createStatement()) {
            for (String sql : dialect.createTenantLog(tenant)) {
                s.execute(sql);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(dialect.insertLogPositionIfNone(tenant))) {
            ps.setInt(1, LogPosition.START.partition());
            ps.setLong(2, LogPosition.START.nextOffset());
            ps.executeUpdate();
        }
        try (Statement s = c.createStatement()) {
            for (String sql : dialect.hideTenantLog(tenant)) {
                s.execute(sql);
            }
        }
    }

    SqlDialect dialect() {
        return dialect;
    }

    Engine engine() {
        return engine;
    }

    Clock clock() {
        return clock;
    }

    JdbcAuditTrail auditTrail() {
        return audit;
    }

    /** Runs {@code work} in one transaction; commits on return, rolls back on any exception. */
    <T> T inTransaction(String what, Jdbc.Work<T> work) {
        return inTransaction(what, work, true);
    }

    /**
     * Runs {@code work} in one transaction; commits on return, rolls back on any exception.
     *
     * @param changesMetadata false only for a transaction that writes archive rows and nothing else unless it says
     *     so by {@link #metadataChanged()}; every other transaction bumps {@link #metadataVersion()} when it ends
     */
    <T> T inTransaction(String what, Jdbc.Work<T> work, boolean changesMetadata) {
        boolean lock = engine.singleWriter();
        if (lock) {
            lockWriter(what);
        }
        try {
            T out = transaction(what, null, work);
            if (LateData.TRACE.isTraceEnabled()) {
                LateData.TRACE.trace("committed: {} (version {})", what, metadataVersion.get());
            }
            return out;
        } finally {
            if (changesMetadata) {
                metadataVersion.incrementAndGet();
            }
            if (lock) {
                writeLock.unlock();
            }
        }
    }

    /** See {@link #inTransaction(String, Jdbc.Work, boolean)}. */
    long metadataVersion() {
        return metadataVersion.get();
    }

    /** Called inside a transaction run with {@code changesMetadata} false when it changes rollup metadata after all. */
    void metadataChanged() {
        metadataVersion.incrementAndGet();
    }

    /** Runs a read in auto-commit mode. */
    <T> T read(String what, Jdbc.Work<T> work) {
        try (Connection c = engine.connect()) {
            return work.run(c);
        } catch (SQLException e) {
            throw Jdbc.storeError(what, e, engine.unavailable(e));
        }
    }

    /**
     * Runs a read of several statements in one read-only transaction that sees one snapshot: what a concurrent
     * transaction committed is seen whole or not at all (a rollup's definition row never without its aggregation
     * rows). Catalog reads go through here.
     */
    <T> T readSnapshot(String what, Jdbc.Work<T> work) {
        return transaction(what, dialect.beginSnapshotRead(), work);
    }

    /** One transaction on a new connection, opened by {@code begin} when not null; commit on return, else rollback. */
    private <T> T transaction(String what, String begin, Jdbc.Work<T> work) {
        try (Connection c = engine.connect()) {
            c.setAutoCommit(false);
            try {
                if (begin != null) {
                    try (Statement s = c.createStatement()) {
                        s.execute(begin);
                    }
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw Jdbc.storeError(what, e, engine.unavailable(e));
        }
    }

    /**
     * Takes the single-writer lock within {@link StoreTimeouts#lock()}: a writer that holds it longer (a long rollup
     * statement, a stalled disk) makes the others fail fast with {@code STORE_UNAVAILABLE} instead of queueing.
     */
    private void lockWriter(String what) {
        try {
            if (writeLock.tryLock(timeouts.lock().toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, what + ": the store's writer lock was not free "
                + "within " + timeouts.lock() + " (store.lock-timeout)");
    }

    /**
     * A short round trip to the store ({@code SELECT 1}), bounded by the acquire timeout for the connection and
     * the statement; {@code STORE_UNAVAILABLE} when it does not answer.
     */
    @Override
    public void ping() {
        read("ping", c -> {
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(StoreTimeouts.seconds(timeouts.acquire()));
                try (ResultSet rs = s.executeQuery(dialect.ping())) {
                    rs.next();
                }
            }
            return null;
        });
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void createTenant(TenantId tenant) {
        inTransaction("create tenant " + tenant, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(dialect.createSchema(tenant));
            }
            createTenantReader(c, tenant);
            if (!catalog.tenantExists(c, tenant)) {
                catalog.insertTenant(c, tenant);
            }
            return null;
        });
        sql.readerCreated(tenant);
    }

    @Override
    public io.tidemark.store.TenantSql sql() {
        return sql;
    }

    @Override
    public List<TenantId> tenants() {
        return read("list tenants", c -> {
            List<TenantId> out = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(dialect.selectTenants())) {
                while (rs.next()) {
                    out.add(TenantId.of(rs.getString(1)));
                }
            }
            return out;
        });
    }

    @Override
    public ArchiveStore archives() {
        return streamData;
    }

    @Override
    public RollupStore rollups() {
        return rollups;
    }

    @Override
    public AuditTrail audit() {
        return audit;
    }

    /** {@code INVALID_STATE} where the engine keeps no log tables (the embedded engine). */
    @Override
    public LogWriterStore logWriter() {
        if (!dialect.supportsTenantLog()) {
            return Store.super.logWriter();
        }
        return logWriter;
    }

    @Override
    public TokenStore tokens() {
        return tokens;
    }

    @Override
    public String describe() {
        return engine.describe();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writeLock.lock();
        try {
            engine.close();
        } finally {
            writeLock.unlock();
        }
    }
}
