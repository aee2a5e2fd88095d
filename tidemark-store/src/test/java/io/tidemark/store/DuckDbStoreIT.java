package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void open_urlWithQuestionMarkSettings_refusedNamingTheSemicolonForm() {
        String url = "jdbc:duckdb:" + dir.resolve("q.duckdb") + "?memory_limit=512MB";
        assertThatThrownBy(() -> TestStores.open(url))
                .hasMessageContaining("after ';', not '?'");
        assertThat(dir.resolve("q.duckdb?memory_limit=512MB")).doesNotExist();
    }

    @Test
    void open_urlWithSemicolonSettings_opensTheNamedFileWithThatSetting() throws Exception {
        Path file = dir.resolve("m.duckdb");
        try (Store s = TestStores.open("jdbc:duckdb:" + file + ";memory_limit=256MB")) {
            s.ping();
        }
        assertThat(file).exists();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file + ";memory_limit=256MB");
                Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT current_setting('memory_limit')")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("2");
        }
    }

    /**
     * What the DuckDB provider's direct append relies on: the Appender writes inside the connection's open
     * transaction (a rollback leaves nothing; the helper runs a statement first, which begins it); a key that breaks the primary key fails its explicit {@code flush()},
     * while {@code close()} alone swallows that error and silently stores none of the rows. If DuckDB's
     * {@code close()} starts reporting the error, this test says so.
     */
    @Test
    void duckDbAppender_writesInTheConnectionsTransaction_andOnlyFlushReportsACollidingKey() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("appender.duckdb"));
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA t");
            s.execute("CREATE TABLE t.a (\"timestamp\" TIMESTAMPTZ, \"rtId\" VARCHAR, v DOUBLE, "
                    + "PRIMARY KEY (\"timestamp\", \"rtId\"))");
            c.setAutoCommit(false);
            assertThat(count(s)).isZero();
            append(c, 0, 1000, true);
            assertThat(count(s)).isEqualTo(1000);
            c.rollback();
            assertThat(count(s)).isZero();

            append(c, 0, 10, true);
            c.commit();
            assertThat(count(s)).isEqualTo(10);

            // keys 9 (stored) and 10, 11 (new): flush fails, nothing of the append stays
            assertThatThrownBy(() -> append(c, 9, 3, true)).isInstanceOf(java.sql.SQLException.class)
                    .hasMessageContaining("Duplicate key");
            c.rollback();
            assertThat(count(s)).isEqualTo(10);

            // the same append closed without flush: no error, and none of the three rows is stored
            append(c, 9, 3, false);
            c.commit();
            assertThat(count(s)).isEqualTo(10);
        }
    }

    /**
     * Why DuckDbEngine runs a statement before its direct append: an Appender used first on a connection out of
     * auto-commit mode, before any statement, is outside any transaction (the driver begins one at the first
     * statement), so its rows commit at {@code flush()} and a rollback leaves them. If DuckDB's driver starts
     * beginning the transaction for the Appender too, this test says so (and the statement can go).
     */
    @Test
    void duckDbAppender_firstOnTheConnection_commitsAtFlushOutsideTheTransaction() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("appender.duckdb"));
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA t");
            s.execute("CREATE TABLE t.a (\"timestamp\" TIMESTAMPTZ, \"rtId\" VARCHAR, v DOUBLE, "
                    + "PRIMARY KEY (\"timestamp\", \"rtId\"))");
            String catalog = catalog(s);
            try (Connection w = ((org.duckdb.DuckDBConnection) c).duplicate()) {
                w.setAutoCommit(false);
                appendOnly(w, catalog, 0, 3);
                w.rollback();
            }
            assertThat(count(s)).as("rolled back, yet stored").isEqualTo(3);

            try (Connection w = ((org.duckdb.DuckDBConnection) c).duplicate()) {
                w.setAutoCommit(false);
                try (Statement first = w.createStatement()) {
                    first.execute("SELECT 1");
                }
                appendOnly(w, catalog, 3, 3);
                w.rollback();
            }
            assertThat(count(s)).as("after a statement the Appender is inside the transaction").isEqualTo(3);
        }
    }

    private static String catalog(Statement s) throws Exception {
        try (java.sql.ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Appends and flushes without running any statement on {@code c}. */
    private static void appendOnly(Connection c, String catalog, int from, int rows) throws Exception {
        try (org.duckdb.DuckDBAppender app = c.unwrap(org.duckdb.DuckDBConnection.class).createAppender(catalog, "t",
                "a")) {
            for (int i = from; i < from + rows; i++) {
                app.beginRow();
                app.appendEpochMicros(1_700_000_000_000_000L + i);
                app.append("s1");
                app.append(1.0);
                app.endRow();
            }
            app.flush();
        }
    }

    private static void append(Connection c, int from, int rows, boolean flush) throws Exception {
        String catalog;
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            catalog = rs.getString(1);
        }
        try (org.duckdb.DuckDBAppender app = c.unwrap(org.duckdb.DuckDBConnection.class).createAppender(catalog, "t",
                "a")) {
            for (int i = from; i < from + rows; i++) {
                app.beginRow();
                app.appendEpochMicros(1_700_000_000_000_000L + i);
                app.append("s1");
                app.append(1.0);
                app.endRow();
            }
            if (flush) {
                app.flush();
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
