package io.tidemark.store.jdbc;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.AggregateResult;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.RecomputeRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupStore;
import io.tidemark.store.RollupState;
import io.tidemark.store.StaleRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

final class JdbcRollupStore implements RollupStore {
    /** Before any accepted sample and any bucket holding one: where a rollup without watermark or startAt begins. */
    private static final Instant EARLIEST = Instant.parse("1800-01-01T00:00:00Z");

    private final JdbcStore store;
    private final Catalog catalog;
    private final LateData late;
    private final SqlDialect d;

    JdbcRollupStore(JdbcStore store, Catalog catalog, LateData late) {
        this.store = store;
        this.catalog = catalog;
        this.late = late;
        this.d = store.dialect();
    }

    /** One snapshot: a rollup created meanwhile is listed complete or not at all. */
    @Override
    public List<RollupInfo> rollups(TenantId tenant) {
        return store.readSnapshot("list rollups", c -> load(c, tenant));
    }

    /**
     * Reads only this rollup and its source, in one snapshot: another rollup's definition, complete or not, can never
     * make this read fail (issue 10, item 4).
     */
    @Override
    public RollupInfo rollup(RollupId id) {
        return store.readSnapshot("read rollup " + id, c -> {
            RollupState s = catalog.states(c, id.tenant(), id.name()).get(id.name());
            Optional<ArchiveInfo> a = catalog.archive(c, id.tenant(), id.name());
            if (s == null || a.isEmpty() || !a.get().definition().isRollup()) {
                throw notFound(id);
            }
            String source = a.get().definition().rollup().source();
            List<ArchiveInfo> both = new ArrayList<>(2);
            both.add(a.get());
            catalog.archive(c, id.tenant(), source).ifPresent(both::add);
            return new RollupInfo(Catalog.plan(a.get(), both), s);
        });
    }

    /** One statement on the state row (with its stale-range summary); no archive definition is read. */
    @Override
    public RollupState state(RollupId id) {
        RollupState s = store.read("read rollup state " + id, c -> catalog.states(c, id.tenant(), id.name())
                .get(id.name()));
        if (s == null) {
            throw notFound(id);
        }
        return s;
    }

    private List<RollupInfo> load(Connection c, TenantId tenant) throws SQLException {
        Map<String, RollupState> states = catalog.states(c, tenant, null);
        if (states.isEmpty()) {
            return List.of();
        }
        List<ArchiveInfo> all = catalog.archives(c, tenant, null);
        List<RollupInfo> out = new ArrayList<>();
        for (ArchiveInfo a : all) {
            RollupState s = states.get(a.name());
            if (s != null && a.definition().isRollup()) {
                out.add(new RollupInfo(Catalog.plan(a, all), s));
            }
        }
        return out;
    }

    private static TidemarkException notFound(RollupId id) {
        return new TidemarkException(ErrorCode.NOT_FOUND,
                "rollup '" + id.name() + "' does not exist in tenant '" + id.tenant() + "'");
    }

