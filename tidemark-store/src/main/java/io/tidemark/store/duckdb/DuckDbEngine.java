package io.tidemark.store.duckdb;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.store.jdbc.Engine;
import io.tidemark.store.jdbc.SqlDialect;
import io.tidemark.store.jdbc.Jdbc;
import java.sql.Connection;
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
    public void writeBatch(Connection tx, TenantId tenant, ArchiveDefinition archive, SampleBatch batch)
            throws SQLException {
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
        boolean overlap = Jdbc.anyStoredInRange(tx, dialect, tenant, archive.name(), batch);
        try (Statement s = tx.createStatement()) {
            s.executeUpdate(overlap ? dialect.upsertFromStaging(tenant, archive, staging)
                    : dialect.insertFromStaging(tenant, archive, staging));
            s.execute("DROP TABLE " + staging);
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
