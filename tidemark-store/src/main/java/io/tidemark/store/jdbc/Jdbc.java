package io.tidemark.store.jdbc;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
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

    /** No samples: what {@link Engine#writeBatch} returns when none is late. */
    public static final long[] NO_SAMPLES = new long[0];

    /** The timestamps (epoch microseconds) of the batch's samples before {@code bound}, in batch order. */
    public static long[] microsBefore(io.tidemark.core.SampleBatch batch, long bound) {
        int n = 0;
        for (int r = 0; r < batch.size(); r++) {
            n += batch.micros(r) < bound ? 1 : 0;
        }
        long[] out = new long[n];
        int k = 0;
        for (int r = 0; r < batch.size() && k < n; r++) {
            if (batch.micros(r) < bound) {
                out[k++] = batch.micros(r);
            }
        }
        return out;
    }

    /** Runs {@link SqlDialect#upsertChangedBefore}: the timestamps of the late samples that were new or changed. */
    public static long[] upsertChangedBefore(java.sql.Connection tx, String sql, long bound) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            setInstant(ps, 1, Micros.fromMicros(bound));
            try (ResultSet rs = ps.executeQuery()) {
                long[] out = new long[16];
                int n = 0;
                while (rs.next()) {
                    if (n == out.length) {
                        out = java.util.Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = Micros.toMicros(getInstant(rs, 1));
                }
                return java.util.Arrays.copyOf(out, n);
            }
        }
    }

    /**
     * The store's exception for a failed operation: {@code STORE_UNAVAILABLE} when {@code unavailable} (the store
     * could not be reached or a bounded wait ran out), {@code STORE_ERROR} otherwise. The message carries the
     * driver's text for the log; what a tenant sees goes through {@link io.tidemark.store.PublicError}.
     */
    static TidemarkException storeError(String what, SQLException e, boolean unavailable) {
        return new TidemarkException(unavailable ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.STORE_ERROR,
                what + " failed: " + e.getMessage(), e);
    }

    /**
     * Whether {@code e} is a conflict between concurrent transactions that aborted this one: SQLState {@code 40P01}
     * (deadlock detected) or {@code 40001} (serialization failure) anywhere in its chain.
     */
    public static boolean conflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String state = t instanceof SQLException s ? s.getSQLState() : null;
            if ("40P01".equals(state) || "40001".equals(state)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code e} says the store could not be reached or a bounded wait ran out: a connection error or
     * timeout (the pool's acquire timeout, a refused or broken connection, a socket read timeout), SQLState class
     * 08, {@code 57P01..03} (shut down, crashed, starting), {@code 57014} (statement timeout or cancel),
     * {@code 55P03} (lock timeout), {@code 53300} (too many connections).
     */
    public static boolean unavailable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException
                    || t instanceof java.sql.SQLTimeoutException || t instanceof java.io.IOException) {
                return true;
            }
            String state = t instanceof SQLException s ? s.getSQLState() : null;
            if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("57014")
                    || state.equals("55P03") || state.equals("53300"))) {
                return true;
            }
        }
        return false;
    }

    /** A unit of work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(java.sql.Connection c) throws SQLException;
    }
}
