package io.tidemark.store.duckdb;

import io.tidemark.core.Column;
import io.tidemark.core.SampleBatch;
import io.tidemark.store.jdbc.BatchWrite;
import io.tidemark.store.jdbc.Engine;
import io.tidemark.store.jdbc.SqlDialect;
import io.tidemark.store.jdbc.Jdbc;
import io.tidemark.store.jdbc.LateKeyStored;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** Embedded DuckDB: one database file, one root connection, a duplicate per operation, a single writer. */
final class DuckDbEngine implements Engine {
    private static final String STAGING = "tidemark_staging";
    private final DuckDbDialect dialect;
    private final DuckDBConnection root;
    private final String where;
    /** Archives (qualified table names) whose last late part met a stored key: look up before inserting. */
    private final Set<String> resending = ConcurrentHashMap.newKeySet();

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
     * The Appender straight into the archive where no key can collide; otherwise the Appender into a
     * connection-local staging table, then plain inserts where no key can collide and a compare elsewhere; all
     * inside the caller's transaction (the Appender writes in the connection's transaction: a rollback removes its
     * rows).
     *
     * <p>Engine difference APPEND_DIRECT_WHEN_NO_OVERLAP: DuckDB's {@code ON CONFLICT} insert is slower than a plain
     * one and leaves a table that scans about 15 % slower (measured with the rollup statement on 10 M rows), and a
     * staging copy costs another pass. When a batch has no late part and no stored row lies in its time range — the
     * usual case for streaming data — no key of it can collide (the batch has no duplicate key), so it is appended
     * to the archive directly, as DuckDB's own bulk path would; the single writer lock keeps that true until commit.
     * With stored rows in the range it is staged and upserted.
     *
     * <p>Engine difference LATE_KEYS_INSERTED_PLAINLY: in DuckDB 1.4 an {@code ON CONFLICT} insert costs far more
     * than a plain one and grows with the stored rows (200 keys spread over an archive of 4.8 M rows: 115–420 ms),
     * while a plain insert checks each key in the primary key's ART index (about 15 ms). Late samples are usually
     * new keys, so the late part is first inserted plainly, together with the on-time part when that one needs no
     * upsert. A stored key makes the insert fail and aborts the transaction (DuckDB has no savepoints):
     * {@link LateKeyStored} asks the store to run it again with {@link BatchWrite#compareLate()}.
     *
     * <p>Engine difference LATE_RESENDS_COMPARED_IN_SPAN: the comparison never uses {@code ON CONFLICT}. The late
     * keys are looked up by one join against the archive restricted to the late part's time span (zone maps prune
     * the rest); the stored rows that differ are updated and the new keys inserted, in the same span, and only those
     * samples are returned, so identical re-sends change and mark nothing. Re-sends come in runs (a gateway
     * re-sending its buffer), so after a batch whose late part met a stored key the next batches of that archive
     * look up first instead of trying the plain insert, until a look-up finds none stored. The look-up is not the
     * default because its cost follows the stored rows in the late span: narrow for a gateway's replay, the whole
     * archive for late samples scattered over the history (measured in docs/benchmarks.md, "bench late").
     */
    @Override
    public long[] writeBatch(Connection tx, BatchWrite w) throws SQLException {
        BatchWrite.Split split = w.split();
        boolean overlap = split.late() == 0 && overlaps(tx, w, split.onTimeMin(), split.onTimeMax());
        if (split.late() == 0 && !overlap) {
            // The streaming case: no stored row in the batch's range, and the single writer lock keeps it so until
            // commit, so no key can collide; the Appender writes inside the caller's transaction.
            append(tx, w, dialect.catalog(), w.tenant().value(), w.archive().name());
            checkAppended(tx, w, split);
            return Jdbc.NO_SAMPLES;
        }
        String staging = stage(tx, w);
        try {
            if (split.late() == 0) {
                moveAll(tx, w, staging, true);
                return Jdbc.NO_SAMPLES;
            }
            boolean onTimeOverlap = split.onTime() > 0 && overlaps(tx, w, split.onTimeMin(), split.onTimeMax());
            String archive = dialect.table(w.tenant(), w.archive().name());
            if (!w.compareLate() && !resending.contains(archive)) {
                insertLatePlainly(tx, w, staging, onTimeOverlap);
                return Jdbc.microsBefore(w.batch(), w.lateBefore());
            }
            long stored = lateStatement(tx, w, split, dialect.countStoredBefore(w.tenant(), w.archive(), staging),
                    true)[0];
            if (stored == 0) {
                resending.remove(archive);
                if (onTimeOverlap) {
                    movePart(tx, w, staging, true, false);
                    movePart(tx, w, staging, false, true);
                } else {
                    moveAll(tx, w, staging, false);
                }
                return Jdbc.microsBefore(w.batch(), w.lateBefore());
            }
            resending.add(archive);
            long[] changed = lateStatement(tx, w, split, dialect.updateChangedBefore(w.tenant(), w.archive(),
                    staging), false);
            if (stored < split.late()) {
                changed = concat(changed, lateStatement(tx, w, split, dialect.insertNewBefore(w.tenant(),
                        w.archive(), staging), false));
            }
            if (split.onTime() > 0) {
                movePart(tx, w, staging, false, onTimeOverlap);
            }
            return changed;
        } finally {
            drop(tx, staging);
        }
    }

    /**
     * The late part by plain insert: with the on-time part in one statement when that one needs no upsert. A
     * failure here can only be a stored late key (the on-time part's range holds none, the batch has no duplicate
     * key); any other error surfaces from the retry.
     */
    private void insertLatePlainly(Connection tx, BatchWrite w, String staging, boolean onTimeOverlap)
            throws SQLException {
        try {
            if (!onTimeOverlap) {
                moveAll(tx, w, staging, false);
                return;
            }
            movePart(tx, w, staging, true, false);
        } catch (SQLException e) {
            throw new LateKeyStored(e);
        }
        movePart(tx, w, staging, false, true);
    }

    /**
     * Runs a statement on the staged late part (binds: {@code lateBefore}, the late span's first and last
     * timestamp) and returns its single count ({@code count}) or every returned timestamp in microseconds.
     */
    private static long[] lateStatement(Connection tx, BatchWrite w, BatchWrite.Split split, String sql,
            boolean count) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setObject(1, Jdbc.utc(SampleBatch.fromMicros(w.lateBefore())));
            ps.setObject(2, Jdbc.utc(SampleBatch.fromMicros(split.lateMin())));
            ps.setObject(3, Jdbc.utc(SampleBatch.fromMicros(split.lateMax())));
            try (ResultSet rs = ps.executeQuery()) {
                if (count) {
                    return new long[] {rs.next() ? rs.getLong(1) : 0};
                }
                long[] out = new long[split.late()];
                int n = 0;
                while (rs.next()) {
                    out[n++] = SampleBatch.toMicros(Jdbc.getInstant(rs, 1));
                }
                return Arrays.copyOf(out, n);
            }
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Appends the batch to a fresh connection-local staging table; returns its qualified name. */
    private String stage(Connection tx, BatchWrite w) throws SQLException {
        try (Statement s = tx.createStatement()) {
            s.execute("CREATE OR REPLACE TEMP TABLE " + dialect.quote(STAGING) + " AS SELECT * FROM "
                    + dialect.table(w.tenant(), w.archive().name()) + " LIMIT 0");
        }
        append(tx, w, "temp", "main", STAGING);
        return "temp.main." + dialect.quote(STAGING);
    }

    /** Appends the batch to a table of the archive's layout, inside the caller's transaction. */
    private static void append(Connection tx, BatchWrite w, String catalog, String schema, String table)
            throws SQLException {
        List<Column> cols = w.archive().columns();
        SampleBatch batch = w.batch();
        try (DuckDBAppender app = tx.unwrap(DuckDBConnection.class).createAppender(catalog, schema, table)) {
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
    }

    /** The on-time part's ordinary path: plain insert, or upsert when stored rows lie in its range. */
    private void moveAll(Connection tx, BatchWrite w, String staging, boolean overlap) throws SQLException {
        try (Statement s = tx.createStatement()) {
            s.executeUpdate(overlap ? dialect.upsertFromStaging(w.tenant(), w.archive(), staging)
                    : dialect.insertFromStaging(w.tenant(), w.archive(), staging));
        }
    }

    /** Moves the staged samples before {@code lateBefore} ({@code late}) or the others. */
    private void movePart(Connection tx, BatchWrite w, String staging, boolean late, boolean upsert)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.moveStagedPart(w.tenant(), w.archive(), staging,
                late, upsert))) {
            ps.setObject(1, Jdbc.utc(SampleBatch.fromMicros(w.lateBefore())));
            ps.executeUpdate();
        }
    }

    /**
     * Drops the staging table; skipped when the transaction is already aborted (the rollback removes it, and a
     * statement now would only hide the original error).
     */
    private static void drop(Connection tx, String staging) {
        try (Statement s = tx.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + staging);
        } catch (SQLException ignored) {
            // aborted transaction: the rollback drops the table
        }
    }

    /**
     * The direct append's receipt: DuckDB's Appender (JDBC 1.4) can drop rows that break the primary key without an
     * error, so the range, empty before, must now hold exactly the batch. Cheap: the rows just appended, found by
     * zone maps. Throws (and the transaction rolls back) rather than acknowledge a sample that was not stored.
     */
    private void checkAppended(Connection tx, BatchWrite w, BatchWrite.Split split) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.countInClosedRange(w.tenant(), w.archive().name()))) {
            ps.setObject(1, Jdbc.utc(SampleBatch.fromMicros(split.onTimeMin())));
            ps.setObject(2, Jdbc.utc(SampleBatch.fromMicros(split.onTimeMax())));
            try (ResultSet rs = ps.executeQuery()) {
                long stored = rs.next() ? rs.getLong(1) : -1;
                if (stored != w.batch().size()) {
                    throw new SQLException("appended " + w.batch().size() + " samples to archive '"
                            + w.archive().name() + "' but its range holds " + stored + "; the batch is not written");
                }
            }
        }
    }

    /** Whether a stored row lies in {@code [from, to]}: a zone-map-pruned scan of at most that range. */
    private boolean overlaps(Connection tx, BatchWrite w, long from, long to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.anyInClosedRange(w.tenant(), w.archive().name()))) {
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
