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
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupRuntime;
import io.tidemark.store.RollupState;
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

final class JdbcRollupRuntime implements RollupRuntime {
    private final JdbcStore store;
    private final Catalog catalog;
    private final SqlDialect d;

    JdbcRollupRuntime(JdbcStore store, Catalog catalog) {
        this.store = store;
        this.catalog = catalog;
        this.d = store.dialect();
    }

    @Override
    public List<RollupInfo> rollups(TenantId tenant) {
        return store.read("list rollups", c -> load(c, tenant, null));
    }

    @Override
    public RollupInfo rollup(RollupId id) {
        List<RollupInfo> found = store.read("read rollup " + id, c -> load(c, id.tenant(), id.name()));
        if (found.isEmpty()) {
            throw notFound(id);
        }
        return found.get(0);
    }

    private List<RollupInfo> load(Connection c, TenantId tenant, String only) throws SQLException {
        Map<String, RollupState> states = catalog.states(c, tenant, only);
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
        String sql = "UPDATE " + d.meta("rollups") + " SET watermark = ? WHERE tenant = ? AND name = ? AND "
                + (expected == null ? "watermark IS NULL" : "watermark = ?");
        return store.inTransaction("advance watermark of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
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

    @Override
    public void setWatermark(RollupId id, Instant watermark) {
        update(id, "watermark = ?", ps -> Jdbc.setInstant(ps, 1, watermark));
    }

    @Override
    public RollupState recordFailure(RollupId id, String error, int maxFailures) {
        String message = error == null ? "unknown error" : error.length() > 4000 ? error.substring(0, 4000) : error;
        return store.inTransaction("record failure of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + d.meta("rollups") + " SET consecutive_failures"
                    + " = consecutive_failures + 1, last_error = ?, status = CASE WHEN consecutive_failures + 1 >= ?"
                    + " THEN 'FAILED' ELSE status END WHERE tenant = ? AND name = ?")) {
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
        update(id, "consecutive_failures = 0, last_success_at = ?", ps -> Jdbc.setInstant(ps, 1, at));
    }

    @Override
    public void setStatus(RollupId id, RollupStatus status) {
        if (status == RollupStatus.ACTIVATED) {
            update(id, "status = ?, consecutive_failures = CASE WHEN status = 'FAILED' THEN 0 ELSE "
                    + "consecutive_failures END, last_error = CASE WHEN status = 'FAILED' THEN NULL ELSE last_error END",
                    ps -> ps.setString(1, status.name()));
            return;
        }
        update(id, "status = ?", ps -> ps.setString(1, status.name()));
    }

    @Override
    public void setFrozen(RollupId id, boolean frozen) {
        update(id, "frozen = ?", ps -> ps.setBoolean(1, frozen));
    }

    /** {@code UPDATE rollups SET <set> WHERE tenant, name}; {@code binder} binds the SET's parameters from 1. */
    private void update(RollupId id, String set, Binder binder) {
        store.inTransaction("update rollup " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + d.meta("rollups") + " SET " + set
                    + " WHERE tenant = ? AND name = ?")) {
                binder.bind(ps);
                int n = (int) set.chars().filter(ch -> ch == '?').count() + 2;
                ps.setString(n - 1, id.tenant().value());
                ps.setString(n, id.name());
                if (ps.executeUpdate() != 1) {
                    throw notFound(id);
                }
            }
            return null;
        });
    }

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

    @Override
    public AggregateResult aggregate(AggregateRequest r) {
        RollupId id = r.id();
        TenantId tenant = id.tenant();
        RollupPlan plan = r.plan();
        return store.inTransaction("aggregate " + id + " [" + r.from() + ", " + r.to() + ")", c -> {
            if (!Objects.equals(lockedWatermark(c, id), r.expectedWatermark())) {
                return AggregateResult.LOST_RACE;
            }
            try (PreparedStatement del = c.prepareStatement(d.deleteRange(tenant, plan.target().name()))) {
                Jdbc.setInstant(del, 1, r.from());
                Jdbc.setInstant(del, 2, r.to());
                del.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement(d.rollupInsert(tenant, plan, r.bucketCount()))) {
                int i = 1;
                if (plan.definition().bucket() instanceof FixedBucket f) {
                    ins.setLong(i++, f.widthMicros());
                } else {
                    List<Instant> b = r.boundaries();
                    for (int k = 0; k < r.bucketCount(); k++) {
                        Jdbc.setInstant(ins, i++, b.get(k));
                        Jdbc.setInstant(ins, i++, b.get(k + 1));
                    }
                }
                Jdbc.setInstant(ins, i++, r.from());
                Jdbc.setInstant(ins, i, r.to());
                return new AggregateResult(true, ins.executeUpdate());
            }
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
