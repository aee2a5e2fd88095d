package io.tidemark.store.jdbc;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** Binding and reading helpers. Timestamps are stored as TIMESTAMP without time zone, meaning UTC. */
public final class Jdbc {
    private Jdbc() {}

    public static void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setObject(index, null);
        } else {
            ps.setObject(index, LocalDateTime.ofInstant(t, ZoneOffset.UTC));
        }
    }

    public static Instant getInstant(ResultSet rs, int index) throws SQLException {
        LocalDateTime t = rs.getObject(index, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    public static LocalDateTime utc(Instant t) {
        return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    static TidemarkException storeError(String what, SQLException e) {
        return new TidemarkException(ErrorCode.STORE_ERROR, what + " failed: " + e.getMessage(), e);
    }

    /** A unit of work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(java.sql.Connection c) throws SQLException;
    }
}
