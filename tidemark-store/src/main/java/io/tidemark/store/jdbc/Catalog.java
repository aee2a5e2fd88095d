package io.tidemark.store.jdbc;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.RollupState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Reads and writes the metadata tables. Every method runs on the caller's connection (and transaction). */
final class Catalog {
    private final SqlDialect d;
    /**
     * Definitions by (tenant, name, seq). An archive's definition never changes once created, and a re-created
     * archive gets a new seq, so entries never go stale; only the status is read every time.
     */
    private final Map<DefinitionKey, ArchiveDefinition> definitions = new ConcurrentHashMap<>();

    private record DefinitionKey(String tenant, String name, long seq) {}

    Catalog(JdbcStore store) {
        this.d = store.dialect();
    }

    boolean tenantExists(Connection c, TenantId tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.selectTenant())) {
            ps.setString(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    void insertTenant(Connection c, TenantId tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.insertTenant())) {
            ps.setString(1, tenant.value());
            ps.executeUpdate();
        }
    }

    void requireTenant(Connection c, TenantId tenant) throws SQLException {
        if (!tenantExists(c, tenant)) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "tenant '" + tenant + "' does not exist");
        }
    }

    /** Inserts the archive row and its columns. */
    void insertArchive(Connection c, TenantId tenant, ArchiveDefinition def) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.insertArchive())) {
            ps.setString(1, tenant.value());
            ps.setString(2, def.name());
            ps.setString(3, ArchiveStatus.CREATED.name());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(d.insertArchiveColumn())) {
            int pos = 0;
            for (Column col : def.columns()) {
                ps.setString(1, tenant.value());
                ps.setString(2, def.name());
                ps.setInt(3, pos++);
                ps.setString(4, col.name());
                ps.setString(5, col.type().name());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void insertRollup(Connection c, TenantId tenant, RollupDefinition def) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.insertRollup())) {
            ps.setString(1, tenant.value());
            ps.setString(2, def.name());
            ps.setString(3, def.source());
            ps.setString(4, def.bucket().spec());
            ps.setString(5, def.watermarkLag().toString());
            ps.setInt(6, def.maxFailures());
            Jdbc.setInstant(ps, 7, def.startAt());
            ps.setString(8, RollupStatus.CREATED.name());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(d.insertRollupAggregation())) {
            int pos = 0;
            for (Aggregation a : def.aggregations()) {
                ps.setString(1, tenant.value());
                ps.setString(2, def.name());
                ps.setInt(3, pos++);
                ps.setString(4, a.function().name());
                ps.setString(5, a.column());
                ps.setString(6, a.as());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void deleteArchive(Connection c, TenantId tenant, String name) throws SQLException {
        definitions.keySet().removeIf(k -> k.tenant().equals(tenant.value()) && k.name().equals(name));
        for (String sql : d.deleteArchiveMetadata()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenant.value());
                ps.setString(2, name);
                ps.executeUpdate();
            }
        }
    }

    void setArchiveStatus(Connection c, TenantId tenant, String name, ArchiveStatus status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.setArchiveStatus())) {
            ps.setString(1, status.name());
            ps.setString(2, tenant.value());
            ps.setString(3, name);
            ps.executeUpdate();
        }
    }

    void setMaxLateness(Connection c, TenantId tenant, String name, Duration maxLateness) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.setMaxLateness())) {
            ps.setString(1, maxLateness == null ? null : maxLateness.toString());
            ps.setString(2, tenant.value());
            ps.setString(3, name);
            ps.executeUpdate();
        }
    }

    void setRetention(Connection c, TenantId tenant, String name, Duration retention) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.setRetention())) {
            ps.setString(1, retention == null ? null : retention.toString());
            ps.setString(2, tenant.value());
            ps.setString(3, name);
            ps.executeUpdate();
        }
    }

    /** Names of the rollups that read {@code archive}. */
    List<String> dependants(Connection c, TenantId tenant, String archive) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectDependants())) {
            ps.setString(1, tenant.value());
            ps.setString(2, archive);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    Optional<ArchiveInfo> archive(Connection c, TenantId tenant, String name) throws SQLException {
        return archives(c, tenant, name).stream().findFirst();
    }

    ArchiveInfo requireArchive(Connection c, TenantId tenant, String name) throws SQLException {
        return archive(c, tenant, name).orElseThrow(() -> new TidemarkException(ErrorCode.NOT_FOUND,
                "archive '" + name + "' does not exist in tenant '" + tenant + "'"));
    }

    /**
     * Loads archives (one, or all when {@code only} is null) in creation order, rollups with their definitions.
     * A rollup's stored columns are derived from its plan, which needs its source: sources are created first, so
     * creation order resolves them.
     */
    List<ArchiveInfo> archives(Connection c, TenantId tenant, String only) throws SQLException {
        Map<String, ArchiveStatus> status = new LinkedHashMap<>();
        Map<String, Long> seqs = new LinkedHashMap<>();
        Map<String, Duration> lateness = new LinkedHashMap<>();
        Map<String, Duration> retention = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectArchives(only != null))) {
            ps.setString(1, tenant.value());
            if (only != null) {
                ps.setString(2, only);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    status.put(rs.getString(1), ArchiveStatus.valueOf(rs.getString(2)));
                    seqs.put(rs.getString(1), rs.getLong(3));
                    String maxLateness = rs.getString(4);
                    lateness.put(rs.getString(1), maxLateness == null ? null : Duration.parse(maxLateness));
                    String kept = rs.getString(5);
                    retention.put(rs.getString(1), kept == null ? null : Duration.parse(kept));
                }
            }
        }
        if (status.isEmpty()) {
            return List.of();
        }
        if (only != null) {
            ArchiveDefinition cached = definitions.get(new DefinitionKey(tenant.value(), only, seqs.get(only)));
            if (cached != null) {
                return List.of(new ArchiveInfo(tenant, cached, status.get(only), lateness.get(only),
                        retention.get(only), seqs.get(only)));
            }
        }
        Map<String, List<Column>> columns = columns(c, tenant);
        Map<String, RollupDefinition> rollups = rollupDefinitions(c, tenant);
        List<ArchiveInfo> out = new ArrayList<>();
        for (Map.Entry<String, ArchiveStatus> e : status.entrySet()) {
            String name = e.getKey();
            ArchiveDefinition def = new ArchiveDefinition(name, columns.get(name), rollups.get(name));
            definitions.put(new DefinitionKey(tenant.value(), name, seqs.get(name)), def);
            out.add(new ArchiveInfo(tenant, def, e.getValue(), lateness.get(name), retention.get(name),
                    seqs.get(name)));
        }
        return out;
    }

    private Map<String, List<Column>> columns(Connection c, TenantId tenant) throws SQLException {
        Map<String, List<Column>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectArchiveColumns())) {
            ps.setString(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new Column(rs.getString(2), ColumnType.valueOf(rs.getString(3))));
                }
            }
        }
        return out;
    }

    private Map<String, RollupDefinition> rollupDefinitions(Connection c, TenantId tenant) throws SQLException {
        Map<String, List<Aggregation>> aggs = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectRollupAggregations())) {
            ps.setString(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    aggs.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(Aggregation.of(
                            AggregateFunction.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4)));
                }
            }
        }
        Map<String, RollupDefinition> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectRollupDefinitions())) {
            ps.setString(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    out.put(name, new RollupDefinition(name, rs.getString(2), Bucket.parse(rs.getString(3)),
                            aggs.getOrDefault(name, List.of()), Duration.parse(rs.getString(4)), rs.getInt(5),
                            Jdbc.getInstant(rs, 6)));
                }
            }
        }
        return out;
    }

    /** The plan of a rollup archive, re-derived from its definition and its source's schema. */
    static RollupPlan plan(ArchiveInfo rollup, List<ArchiveInfo> all) {
        String source = rollup.definition().rollup().source();
        ArchiveDefinition src = all.stream().filter(a -> a.name().equals(source)).findFirst()
                .map(ArchiveInfo::definition).orElse(null);
        return RollupPlan.of(rollup.definition().rollup(), src);
    }

    Map<String, RollupState> states(Connection c, TenantId tenant, String only) throws SQLException {
        Map<String, RollupState> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectRollupStates(only != null))) {
            ps.setString(1, tenant.value());
            if (only != null) {
                ps.setString(2, only);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    out.put(name, new RollupState(new RollupId(tenant, name), RollupStatus.valueOf(rs.getString(2)),
                            rs.getBoolean(3), Jdbc.getInstant(rs, 4), rs.getInt(5), rs.getString(6),
                            Jdbc.getInstant(rs, 7), rs.getInt(8), Jdbc.getInstant(rs, 9)));
                }
            }
        }
        return out;
    }
}
