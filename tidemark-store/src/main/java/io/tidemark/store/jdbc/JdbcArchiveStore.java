package io.tidemark.store.jdbc;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.ArchiveStats;
import io.tidemark.store.ArchiveStore;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RetentionRequest;
import io.tidemark.store.RetentionResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

final class JdbcArchiveStore implements ArchiveStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcArchiveStore.class);
    /** Runs of a write transaction that concurrent writers abort by a deadlock or a serialization failure. */
    static final int WRITE_ATTEMPTS = 3;
    /** The actor of {@code LATE_SKIPPED} entries: the store does not know who sent the batch. */
    static final String INGEST_ACTOR = "ingest";

    private final JdbcStore store;
    private final Catalog catalog;
    private final LateData late;
    /** Keyed by tenant and archive. */
    private final MetadataCache<List<LateData.Dependant>> dependantsCache;
    private final MetadataCache<ArchiveInfo> archiveCache;
    /** Keyed by tenant. */
    private final MetadataCache<List<ArchiveInfo>> archivesCache;
    private final SqlDialect d;

    JdbcArchiveStore(JdbcStore store, Catalog catalog, LateData late) {
        this.store = store;
        this.catalog = catalog;
        this.late = late;
        this.d = store.dialect();
        this.dependantsCache = new MetadataCache<>(store);
        this.archiveCache = new MetadataCache<>(store);
        this.archivesCache = new MetadataCache<>(store);
    }

    @Override
    public ArchiveInfo createArchive(TenantId tenant, ArchiveDefinition def) {
        if (def.isRollup()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "archive '" + def.name() + "' is a rollup; create it with createRollupArchive");
        }
        return store.inTransaction("create archive " + def.name(), c -> {
            catalog.requireTenant(c, tenant);
            requireFree(c, tenant, def.name());
            catalog.insertArchive(c, tenant, def);
            createTable(c, tenant, def);
            return catalog.requireArchive(c, tenant, def.name());
        });
    }

    @Override
    public RollupPlan createRollupArchive(TenantId tenant, RollupDefinition def) {
        return store.inTransaction("create rollup archive " + def.name(), c -> {
            catalog.requireTenant(c, tenant);
            requireFree(c, tenant, def.name());
            List<ArchiveInfo> all = catalog.archives(c, tenant, null);
            requireNoCycle(def, all);
            ArchiveDefinition source = all.stream().filter(a -> a.name().equals(def.source())).findFirst()
                    .map(ArchiveInfo::definition).orElse(null);
            RollupPlan plan = RollupPlan.of(def, source);
            ArchiveDefinition target = plan.target();
            catalog.insertArchive(c, tenant, target);
            catalog.insertRollup(c, tenant, def);
            createTable(c, tenant, target);
            return plan;
        });
    }

    /** A rollup's chain of sources must end at a raw archive without passing through the rollup itself. */
    private static void requireNoCycle(RollupDefinition def, List<ArchiveInfo> all) {
        Map<String, String> sourceOf = new LinkedHashMap<>();
        for (ArchiveInfo a : all) {
            if (a.definition().isRollup()) {
                sourceOf.put(a.name(), a.definition().rollup().source());
            }
        }
        sourceOf.put(def.name(), def.source());
        Set<String> seen = new HashSet<>();
        for (String at = def.name(); at != null; at = sourceOf.get(at)) {
            if (!seen.add(at)) {
                throw new TidemarkException(ErrorCode.ROLLUP_CYCLE, "rollup '" + def.name() + "' would form a cycle: "
                        + seen + " read from each other");
            }
        }
    }

    private void requireFree(Connection c, TenantId tenant, String name) throws SQLException {
        if (catalog.archive(c, tenant, name).isPresent()) {
            throw new TidemarkException(ErrorCode.ALREADY_EXISTS,
                    "archive '" + name + "' already exists in tenant '" + tenant + "'");
        }
    }

    private void createTable(Connection c, TenantId tenant, ArchiveDefinition def) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String ddl : d.createArchiveTable(tenant, def)) {
                s.execute(ddl);
            }
        }
    }

    @Override
    public ArchiveInfo activateArchive(TenantId tenant, String archive) {
        return store.inTransaction("activate archive " + archive, c -> {
            ArchiveInfo a = catalog.requireArchive(c, tenant, archive);
            catalog.setArchiveStatus(c, tenant, archive, ArchiveStatus.ACTIVATED);
            if (a.definition().isRollup()) {
                setRollupStatus(c, tenant, archive, RollupStatus.ACTIVATED);
            }
            return a.withStatus(ArchiveStatus.ACTIVATED);
        });
    }

    @Override
    public ArchiveInfo disableArchive(TenantId tenant, String archive) {
        return store.inTransaction("disable archive " + archive, c -> {
            ArchiveInfo a = catalog.requireArchive(c, tenant, archive);
            if (a.status() == ArchiveStatus.CREATED) {
                throw new TidemarkException(ErrorCode.INVALID_STATE,
                        "archive '" + archive + "' is CREATED; only an ACTIVATED archive can be disabled");
            }
            catalog.setArchiveStatus(c, tenant, archive, ArchiveStatus.DISABLED);
            if (a.definition().isRollup()) {
                setRollupStatus(c, tenant, archive, RollupStatus.DISABLED);
            }
            return a.withStatus(ArchiveStatus.DISABLED);
        });
    }

    private void setRollupStatus(Connection c, TenantId tenant, String name, RollupStatus to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.setRollupStatusWithArchive(to))) {
            ps.setString(1, to.name());
            ps.setString(2, tenant.value());
            ps.setString(3, name);
            ps.executeUpdate();
        }
    }

    @Override
    public void deleteArchive(TenantId tenant, String archive) {
        store.inTransaction("delete archive " + archive, c -> {
            catalog.requireArchive(c, tenant, archive);
            List<String> readers = catalog.dependants(c, tenant, archive);
            if (!readers.isEmpty()) {
                throw new TidemarkException(ErrorCode.IN_USE, "archive '" + archive + "' is read by rollup(s) "
                        + readers + "; delete those first");
            }
            try (Statement s = c.createStatement()) {
                s.execute(d.dropArchiveTable(tenant, archive));
            }
            catalog.deleteArchive(c, tenant, archive);
            return null;
        });
    }

    @Override
    public Optional<ArchiveInfo> archive(TenantId tenant, String archive) {
        return store.readSnapshot("read archive " + archive, c -> catalog.archive(c, tenant, archive));
    }

    /** Kept between calls on a single-writer engine ({@link MetadataCache}): every ingest request reads it. */
    @Override
    public ArchiveInfo requireArchive(TenantId tenant, String archive) {
        return archiveCache.get(tenant.value() + '/' + archive, () -> store.readSnapshot("read archive " + archive,
                c -> catalog.requireArchive(c, tenant, archive)));
    }

    /**
     * Kept between calls on a single-writer engine ({@link MetadataCache}): the SQL endpoint checks every statement
     * against the tenant's archives as they are, and on embedded DuckDB the catalog read costs milliseconds. The same
     * immutable list is answered while no transaction ended, so a caller may keep what it derived from it by identity.
     */
    @Override
    public List<ArchiveInfo> archives(TenantId tenant) {
        return archivesCache.get(tenant.value(), () -> List.copyOf(store.readSnapshot("list archives",
                c -> catalog.archives(c, tenant, null))));
    }

    @Override
    public int write(TenantId tenant, String archive, List<Sample> samples) {
        ArchiveInfo a = requireWritable(tenant, archive);
        return write(tenant, SampleBatch.validate(a.definition(), samples, BatchLimits.DEFAULT));
    }

    @Override
    public int write(TenantId tenant, SampleBatch batch) {
        return write(tenant, List.of(batch));
    }

    @Override
    public int write(TenantId tenant, List<SampleBatch> batches) {
        Map<String, List<SampleBatch>> byArchive = new LinkedHashMap<>();
        for (SampleBatch b : batches) {
            byArchive.computeIfAbsent(b.archive().name(), k -> new ArrayList<>()).add(b);
        }
        Instant now = store.clock().instant();
        List<ArchiveWrite> writes = new ArrayList<>(byArchive.size());
        for (List<SampleBatch> same : byArchive.values()) {
            String archive = same.get(0).archive().name();
            ArchiveInfo a = requireWritable(tenant, archive);
            for (SampleBatch b : same) {
                if (!a.definition().equals(b.archive())) {
                    throw new TidemarkException(ErrorCode.INVALID_STATE,
                            "archive '" + archive + "' changed since the batch was validated; validate it again");
                }
                a.requireRetained(b, now);
            }
            SampleBatch combined = SampleBatch.concat(same);
            if (combined.size() > 0) {
                writes.add(new ArchiveWrite(a, combined, null));
            }
        }
        return writeValidated(tenant, writes);
    }

    /**
     * One archive's part of a write transaction: its batches concatenated in order (a repeated key keeps the last).
     *
     * @param lateAsOf the instant maxLateness is measured back from, or null for the store's clock at the write
     */
    record ArchiveWrite(ArchiveInfo archive, SampleBatch batch, Instant lateAsOf) {}

    /** A write transaction's work, run without ({@code compare} false) or with looking at stored keys first. */
    interface WriteWork<T> {
        T run(Connection c, boolean compare) throws SQLException;
    }

    /**
     * One transaction for all the archives' batches: lock each archive's dependants' state rows (shared), write, then
     * mark the buckets of the samples that are late and new or changed (see {@link LateData} for why nothing slips
     * between an aggregate and its watermark). A batch with no sample below any protected watermark costs one extra
     * indexed read. When the engine's write without looking meets a stored key and cannot recover inside the
     * transaction, the whole transaction is rolled back and run once more, looking first (see
     * {@link BatchWrite#compare()}).
     */
    private int writeValidated(TenantId tenant, List<ArchiveWrite> writes) {
        if (writes.isEmpty()) {
            return 0;
        }
        int samples = writes.stream().mapToInt(w -> w.batch().size()).sum();
        String what = "write " + samples + " samples to " + String.join(", ",
                writes.stream().map(w -> w.archive().name()).toList());
        return runWrite(what, (c, compare) -> writeAll(c, tenant, writes, compare));
    }

    /**
     * Runs a write transaction, again when a concurrent one aborts it (up to {@link #WRITE_ATTEMPTS} runs), and once
     * more looking first when the engine's write without looking meets a stored key ({@link #writeOnce}).
     */
    <T> T runWrite(String what, WriteWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(what, work);
            } catch (TidemarkException e) {
                if (attempt == WRITE_ATTEMPTS || !(e.getCause() instanceof SQLException s)
                        || !store.engine().conflict(s)) {
                    throw e;
                }
                LOG.info("{}: a concurrent transaction conflicted (attempt {} of {}), running it again: {}", what,
                        attempt, WRITE_ATTEMPTS, s.getMessage());
            }
        }
    }

    /**
     * One write transaction. A deadlock or serialization failure between concurrent writers aborts the whole
     * transaction, so {@link #writeValidated} runs it again (up to {@link #WRITE_ATTEMPTS} times) instead of
     * failing a valid batch.
     */
    private <T> T writeOnce(String what, WriteWork<T> work) {
        try {
            return store.inTransaction(what, c -> work.run(c, false), false);
        } catch (KeyAlreadyStored retry) {
            return store.inTransaction(what, c -> work.run(c, true), false);
        }
    }

    /** Writes each archive's part in the caller's transaction (see {@link #writeValidated}). */
    int writeAll(Connection c, TenantId tenant, List<ArchiveWrite> writes, boolean compare)
            throws SQLException {
        int n = 0;
        for (ArchiveWrite w : writes) {
            n += writeInTransaction(c, tenant, w, compare);
        }
        return n;
    }

    private int writeInTransaction(Connection c, TenantId tenant, ArchiveWrite w, boolean compare)
            throws SQLException {
        ArchiveInfo a = w.archive();
        SampleBatch batch = w.batch();
        List<LateData.Dependant> dependants = dependants(c, tenant, a.name());
        long bound = LateData.protectedBound(dependants);
        long[] changed = store.engine().writeBatch(c, new BatchWrite(tenant, a.definition(), batch, bound,
                compare));
        if (LateData.TRACE.isTraceEnabled()) {
            traceWrite(a, batch, compare, bound, changed, dependants);
        }
        if (changed.length > 0) {
            markLate(c, tenant, a, dependants, changed, w.lateAsOf());
        }
        return batch.size();
    }

    /**
     * One TRACE line per write attempt that reached the engine: the metadata version, the late bound, the changed
     * late samples, the dependants as read (with their stale ranges) and every sample's key ({@code rtId@micros}),
     * so a trace can be replayed against the rollups' statements (see {@link LateData#TRACE}).
     */
    private void traceWrite(ArchiveInfo a, SampleBatch batch, boolean compare, long bound, long[] changed,
            List<LateData.Dependant> dependants) {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < batch.size(); i++) {
            keys.append(' ').append(batch.rtId(i)).append('@').append(batch.micros(i));
        }
        LateData.TRACE.trace("write {} samples to {} (compare {}, version {}): bound {}, {} changed {}, dependants {}, "
                + "samples{}", batch.size(), a.name(), compare, store.metadataVersion(),
                bound == Long.MIN_VALUE ? null : Micros.fromMicros(bound), changed.length,
                Arrays.toString(Arrays.stream(changed).sorted().mapToObj(Micros::fromMicros).toArray()), dependants,
                keys);
    }

    /**
     * The dependants of {@code archive} as {@link LateData#dependants} reads them, kept between writes on a
     * single-writer engine ({@link MetadataCache}; this runs first in the write transaction, under the writer lock).
     */
    private List<LateData.Dependant> dependants(Connection c, TenantId tenant, String archive) throws SQLException {
        return dependantsCache.get(tenant.value() + '/' + archive, () -> late.dependants(c, tenant, archive));
    }

    /**
     * @param lateAsOf the instant maxLateness is measured back from (a log record's acceptance instant), or null for
     *     the store's clock now; stale ranges and the audit entry are dated by the store's clock either way
     */
    private void markLate(Connection c, TenantId tenant, ArchiveInfo a, List<LateData.Dependant> dependants,
            long[] changed, Instant lateAsOf) throws SQLException {
        store.metadataChanged();
        Arrays.sort(changed);
        Instant now = store.clock().instant();
        int start = 0;
        if (a.maxLateness() != null) {
            long cutoff = Micros.toMicros((lateAsOf == null ? now : lateAsOf).minus(a.maxLateness()));
            while (start < changed.length && changed[start] < cutoff) {
                start++;
            }
        }
        if (start > 0) {
            store.auditTrail().append(c, AuditEntry.of(tenant, now, AuditKind.LATE_SKIPPED, a.name(), INGEST_ACTOR,
                    start + " late samples older than maxLateness " + a.maxLateness() + " stored but not "
                    + "re-aggregated, timestamps [" + Micros.fromMicros(changed[0]) + ", "
                    + Micros.fromMicros(changed[start - 1]) + "]"));
        }
        late.markSamples(c, tenant, dependants, changed, start, now);
    }

    @Override
    public ArchiveInfo setMaxLateness(TenantId tenant, String archive, Duration maxLateness) {
        if (maxLateness != null && (maxLateness.isNegative() || maxLateness.isZero())) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "maxLateness of archive '" + archive
                    + "' must be positive, got " + maxLateness + "; use null for unlimited");
        }
        return store.inTransaction("set maxLateness of " + archive, c -> {
            ArchiveInfo a = catalog.requireArchive(c, tenant, archive);
            if (a.definition().isRollup()) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "archive '" + archive + "' is a rollup "
                        + "archive; maxLateness applies to the raw archive samples are written to");
            }
            catalog.setMaxLateness(c, tenant, archive, maxLateness);
            return new ArchiveInfo(tenant, a.definition(), a.status(), maxLateness, a.retention(), a.version());
        });
    }

    @Override
    public ArchiveInfo setRetention(TenantId tenant, String archive, Duration retention) {
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "retention of archive '" + archive
                    + "' must be a positive duration, got " + retention + "; use null to keep rows forever");
        }
        return store.inTransaction("set retention of " + archive, c -> {
            ArchiveInfo a = catalog.requireArchive(c, tenant, archive);
            catalog.setRetention(c, tenant, archive, retention);
            return new ArchiveInfo(tenant, a.definition(), a.status(), a.maxLateness(), retention, a.version());
        });
    }

    /**
     * One transaction: the dependants' shared lock and state (as a write takes them), the bound lowered to what they
     * need, the oldest row below it, then one range delete of at most {@code maxSpan} from there.
     */
    @Override
    public RetentionResult deleteExpired(RetentionRequest r) {
        TenantId tenant = r.tenant();
        return store.inTransaction("delete expired rows of " + r.archive(), c -> {
            catalog.requireArchive(c, tenant, r.archive());
            Instant bound = r.before();
            for (LateData.Dependant dep : late.dependants(c, tenant, r.archive())) {
                Instant needed = dep.neededFrom();
                if (needed == null) {
                    return RetentionResult.nothing(null);
                }
                Instant mine = dep.bucket().floor(needed.isBefore(r.before()) ? needed : r.before());
                bound = mine.isBefore(bound) ? mine : bound;
            }
            Instant oldest = oldest(c, tenant, r.archive(), bound);
            if (oldest == null) {
                return RetentionResult.nothing(bound);
            }
            Instant spanEnd = oldest.plus(r.maxSpan());
            Instant to = spanEnd.isBefore(bound) ? spanEnd : bound;
            long rows;
            try (PreparedStatement ps = c.prepareStatement(d.deleteRange(tenant, r.archive()))) {
                Jdbc.setInstant(ps, 1, oldest);
                Jdbc.setInstant(ps, 2, to);
                rows = ps.executeUpdate();
            }
            return new RetentionResult(rows, oldest, to, bound, to.isBefore(bound));
        }, false);
    }

    private Instant oldest(Connection c, TenantId tenant, String archive, Instant before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.minTimestamp(tenant, archive))) {
            Jdbc.setInstant(ps, 1, BatchLimits.DEFAULT.minTimestamp());
            Jdbc.setInstant(ps, 2, before);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Jdbc.getInstant(rs, 1) : null;
            }
        }
    }

    private ArchiveInfo requireWritable(TenantId tenant, String archive) {
        return requireArchive(tenant, archive).requireWritable();
    }

    @Override
    public List<Sample> read(TenantId tenant, ReadRequest r) {
        return store.readSnapshot("read " + r.archive(), c -> read(c, tenant,
                catalog.requireArchive(c, tenant, r.archive()).definition(), r));
    }

    /** {@link SqlDialect#latestBefore} in the caller's transaction: at most {@code limit} rows, oldest first. */
    List<Sample> latestBefore(Connection c, TenantId tenant, ArchiveDefinition def, Instant floor, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.latestBefore(tenant, def))) {
            Jdbc.setInstant(ps, 1, floor);
            ps.setInt(2, limit);
            return rows(ps, def);
        }
    }

    /** {@link #read(TenantId, ReadRequest)} in the caller's transaction, of an archive it read. */
    List<Sample> read(Connection c, TenantId tenant, ArchiveDefinition def, ReadRequest r) throws SQLException {
        {
            try (PreparedStatement ps = c.prepareStatement(d.read(tenant, def, r.rtIds().size(), r.after() != null))) {
                int i = 1;
                Jdbc.setInstant(ps, i++, r.from());
                Jdbc.setInstant(ps, i++, r.to());
                if (r.after() != null) {
                    Jdbc.setInstant(ps, i++, r.after().timestamp());
                    Jdbc.setInstant(ps, i++, r.after().timestamp());
                    ps.setString(i++, r.after().rtId());
                }
                for (String id : r.rtIds()) {
                    ps.setString(i++, id);
                }
                ps.setInt(i, r.limit());
                return rows(ps, def);
            }
        }
    }

    @Override
    public ArchiveStats archiveStats(TenantId tenant, String archive) {
        return store.readSnapshot("statistics of " + archive, c -> {
            catalog.requireArchive(c, tenant, archive);
            try (PreparedStatement ps = c.prepareStatement(d.archiveStats(tenant, archive, EXACT_COUNT_UP_TO));
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                Instant earliest = Jdbc.getInstant(rs, 1);
                Instant latest = Jdbc.getInstant(rs, 2);
                long counted = rs.getLong(3);
                long estimate = rs.getLong(4);
                boolean exact = rs.wasNull() || counted <= EXACT_COUNT_UP_TO;
                return exact ? new ArchiveStats(counted, false, earliest, latest)
                        : new ArchiveStats(Math.max(counted, estimate), true, earliest, latest);
            }
        });
    }

    private static List<Sample> rows(PreparedStatement ps, ArchiveDefinition def) throws SQLException {
        List<Sample> out = new ArrayList<>();
        List<Column> cols = def.columns();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int k = 0; k < cols.size(); k++) {
                    values.put(cols.get(k).name(), value(rs, k + 3, cols.get(k)));
                }
                out.add(new Sample(rs.getString(2), Jdbc.getInstant(rs, 1), values));
            }
        }
        return out;
    }

    private static Object value(ResultSet rs, int index, Column col) throws SQLException {
        Object v = switch (col.type()) {
            case DOUBLE -> rs.getDouble(index);
            case BIGINT -> rs.getLong(index);
            case BOOLEAN -> rs.getBoolean(index);
            case VARCHAR -> rs.getString(index);
            case TIMESTAMP -> Jdbc.getInstant(rs, index);
        };
        return rs.wasNull() ? null : v;
    }
}
