package io.tidemark.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** DuckDB's Appender straight into the table, and a hand-written rollup statement. */
final class RawDuckDb implements RawEngine {
    private final DuckDBConnection c;

    RawDuckDb(Path file) throws SQLException {
        c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file);
    }

    @Override
    public void createSamples() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE samples (\"timestamp\" TIMESTAMP NOT NULL, \"rtId\" VARCHAR(128) NOT NULL, "
                    + "a DOUBLE, b DOUBLE, PRIMARY KEY (\"timestamp\", \"rtId\"))");
        }
    }

    @Override
    public void bulkWrite(Generator.Batch batch) throws SQLException {
        c.setAutoCommit(false);
        try (DuckDBAppender app = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "samples")) {
            for (int j = 0; j < batch.size(); j++) {
                app.beginRow();
                app.appendEpochMicros(batch.micros[j]);
                app.append(batch.rtIds[j]);
                app.append(batch.a[j]);
                app.append(batch.b[j]);
                app.endRow();
            }
        }
        c.commit();
        c.setAutoCommit(true);
    }

    @Override
    public void resetRollup() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS rollup");
            s.execute("CREATE TABLE rollup (\"timestamp\" TIMESTAMP NOT NULL, \"rtId\" VARCHAR(128) NOT NULL, "
                    + "n BIGINT, a_sum DOUBLE, a_min DOUBLE, a_max DOUBLE, a_avg__sum DOUBLE, a_avg__count BIGINT, "
                    + "a_first DOUBLE, a_first__ts TIMESTAMP, a_last DOUBLE, a_last__ts TIMESTAMP, b_sum DOUBLE, "
                    + "b_max DOUBLE, PRIMARY KEY (\"timestamp\", \"rtId\"))");
        }
    }

    @Override
    public long rollupAll() throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate("INSERT INTO rollup SELECT time_bucket(INTERVAL '60 seconds', \"timestamp\", "
                    + "TIMESTAMP '1970-01-01 00:00:00') AS bs, \"rtId\", count(*), sum(a), min(a), max(a), sum(a), "
                    + "count(a), arg_min(a, \"timestamp\"), min(CASE WHEN a IS NOT NULL THEN \"timestamp\" END), "
                    + "arg_max(a, \"timestamp\"), "
                    + "max(CASE WHEN a IS NOT NULL THEN \"timestamp\" END), sum(b), max(b) FROM samples GROUP BY bs, \"rtId\"");
        }
    }

    @Override
    public Connection connection() {
        return c;
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }
}