    @Override
    public boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next) {
        return store.inTransaction("advance watermark of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(d.compareAndSetWatermark(expected == null))) {
                Jdbc.setInstant(ps, 1, next);
                ps.setString(2, id.tenant().value());
                ps.setString(3, id.name());
                if (expected != null) {
                    Jdbc.setInstant(ps, 4, expected);
                }
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** One statement: the compare-and-set also resets the failures and sets the success time. */
    @Override
    public boolean compareAndSetWatermark(RollupId id, Instant expected, Instant next, Instant succeededAt) {
        return store.inTransaction("advance watermark of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(d.compareAndSetWatermarkWithSuccess(expected == null))) {
                Jdbc.setInstant(ps, 1, next);
                Jdbc.setInstant(ps, 2, succeededAt);
                ps.setString(3, id.tenant().value());
                ps.setString(4, id.name());
                if (expected != null) {
                    Jdbc.setInstant(ps, 5, expected);
                }
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Also forgets the pending watermark: after a rewind the forward path re-aggregates everything above. */
    @Override
    public void setWatermark(RollupId id, Instant watermark) {
        update(id, d.rewindWatermark(), ps -> Jdbc.setInstant(ps, 1, watermark));
    }

    @Override
    public boolean advanceOverEmpty(RollupId id, RollupPlan plan, Instant expected, Instant next) {
        return store.inTransaction("advance watermark of " + id + " over empty source to " + next, c -> {
            Instant locked = lockedWatermark(c, id);
            if (!Objects.equals(locked, expected) || sourceRowsIn(c, id.tenant(), plan, gapFrom(plan, locked), next)) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement(d.setLockedWatermark())) {
                Jdbc.setInstant(ps, 1, next);
                ps.setString(2, id.tenant().value());
                ps.setString(3, id.name());
                ps.executeUpdate();
            }
            return true;
        });
    }

    /** Where the forward path of a rollup with this locked watermark resumes (or begins). */
    private static Instant gapFrom(RollupPlan plan, Instant watermark) {
        if (watermark != null) {
            return watermark;
        }
        Instant startAt = plan.definition().startAt();
        return startAt == null ? EARLIEST : plan.definition().bucket().floor(startAt);
    }

    private boolean sourceRowsIn(Connection c, TenantId tenant, RollupPlan plan, Instant from, Instant to)
            throws SQLException {
        if (!from.isBefore(to)) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(d.minTimestamp(tenant, plan.source().name()))) {
            Jdbc.setInstant(ps, 1, from);
            Jdbc.setInstant(ps, 2, to);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) != null;
            }
        }
    }

    @Override
    public RollupState recordFailure(RollupId id, String error, int maxFailures) {
        String message = error == null ? "unknown error" : error.length() > 4000 ? error.substring(0, 4000) : error;
        return store.inTransaction("record failure of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(d.recordRollupFailure())) {
                ps.setString(1, message);
                ps.setInt(2, maxFailures);
                ps.setString(3, id.tenant().value());
                ps.setString(4, id.name());
                if (ps.executeUpdate() != 1) {
                    throw notFound(id);
                }
            }
            return catalog.states(c, id.tenant(), id.name()).get(id.name());
        });
    }

    @Override
    public void recordSuccess(RollupId id, Instant at) {
        // A success clears lastError: a rollup that recovered shows no error; the failures stay in the audit trail.
        update(id, d.recordRollupSuccess(), ps -> Jdbc.setInstant(ps, 1, at));
    }

    @Override
    public void setStatus(RollupId id, RollupStatus status) {
        update(id, d.setRollupStatus(status), ps -> ps.setString(1, status.name()));
    }

    @Override
    public void setFrozen(RollupId id, boolean frozen) {
        update(id, d.setRollupFrozen(), ps -> ps.setBoolean(1, frozen));
    }

    /**
     * Runs a dialect statement that updates one rollup's state row and binds one value, then tenant and name
     * ({@code value} binds parameter 1); {@code NOT_FOUND} when no row matched.
     */
    private void update(RollupId id, String sql, Binder value) {
        store.inTransaction("update rollup " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                value.bind(ps);
                ps.setString(2, id.tenant().value());
                ps.setString(3, id.name());
                if (ps.executeUpdate() != 1) {
                    throw notFound(id);
                }
            }
            return null;
        });
    }

    /** Binds parameter 1. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @Override
    public Optional<Instant> firstSourceTimestamp(RollupId id, RollupPlan plan, Instant from, Instant to) {
        TenantId tenant = id.tenant();
        return store.read("find source rows of " + plan.definition().name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(d.minTimestamp(tenant, plan.source().name()))) {
                Jdbc.setInstant(ps, 1, from);
                Jdbc.setInstant(ps, 2, to);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(Jdbc.getInstant(rs, 1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Besides the rows, the transaction records the watermark it is about to publish ({@code pending_watermark})
     * under the row lock, so a sample committed after it and before the compare-and-set is late data (see
     * {@link LateData}). It also refuses (as a lost race) when a source row appeared between the watermark and the
     * first bucket after the caller looked: moving the watermark over it would lose it.
     */
    @Override
    public AggregateResult aggregate(AggregateRequest r) {
        RollupId id = r.id();
        TenantId tenant = id.tenant();
        RollupPlan plan = r.plan();
        return store.inTransaction("aggregate " + id + " [" + r.from() + ", " + r.to() + ")", c -> {
            Instant locked = lockedWatermark(c, id);
            if (!Objects.equals(locked, r.expectedWatermark())
                    || sourceRowsIn(c, tenant, plan, gapFrom(plan, locked), r.from())) {
                return AggregateResult.LOST_RACE;
            }
            long rows = replace(c, tenant, plan, r.boundaries());
            if (LateData.TRACE.isTraceEnabled()) {
                LateData.TRACE.trace("aggregate {} [{}, {}) watermark {}: {} rows", id.name(), r.from(), r.to(),
                        locked, rows);
            }
            try (PreparedStatement ps = c.prepareStatement(d.raisePendingWatermark())) {
                Jdbc.setInstant(ps, 1, r.to());
                Jdbc.setInstant(ps, 2, r.to());
                ps.setString(3, tenant.value());
                ps.setString(4, id.name());
                ps.executeUpdate();
            }
            return new AggregateResult(true, rows);
        });
    }

    /** Deletes the target rows of the buckets and inserts the GROUP BY of the source over them. */
    private long replace(Connection c, TenantId tenant, RollupPlan plan, List<Instant> b) throws SQLException {
        Instant from = b.get(0);
        Instant to = b.get(b.size() - 1);
        int buckets = b.size() - 1;
        try (PreparedStatement del = c.prepareStatement(d.deleteRange(tenant, plan.target().name()))) {
            Jdbc.setInstant(del, 1, from);
            Jdbc.setInstant(del, 2, to);
            del.executeUpdate();
        }
        try (PreparedStatement ins = c.prepareStatement(d.rollupInsert(tenant, plan, buckets))) {
            int i = 1;
            if (plan.definition().bucket() instanceof FixedBucket f) {
                ins.setLong(i++, f.widthMicros());
            } else {
                for (int k = 0; k < buckets; k++) {
                    Jdbc.setInstant(ins, i++, b.get(k));
                    Jdbc.setInstant(ins, i++, b.get(k + 1));
                }
            }
            Jdbc.setInstant(ins, i++, from);
            Jdbc.setInstant(ins, i, to);
            return ins.executeUpdate();
        }
    }

    @Override
    public List<StaleRange> staleRanges(RollupId id) {
        return store.read("read stale ranges of " + id, c -> late.read(c, id.tenant(), id.name()));
    }

    /**
     * A write of the rollup's own record, with the locks and the merge of a late write into its source
     * ({@link LateData}): the shared lock on the state rows of the source's direct dependants (the same rows, in the
     * same order, as an ingest into the source locks, so the two cannot deadlock), the ranges read after it, then
     * {@link LateData#markSpan} for this rollup alone. A recompute of the rollup holds its row {@code FOR UPDATE},
     * so it either consumed its range before this reads the record, or waits and then reads the range marked here.
     */
    @Override
    public void markStale(RollupId id, RollupPlan plan, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "cannot mark [" + from + ", " + to + ") of "
                    + "rollup '" + id.name() + "' stale: from must be before to");
        }
        TenantId tenant = id.tenant();
        store.inTransaction("mark " + id + " [" + from + ", " + to + ") stale", c -> {
            List<LateData.Dependant> self = new ArrayList<>(1);
            for (LateData.Dependant dep : late.dependants(c, tenant, plan.source().name())) {
                if (dep.name().equals(id.name())) {
                    self.add(dep);
                }
            }
            if (self.isEmpty()) {
                throw notFound(id);
            }
            if (LateData.TRACE.isTraceEnabled()) {
                LateData.TRACE.trace("mark stale {} [{}, {})", id.name(), from, to);
            }
            late.markSpan(c, tenant, self, from, to, store.clock().instant());
            return null;
        });
    }

    /**
     * Lock order: this rollup's state row ({@code FOR UPDATE}), then its dependants' ({@code FOR SHARE}) — the
     * same source-before-dependant order as an ingest, so the two cannot deadlock.
     */
    @Override
    public long recompute(RecomputeRequest r) {
        RollupId id = r.id();
        TenantId tenant = id.tenant();
        return store.inTransaction("recompute " + id + " [" + r.from() + ", " + r.to() + ")", c -> {
            lockedWatermark(c, id);
            long rows = replace(c, tenant, r.plan(), r.boundaries());
            if (LateData.TRACE.isTraceEnabled()) {
                LateData.TRACE.trace("recompute {} [{}, {}): {} rows", id.name(), r.from(), r.to(), rows);
            }
            late.consume(c, tenant, id.name(), r.from(), r.to());
            late.markSpan(c, tenant, late.dependants(c, tenant, id.name()), r.from(), r.to(),
                    store.clock().instant());
            return rows;
        });
    }

    private Instant lockedWatermark(Connection c, RollupId id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.lockRollupWatermark())) {
            ps.setString(1, id.tenant().value());
            ps.setString(2, id.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(id);
                }
                return Jdbc.getInstant(rs, 1);
            }
        }
    }
}
