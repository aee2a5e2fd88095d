package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreIT extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }

    @Override
    protected void recordSchemaVersion(int version) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tidemark.duckdb"));
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO tidemark.tidemark.schema_version VALUES (" + version + ")");
        }
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return TestStores.duckDb(dir);
    }

    /**
     * What the DuckDB provider's direct append relies on, and why it counts what it appended: the Appender writes
     * inside the connection's open transaction (a rollback leaves nothing), and a key it cannot store may vanish
     * without an error. If DuckDB starts reporting that error, this test says so and the count can go.
     */
    @Test
    void duckDbAppender_writesInTheConnectionsTransaction_andDropsACollidingKeySilently() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("appender.duckdb"));
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA t");
            s.execute("CREATE TABLE t.a (\"timestamp\" TIMESTAMPTZ, \"rtId\" VARCHAR, v DOUBLE, "
                    + "PRIMARY KEY (\"timestamp\", \"rtId\"))");
            c.setAutoCommit(false);
            assertThat(count(s)).isZero();
            append(c, 1000, false);
            assertThat(count(s)).isEqualTo(1000);
            c.rollback();
            assertThat(count(s)).isZero();

            append(c, 10, false);
            c.commit();
            assertThat(count(s)).isEqualTo(10);

            append(c, 1, false); // the first key again: stored and committed
            c.commit();
            assertThat(count(s)).isEqualTo(10);
        }
    }

    private static void append(Connection c, int rows, boolean duplicate) throws Exception {
        String catalog;
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            catalog = rs.getString(1);
        }
        try (org.duckdb.DuckDBAppender app = c.unwrap(org.duckdb.DuckDBConnection.class).createAppender(catalog, "t",
                "a")) {
            for (int i = 0; i < rows; i++) {
                app.beginRow();
                app.appendEpochMicros(1_700_000_000_000_000L + (duplicate ? 0 : i));
                app.append("s1");
                app.append(1.0);
                app.endRow();
            }
        }
    }

    private static long count(Statement s) throws Exception {
        try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM t.a")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
