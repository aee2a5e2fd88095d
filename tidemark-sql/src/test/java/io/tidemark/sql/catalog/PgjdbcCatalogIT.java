package io.tidemark.sql.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.sql.wire.PgWireServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * pgjdbc's DatabaseMetaData (what DBeaver and other JDBC tools call) against {@link GuardedBackend}: tables, columns
 * with PostgreSQL type names, schemas, catalogs, keys and type info for the caller's tenant only. The statements
 * pgjdbc sent are written to {@code target/pgjdbc-statements.sql} (the fixture {@code pgjdbc-statements.sql} was made
 * from it).
 */
class PgjdbcCatalogIT {
    private static GuardedBackend backend;
    private static PgWireServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = new GuardedBackend();
        server = PgWireServer.builder(backend).host("127.0.0.1").port(0).maxConnections(4).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        Path out = Path.of("target", "pgjdbc-statements.sql");
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n----\n", backend.log.stream().distinct().toList()) + "\n");
        backend.close();
    }

    private static Connection connect(String token) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "grafana");
        properties.setProperty("password", token);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/tidemark", properties);
    }

    private static List<String> column(ResultSet rows, String... labels) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rows) {
            while (rows.next()) {
                List<String> parts = new ArrayList<>();
                for (String label : labels) {
                    parts.add(rows.getString(label));
                }
                out.add(String.join(".", parts));
            }
        }
        return out;
    }

    @Test
    void getTables_listsTheTenantsTablesOnly() throws Exception {
        try (Connection c = connect("acme-token")) {
            DatabaseMetaData md = c.getMetaData();
            assertThat(column(md.getTables(null, null, "%", new String[] {"TABLE"}), "TABLE_SCHEM", "TABLE_NAME"))
                    .containsExactlyInAnyOrder("acme.m1", "acme.raw", "latest.raw", "recent.raw");
            assertThat(column(md.getTables(null, "acme", "r%", null), "TABLE_NAME", "TABLE_TYPE"))
                    .containsExactly("raw.TABLE");
        }
        try (Connection c = connect("globex-token")) {
            assertThat(column(c.getMetaData().getTables(null, null, "%", null), "TABLE_SCHEM", "TABLE_NAME"))
                    .containsExactly("globex.secret_archive");
        }
    }

    @Test
    void getColumns_reportsPostgreSqlTypeNamesAndJdbcTypes() throws Exception {
        try (Connection c = connect("acme-token")) {
            Map<String, String> types = new LinkedHashMap<>();
            try (ResultSet rows = c.getMetaData().getColumns(null, "acme", "raw", "%")) {
                while (rows.next()) {
                    types.put(rows.getString("COLUMN_NAME"), rows.getString("TYPE_NAME") + "/"
                            + rows.getInt("DATA_TYPE") + "/" + rows.getInt("ORDINAL_POSITION"));
                }
            }
            assertThat(types).containsExactly(Map.entry("timestamp", "timestamptz/" + Types.TIMESTAMP + "/1"),
                    Map.entry("rtId", "text/" + Types.VARCHAR + "/2"),
                    Map.entry("value", "float8/" + Types.DOUBLE + "/3"),
                    Map.entry("ok", "bool/" + Types.BIT + "/4"),
                    Map.entry("n", "int8/" + Types.BIGINT + "/5"));
            assertThat(column(c.getMetaData().getColumns(null, null, "m1", "%"), "COLUMN_NAME", "TYPE_NAME"))
                    .containsExactly("timestamp.timestamptz", "rtId.text", "avg_value.float8", "max_value.float8");
            assertThat(column(c.getMetaData().getColumns(null, null, "secret_archive", "%"), "COLUMN_NAME")).isEmpty();
        }
    }

    @Test
    void getSchemasAndCatalogs_nameTheTenantsSchemasAndTheDatabase() throws Exception {
        try (Connection c = connect("acme-token")) {
            DatabaseMetaData md = c.getMetaData();
            assertThat(column(md.getSchemas(), "TABLE_SCHEM")).contains("acme", "latest", "recent", "pg_catalog",
                    "information_schema").doesNotContain("globex", "main", "tidemark_pg_catalog");
            assertThat(column(md.getCatalogs(), "TABLE_CAT")).containsExactly("tidemark");
            assertThat(c.getCatalog()).isEqualTo("tidemark");
            assertThat(c.getSchema()).isEqualTo("acme");
            assertThat(md.getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(md.getDatabaseProductVersion()).startsWith("14.0");
        }
    }

    @Test
    void keysIndexesAndTypeInfo_answerWithoutError() throws Exception {
        try (Connection c = connect("acme-token")) {
            DatabaseMetaData md = c.getMetaData();
            assertThat(column(md.getPrimaryKeys(null, "acme", "raw"), "COLUMN_NAME")).isEmpty();
            assertThat(column(md.getImportedKeys(null, "acme", "raw"), "FKCOLUMN_NAME")).isEmpty();
            assertThat(column(md.getIndexInfo(null, "acme", "raw", false, true), "INDEX_NAME")).isEmpty();
            assertThat(column(md.getTypeInfo(), "TYPE_NAME")).contains("int8", "float8", "timestamptz", "text",
                    "bool");
        }
    }

    @Test
    void catalogFunctions_answerLikePostgreSql() throws Exception {
        try (Connection c = connect("acme-token"); Statement st = c.createStatement();
                ResultSet rows = st.executeQuery("SELECT version(), current_database(), current_schema(), "
                        + "current_user, pg_catalog.format_type(1184, -1)")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).startsWith("PostgreSQL 14.0 (Tidemark)");
            assertThat(rows.getString(2)).isEqualTo("tidemark");
            assertThat(rows.getString(3)).isEqualTo("acme");
            assertThat(rows.getString(4)).isEqualTo("acme");
            assertThat(rows.getString(5)).isEqualTo("timestamp with time zone");
        }
    }

    @Test
    void catalogJoinedWithData_fails0A000_andOtherTenantsNamesAre42P01() throws Exception {
        try (Connection c = connect("acme-token"); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM information_schema.columns c JOIN raw r ON true"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("0A000"));
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM pg_class, globex.secret_archive"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42P01"));
            try (ResultSet rows = st.executeQuery("SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_name = 'secret_archive'")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(1)).isZero();
            }
        }
    }

    @Test
    void preparedCatalogQuery_bindsParameters() throws Exception {
        try (Connection c = connect("acme-token");
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT column_name FROM information_schema.columns "
                        + "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, "acme");
            ps.setString(2, "m1");
            assertThat(column(ps.executeQuery(), "column_name")).containsExactly("timestamp", "rtId", "avg_value",
                    "max_value");
        }
    }
}
