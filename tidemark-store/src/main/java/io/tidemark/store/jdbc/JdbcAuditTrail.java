package io.tidemark.store.jdbc;

import io.tidemark.core.TenantId;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.AuditQuery;
import io.tidemark.store.AuditTrail;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

final class JdbcAuditTrail implements AuditTrail {
    private static final int MAX_MESSAGE = 8000;
    private final JdbcStore store;
    private final SqlDialect d;

    JdbcAuditTrail(JdbcStore store) {
        this.store = store;
        this.d = store.dialect();
    }

    @Override
    public AuditEntry append(AuditEntry e) {
        return store.inTransaction("append audit entry", c -> append(c, e));
    }

    /** Appends inside the caller's transaction, so the entry commits or rolls back with what it records. */
    AuditEntry append(java.sql.Connection c, AuditEntry e) throws java.sql.SQLException {
        String message = e.message().length() > MAX_MESSAGE ? e.message().substring(0, MAX_MESSAGE) : e.message();
        long id;
        try (PreparedStatement ps = c.prepareStatement(d.nextAuditId());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement(d.insertAuditEntry())) {
            ps.setLong(1, id);
            ps.setString(2, e.tenant().value());
            Jdbc.setInstant(ps, 3, e.at());
            ps.setString(4, e.kind().name());
            ps.setString(5, e.subject());
            ps.setString(6, e.actor());
            ps.setString(7, message);
            ps.executeUpdate();
        }
        return new AuditEntry(id, e.tenant(), e.at(), e.kind(), e.subject(), e.actor(), message);
    }

    @Override
    public List<AuditEntry> query(AuditQuery q) {
        String sql = d.selectAuditEntries(q);
        List<Object> args = binds(q);
        TenantId tenant = q.tenant();
        return store.read("query audit trail", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                List<AuditEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEntry(rs.getLong(1), tenant, Jdbc.getInstant(rs, 2),
                                AuditKind.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5),
                                rs.getString(6)));
                    }
                }
                return out;
            }
        });
    }

    /** The binds of {@link SqlDialect#selectAuditEntries}, in its order. */
    private static List<Object> binds(AuditQuery q) {
        List<Object> args = new ArrayList<>();
        args.add(q.tenant().value());
        if (q.subject() != null) {
            args.add(q.subject());
        }
        q.kinds().stream().map(AuditKind::name).sorted().forEach(args::add);
        if (q.from() != null) {
            args.add(Jdbc.utc(q.from()));
        }
        if (q.to() != null) {
            args.add(Jdbc.utc(q.to()));
        }
        if (q.beforeId() > 0) {
            args.add(q.beforeId());
        }
        args.add(q.limit());
        return args;
    }
}
