package io.tidemark.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.store.jdbc.BatchWrite;
import io.tidemark.store.jdbc.Engine;
import io.tidemark.store.jdbc.SqlDialect;
import java.nio.charset.StandardCharsets;
import io.tidemark.store.jdbc.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Savepoint;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.function.IntPredicate;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/** PostgreSQL through a HikariCP pool; bulk writes with COPY into a transaction-scoped staging table. */
final class PostgresEngine implements Engine {
    private static final int CHUNK = 1 << 16;
    private static final PostgresDialect DIALECT = new PostgresDialect();
    private static final String UNIQUE_VIOLATION = "23505";
    private final PostgresDialect dialect = DIALECT;
    private final HikariDataSource pool;
    private final String where;

    PostgresEngine(HikariDataSource pool, String where) {
        this.pool = pool;
        this.where = where;
    }

    @Override
    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public Connection connect() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public boolean singleWriter() {
        return false;
    }

    /**
     * Engine difference COPY_DIRECT_WHEN_NO_OVERLAP: when no stored row lies in the on-time part's time range — the
     * usual case for streaming data — the whole batch is copied straight into the archive, which costs one pass
     * instead of COPY into staging plus an ordered upsert. The late part rides along: late samples are usually new
     * keys (a gateway replaying what it buffered), and the primary key checks each one. A stored late key, or a
     * concurrent writer inserting a colliding key first, makes the copy fail with a unique violation; it is rolled
     * back to a savepoint and the batch takes the upsert path in the same transaction, where the late part is
     * compared with the stored rows. Either way the batch is atomic and a re-sent sample replaces the stored one.
     *
     * <p>When the failed copy had an on-time part (late re-sends alongside streaming data), that part is copied
     * straight into the archive again on its own, under a savepoint of its own, and only the late part goes through
     * staging and the compare: a re-send then costs the on-time copy plus a small upsert, not an upsert of the whole
     * batch. A unique violation there too (a concurrent writer) sends the whole batch through staging.
     */
    @Override
    public long[] writeBatch(Connection tx, BatchWrite w) throws SQLException {
        BatchWrite.Split split = w.split();
        if (split.onTime() == 0 || !anyStoredIn(tx, w, split.onTimeMin(), split.onTimeMax())) {
            String table = dialect.table(w.tenant(), w.archive().name());
            if (copyUnlessCollides(tx, table, w, r -> true)) {
                return split.late() > 0 ? Jdbc.microsBefore(w.batch(), w.lateBefore()) : Jdbc.NO_SAMPLES;
            }
            if (split.late() > 0 && split.onTime() > 0
                    && copyUnlessCollides(tx, table, w, r -> w.batch().micros(r) >= w.lateBefore())) {
                return viaStaging(tx, w, true, r -> w.batch().micros(r) < w.lateBefore());
            }
        }
        return viaStaging(tx, w, split.late() > 0, r -> true);
    }

    /** COPY of the rows {@code rows} accepts straight into the archive; false, rolled back, on a unique violation. */
    private boolean copyUnlessCollides(Connection tx, String table, BatchWrite w, IntPredicate rows)
            throws SQLException {
        Savepoint direct = tx.setSavepoint();
        try {
            copy(tx, table, w.archive(), w.batch(), rows);
            tx.releaseSavepoint(direct);
            return true;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            tx.rollback(direct);
            return false;
        }
    }

    /**
     * COPY of the rows {@code rows} accepts into a transaction-scoped staging table, then the late part compared,
     * then the rest upserted.
     */
    private long[] viaStaging(Connection tx, BatchWrite w, boolean late, IntPredicate rows) throws SQLException {
        TenantId tenant = w.tenant();
        ArchiveDefinition archive = w.archive();
        String staging = dialect.staging();
        try (Statement s = tx.createStatement()) {
            s.execute(dialect.createStaging(tenant, archive));
        }
        copy(tx, staging, archive, w.batch(), rows);
        if (!late) {
            try (Statement s = tx.createStatement()) {
                s.executeUpdate(dialect.upsertFromStaging(tenant, archive, staging));
                s.execute(dialect.dropStaging());
            }
            return Jdbc.NO_SAMPLES;
        }
        // Late samples first, by the upsert that returns only what it inserted or really changed; then the rest.
        long[] changed = Jdbc.upsertChangedBefore(tx, dialect.upsertChangedBefore(tenant, archive, staging),
                w.lateBefore());
        try (PreparedStatement ps = tx.prepareStatement(dialect.moveStagedPart(tenant, archive, staging, false,
                true))) {
            Jdbc.setInstant(ps, 1, Micros.fromMicros(w.lateBefore()));
            ps.executeUpdate();
        }
        try (Statement s = tx.createStatement()) {
            s.execute(dialect.dropStaging());
        }
        return changed;
    }

    /** Whether a stored row lies in {@code [from, to]}: one probe of the primary key, which starts with the time. */
    private boolean anyStoredIn(Connection tx, BatchWrite w, long from, long to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.anyInClosedRange(w.tenant(), w.archive().name()))) {
            Jdbc.setInstant(ps, 1, Micros.fromMicros(from));
            Jdbc.setInstant(ps, 2, Micros.fromMicros(to));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    private static void copy(Connection tx, String table, ArchiveDefinition archive, SampleBatch batch,
            IntPredicate rows) throws SQLException {
        CopyIn copy = tx.unwrap(PGConnection.class).getCopyAPI().copyIn(DIALECT.copyIn(table, archive));
        try {
            StringBuilder sb = new StringBuilder(CHUNK + 1024);
            for (int r = 0; r < batch.size(); r++) {
                if (!rows.test(r)) {
                    continue;
                }
                appendRow(sb, batch, r, archive.columns().size());
                if (sb.length() >= CHUNK) {
                    flush(copy, sb);
                }
            }
            flush(copy, sb);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private static void flush(CopyIn copy, StringBuilder sb) throws SQLException {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        sb.setLength(0);
    }

    private static void appendRow(StringBuilder sb, SampleBatch batch, int r, int columns) {
        long micros = batch.micros(r);
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
        sb.append(t).append(',');
        quoted(sb, batch.rtId(r));
        for (int c = 0; c < columns; c++) {
            sb.append(',');
            Object v = batch.value(r, c);
            if (v instanceof String s) {
                quoted(sb, s);
            } else if (v != null) {
                sb.append(v);
            }
        }
        sb.append('\n');
    }

    /** CSV quoting; an unquoted empty field is NULL, a quoted one is the empty string. */
    private static void quoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                sb.append('"');
            }
            sb.append(ch);
        }
        sb.append('"');
    }

    @Override
    public String describe() {
        return "postgresql " + where;
    }

    @Override
    public void close() {
        pool.close();
    }

}
