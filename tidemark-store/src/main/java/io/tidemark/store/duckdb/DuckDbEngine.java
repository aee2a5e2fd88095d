package io.tidemark.store.duckdb;

import io.tidemark.core.Column;
import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.store.jdbc.BatchWrite;
import io.tidemark.store.jdbc.Engine;
import io.tidemark.store.jdbc.SqlDialect;
import io.tidemark.store.jdbc.Jdbc;
import io.tidemark.store.jdbc.KeyAlreadyStored;
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
    private final DuckDbDialect dialect;
    private final DuckDBConnection root;
    private final String where;
    /**
     * Archives (qualified table names) whose last write met stored keys: look before writing until a batch finds
     * none. Only a hint; either way the write is correct.
     */
    private final Set<String> careful = ConcurrentHashMap.newKeySet();

    private final int statementSeconds;

    /** @param statementTimeout the query timeout of every statement (rounded up to whole seconds) */
    DuckDbEngine(DuckDBConnection root, String where, java.time.Duration statementTimeout) throws SQLException {
        this.root = root;
        this.where = where;
        this.statementSeconds = io.tidemark.store.StoreTimeouts.seconds(statementTimeout);
        try (Statement s = root.createStatement(); java.sql.ResultSet rs = s.executeQuery(DuckDbDialect.selectCatalog())) {
            rs.next();
            this.dialect = new DuckDbDialect(rs.getString(1));
        }
    }

    @Override
    public SqlDialect dialect() {
        return dialect;
    }

    /**
     * Engine difference STATEMENT_TIMEOUT_BY_JDBC: DuckDB has no server-side statement timeout, so every statement
     * made on the connection gets the JDBC query timeout (the driver interrupts the query when it passes).
     */
    @Override
    public Connection connect() throws SQLException {
        return QueryTimeouts.bound(root.duplicate(), statementSeconds);
    }

    /**
     * Engine difference UNAVAILABLE_ON_INTERRUPT: an interrupted query is one that ran past the statement timeout
     * (or one cut short by a shutdown).
     */
    @Override
    public boolean unavailable(SQLException e) {
        return Jdbc.unavailable(e) || e.getMessage() != null && e.getMessage().contains("INTERRUPT");
    }

    /**
     * DuckDB's optimistic concurrency reports a conflict at commit by message only ("TransactionContext Error: …
     * write-write conflict …", "Conflict on tuple deletion"); no SQLState.
     */
    @Override
    public boolean conflict(SQLException e) {
        String m = e.getMessage();
        return Jdbc.conflict(e) || m != null && (m.contains("write-write conflict") || m.contains("Conflict on"));
    }

    @Override
    public boolean singleWriter() {
        return true;
    }

    /**
     * The Appender straight into the archive unless the archive is known to meet stored keys; otherwise look first:
     * the Appender into a connection-local staging table, then plain inserts where no key can collide, an upsert
     * where stored rows lie in the on-time range, and a compare for the late part. All inside the caller's
     * transaction (the Appender writes in the connection's transaction: a rollback removes its rows).
     *
     * <p>Engine difference APPEND_DIRECT: DuckDB's {@code ON CONFLICT} insert is slower than a plain one and leaves a
     * table that scans about 15 % slower (measured with the rollup statement on 10 M rows), a staging copy costs
     * another pass, and even the zone-map-pruned check for stored rows in the batch's range costs a few percent of a
     * write. Streaming data and late samples are almost always new keys, so the first attempt appends the whole
     * batch to the archive without looking, as DuckDB's own bulk path would. A stored key makes the Appender's flush
     * fail on the primary key (the batch itself has no duplicate key); the transaction is then aborted (DuckDB has
     * no savepoints), and {@link KeyAlreadyStored} asks the store to run it again with {@link BatchWrite#compare()}.
     * An archive whose write needed that retry keeps looking first ({@code careful}) until a batch finds neither
     * stored rows in its on-time range nor stored late keys, so a client re-sending a stretch pays the failed
     * attempt once, not per batch.
     *
     * <p>Engine difference LATE_RESENDS_COMPARED_IN_SPAN: the comparison never uses {@code ON CONFLICT}. The late
     * keys are looked up by one join against the archive restricted to the late part's time span (zone maps prune
     * the rest); the stored rows that differ are updated and the new keys inserted, in the same span, and only those
     * samples are returned, so identical re-sends change and mark nothing. Its cost follows the stored rows in the
     * late span: narrow for a gateway's replay, the whole archive for late samples scattered over the history
     * (measured in docs/benchmarks.md, "bench late"), which is why it is not the first attempt.
     */
    @Override
    public long[] writeBatch(Connection tx, BatchWrite w) throws SQLException {
        BatchWrite.Split split = w.split();
        String archive = dialect.table(w.tenant(), w.archive().name());
        if (!w.compare() && !careful.contains(archive)) {
            try {
                appendToArchive(tx, w);
            } catch (SQLException e) {
                careful.add(archive);
                throw new KeyAlreadyStored(e);
            }
            return split.late() == 0 ? Jdbc.NO_SAMPLES : Jdbc.microsBefore(w.batch(), w.lateBefore());
        }
        boolean onTimeOverlap = split.onTime() > 0 && overlaps(tx, w, split.onTimeMin(), split.onTimeMax());
        if (split.late() == 0 && !onTimeOverlap) {
            // no stored row in the batch's range, and the single writer lock keeps it so until commit
            appendToArchive(tx, w);
            careful.remove(archive);
            return Jdbc.NO_SAMPLES;
        }
        stage(tx, w);
        String staging = dialect.staging();
        try {
            if (split.late() == 0) {
                moveAll(tx, w, staging, true);
                return Jdbc.NO_SAMPLES;
            }
            long stored = lateStatement(tx, w, split, dialect.countStoredBefore(w.tenant(), w.archive(), staging),
                    true)[0];
            if (stored == 0) {
                if (onTimeOverlap) {
                    movePart(tx, w, staging, true, false);
                    movePart(tx, w, staging, false, true);
                } else {
                    moveAll(tx, w, staging, false);
                    careful.remove(archive);
                }
                return Jdbc.microsBefore(w.batch(), w.lateBefore());
            }
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
            dropStaging(tx);
        }
    }

    /**
     * Runs a statement on the staged late part (binds: {@code lateBefore}, the late span's first and last
     * timestamp) and returns its single count ({@code count}) or every returned timestamp in microseconds.
     */
    private static long[] lateStatement(Connection tx, BatchWrite w, BatchWrite.Split split, String sql,
            boolean count) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setObject(1, Jdbc.utc(Micros.fromMicros(w.lateBefore())));
            ps.setObject(2, Jdbc.utc(Micros.fromMicros(split.lateMin())));
            ps.setObject(3, Jdbc.utc(Micros.fromMicros(split.lateMax())));
            try (ResultSet rs = ps.executeQuery()) {
                if (count) {
                    return new long[] {rs.next() ? rs.getLong(1) : 0};
                }
                long[] out = new long[split.late()];
                int n = 0;
                while (rs.next()) {
                    out[n++] = Micros.toMicros(Jdbc.getInstant(rs, 1));
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

    /**
     * Appends the batch straight into its archive, inside the caller's transaction.
     *
     * <p>Engine difference APPENDER_NEEDS_BEGUN_TRANSACTION: DuckDB's JDBC driver begins the transaction of a
     * connection out of auto-commit mode lazily, at its first statement, and the Appender is not a statement. On a
     * connection where nothing ran yet, the Appender appends in DuckDB's own auto-commit mode: its rows commit at
     * {@code flush()}, and a rollback of the write leaves them stored. The store may call this first in its write
     * transaction (the dependant rollups come from its metadata cache), so a statement runs before the Appender.
     * Without it, a write that failed after its append kept its rows without their stale-range marks, and the
     * client's retry found them stored with the same values and marked nothing: late samples silently missing from
     * the rollups (issue 10, item 1; pinned by LateDataContract on DuckDB).
     */
    private void appendToArchive(Connection tx, BatchWrite w) throws SQLException {
        try (Statement s = tx.createStatement()) {
            s.execute(dialect.beginTransaction());
        }
        append(tx, w, dialect.catalog(), w.tenant().value(), w.archive().name());
    }

    /** Appends the batch to a fresh connection-local staging table ({@link DuckDbDialect#staging()}). */
    private void stage(Connection tx, BatchWrite w) throws SQLException {
        try (Statement s = tx.createStatement()) {
            s.execute(dialect.createStaging(w.tenant(), w.archive()));
        }
        List<String> target = DuckDbDialect.stagingAppenderTarget();
        append(tx, w, target.get(0), target.get(1), target.get(2));
    }

    /**
     * Appends the batch to a table of the archive's layout, inside the caller's transaction. Flushes explicitly:
     * DuckDB's JDBC Appender (1.4) reports a broken primary key only from {@code flush()}; its {@code close()}
     * swallows that error and the rows are silently not stored (DuckDbStoreIT pins both).
     */
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
            app.flush();
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
            ps.setObject(1, Jdbc.utc(Micros.fromMicros(w.lateBefore())));
            ps.executeUpdate();
        }
    }

    /**
     * Drops the staging table; skipped when the transaction is already aborted (the rollback removes it, and a
     * statement now would only hide the original error).
     */
    private void dropStaging(Connection tx) {
        try (Statement s = tx.createStatement()) {
            s.execute(dialect.dropStaging());
        } catch (SQLException ignored) {
            // aborted transaction: the rollback drops the table
        }
    }

    /** Whether a stored row lies in {@code [from, to]}: a zone-map-pruned scan of at most that range. */
    private boolean overlaps(Connection tx, BatchWrite w, long from, long to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.anyInClosedRange(w.tenant(), w.archive().name()))) {
            ps.setObject(1, Jdbc.utc(Micros.fromMicros(from)));
            ps.setObject(2, Jdbc.utc(Micros.fromMicros(to)));
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
