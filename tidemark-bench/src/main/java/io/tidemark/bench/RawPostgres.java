package io.tidemark.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/** PostgreSQL's COPY straight into the table, and a hand-written rollup statement. */
final class RawPostgres implements RawEngine {
    private final Connection c;

    RawPostgres(String url) throws SQLException {
        c = DriverManager.getConnection(url);
    }

    @Override
    public void createSamples() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE samples (\"timestamp\" TIMESTAMP NOT NULL, \"rtId\" VARCHAR(128) NOT NULL, "
                    + "a DOUBLE PRECISION, b DOUBLE PRECISION, PRIMARY KEY (\"timestamp\", \"rtId\"))");
            s.execute("CREATE INDEX ON samples USING BRIN (\"timestamp\")");
        }
    }

    @Override
    public void bulkWrite(Generator.Batch batch) throws SQLException {
        c.setAutoCommit(false);
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY samples (\"timestamp\", \"rtId\", a, b) FROM STDIN WITH (FORMAT csv)");
        StringBuilder sb = new StringBuilder(1 << 17);
        for (int j = 0; j < batch.size(); j++) {
            long m = batch.micros[j];
            sb.append(LocalDateTime.ofEpochSecond(m / 1_000_000L, 0, ZoneOffset.UTC)).append(",\"")
                    .append(batch.rtIds[j]).append("\",").append(batch.a[j]).append(',').append(batch.b[j])
                    .append('\n');
            if (sb.length() > 1 << 16) {
                byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                copy.writeToCopy(bytes, 0, bytes.length);
                sb.setLength(0);
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        copy.endCopy();
        c.commit();
        c.setAutoCommit(true);
    }

    @Override
    public void resetRollup() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS rollup");
            s.execute("CREATE TABLE rollup (\"timestamp\" TIMESTAMP NOT NULL, \"rtId\" VARCHAR(128) NOT NULL, "
                    + "n BIGINT, a_sum DOUBLE PRECISION, a_min DOUBLE PRECISION, a_max DOUBLE PRECISION, "
                    + "a_avg__sum DOUBLE PRECISION, a_avg__count BIGINT, a_first DOUBLE PRECISION, "
                    + "a_first__ts TIMESTAMP, a_last DOUBLE PRECISION, a_last__ts TIMESTAMP, b_sum DOUBLE PRECISION, "
                    + "b_max DOUBLE PRECISION, PRIMARY KEY (\"timestamp\", \"rtId\"))");
        }
    }

    @Override
    public long rollupAll() throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate("INSERT INTO rollup SELECT date_bin(INTERVAL '60 seconds', \"timestamp\", "
                    + "TIMESTAMP '1970-01-01 00:00:00') AS bs, \"rtId\", count(*), sum(a), min(a), max(a), sum(a), "
                    + "count(a), (array_agg(a ORDER BY \"timestamp\") FILTER (WHERE a IS NOT NULL))[1], "
                    + "min(CASE WHEN a IS NOT NULL THEN \"timestamp\" END), "
                    + "(array_agg(a ORDER BY \"timestamp\" DESC) FILTER (WHERE a IS NOT NULL))[1], "
                    + "max(CASE WHEN a IS NOT NULL THEN \"timestamp\" END), sum(b), max(b) "
                    + "FROM samples GROUP BY bs, \"rtId\"");
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
