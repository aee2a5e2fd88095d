package io.tidemark.store.duckdb;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.store.jdbc.Engine;
import io.tidemark.store.jdbc.SqlDialect;
import io.tidemark.store.jdbc.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** Embedded DuckDB: one database file, one root connection, a duplicate per operation, a single writer. */
final class DuckDbEngine implements Engine {
    private static final String STAGING = "tidemark_staging";
    private final DuckDbDialect dialect;
    private final DuckDBConnection root;
    private final String where;

    DuckDbEngine(DuckDBConnection root, String where) throws SQLException {
        this.root = root;
        this.where = where;
        try (Statement s = root.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            this.dialect = new DuckDbDialect(rs.getString(1));
        }
    }

    @Override
    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public Connection connect() throws SQLException {
        return root.duplicate();
    }

    @Override
    public boolean singleWriter() {
        return true;
    }

    /**
     * Appender into a connection-local staging table, then one insert; all inside the caller's transaction.
     *
     * <p>Engine difference PLAIN_INSERT_WHEN_NO_OVERLAP: DuckDB's {@code ON CONFLICT} insert is slower than a plain
     * one and leaves a table that scans about 15 % slower (measured with the rollup statement on 10 M rows). When
     * no stored row lies in the batch's time range — the usual case for streaming data — no key can collide, so a
     * plain insert is equivalent; the single writer lock keeps that true until commit.
     */
    @Override
    public long[] writeBatch(Connection tx, TenantId tenant, ArchiveDefinition archive, SampleBatch batch,
            long lateBefore) throws SQLException {
        String target = dialect.table(tenant, archive.name());
        try (Statement s = tx.createStatement()) {
            s.execute("CREATE OR REPLACE TEMP TABLE " + dialect.quote(STAGING) + " AS SELECT * FROM " + target
                    + " LIMIT 0");
        }
        List<Column> cols = archive.columns();
        try (DuckDBAppender app = tx.unwrap(DuckDBConnection.class).createAppender("temp", "main", STAGING)) {
            for (int r = 0; r < batch.size(); r++) {
                app.beginRow();
                app.appendEpochMicros(batch.micros(r));
                app.append(batch.rtId(r));
                for (int c = 0; c < cols.size(); c++) {
                    appendValue(app, batch.value(r, c));
                }
                app.endRow();
            }
        }
        String staging = "temp.main." + dialect.quote(STAGING);
        long[] range = splitRange(batch, lateBefore);
        if (range[0] == Long.MAX_VALUE || range[2] == Long.MAX_VALUE) {
            return moveAll(tx, tenant, archive, batch, staging, lateBefore);
        }
        // LATE_PART_APART: the late samples are upserted (and compared) on their own, so the on-time rest of the
        // batch keeps the plain insert when its own range holds no stored row.
        long[] late = moveLate(tx, tenant, archive, batch, staging, lateBefore,
                overlaps(tx, tenant, archive, range[0], range[1]));
        boolean onTimeOverlap = overlaps(tx, tenant, archive, range[2], range[3]);
        movePart(tx, dialect.moveStagedPart(tenant, archive, staging, false, onTimeOverlap), lateBefore);
        try (Statement s = tx.createStatement()) {
            s.execute("DROP TABLE " + staging);
        }
        return late;
    }

    private long[] moveAll(Connection tx, TenantId tenant, ArchiveDefinition archive, SampleBatch batch,
            String staging, long lateBefore) throws SQLException {
        boolean overlap = overlaps(tx, tenant, archive, batch.minMicros(), batch.maxMicros());
        if (batch.minMicros() < lateBefore) {
            long[] late = moveLate(tx, tenant, archive, batch, staging, lateBefore, overlap);
            try (Statement s = tx.createStatement()) {
                s.execute("DROP TABLE " + staging);
            }
            return late;
        }
        try (Statement s = tx.createStatement()) {
            s.executeUpdate(overlap ? dialect.upsertFromStaging(tenant, archive, staging)
                    : dialect.insertFromStaging(tenant, archive, staging));
            s.execute("DROP TABLE " + staging);
        }
        return Jdbc.NO_SAMPLES;
    }

    /** Moves the late part; with stored rows in its range, by the upsert that returns what really changed. */
    private long[] moveLate(Connection tx, TenantId tenant, ArchiveDefinition archive, SampleBatch batch,
            String staging, long lateBefore, boolean overlap) throws SQLException {
        if (overlap) {
            return Jdbc.upsertChangedBefore(tx, dialect.upsertChangedBefore(tenant, archive, staging), lateBefore);
        }
        movePart(tx, dialect.moveStagedPart(tenant, archive, staging, true, false), lateBefore);
        return Jdbc.microsBefore(batch, lateBefore);
    }

    private static void movePart(Connection tx, String sql, long bound) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setObject(1, Jdbc.utc(SampleBatch.fromMicros(bound)));
            ps.executeUpdate();
        }
    }

    /**
     * {min, max} of the samples before {@code bound}, then {min, max} of the others; {@code Long.MAX_VALUE} as min
     * when a part is empty.
     */
    private static long[] splitRange(SampleBatch batch, long bound) {
        long[] r = {Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int i = 0; i < batch.size(); i++) {
            long t = batch.micros(i);
            int k = t < bound ? 0 : 2;
            r[k] = Math.min(r[k], t);
            r[k + 1] = Math.max(r[k + 1], t);
        }
        return r;
    }

    private boolean overlaps(Connection tx, TenantId tenant, ArchiveDefinition archive, long from, long to)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.anyInClosedRange(tenant, archive.name()))) {
            ps.setObject(1, Jdbc.utc(SampleBatch.fromMicros(from)));
            ps.setObject(2, Jdbc.utc(SampleBatch.fromMicros(to)));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    private static void appendValue(DuckDBAppender app, Object v) throws SQLException {
        if (v == null) {
            app.appendNull();
        } else if (v instanceof Double d) {
            app.append(d.doubleValue());
        } else if (v instanceof Long l) {
            app.append(l.longValue());
        } else if (v instanceof Boolean b) {
            app.append(b.booleanValue());
        } else {
            app.append((String) v);
        }
    }

    @Override
    public String describe() {
        return "duckdb " + where;
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing DuckDB at " + where + " failed", e);
        }
    }
}
