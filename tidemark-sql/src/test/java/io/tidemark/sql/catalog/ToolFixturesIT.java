package io.tidemark.sql.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.sql.wire.PgWireServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays the tools' statement fixtures (psql 15, pgjdbc, Grafana's PostgreSQL data source) through pgjdbc against
 * {@link GuardedBackend}: as tenant {@code acme} every statement runs and answers what its {@code -- expect:} lines
 * say, and nothing of tenant {@code globex}; as {@code globex} no answer names anything of {@code acme}.
 */
class ToolFixturesIT {
    private static GuardedBackend backend;
    private static PgWireServer server;

    /** One fixture statement: the text, the text values to bind, and what its answer must contain. */
    record Fixture(String sql, List<String> params, List<String> expected) {
        @Override
        public String toString() {
            return sql.lines().findFirst().orElse(sql);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        backend = new GuardedBackend();
        server = PgWireServer.builder(backend).host("127.0.0.1").port(0).maxConnections(4).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        backend.close();
    }

    static List<Fixture> fixtures(String resource) throws IOException {
        String text;
        try (InputStream in = ToolFixturesIT.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Fixture> out = new ArrayList<>();
        for (String block : text.split("\n----\n")) {
            List<String> params = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            StringBuilder sql = new StringBuilder();
            boolean body = false;
            for (String line : block.split("\n")) {
                if (!body && line.startsWith("-- params: ")) {
                    for (String p : line.substring("-- params: ".length()).split(",")) {
                        params.add(p.strip());
                    }
                } else if (!body && line.startsWith("-- expect: ")) {
                    expected.add(line.substring("-- expect: ".length()));
                } else if (body || !line.startsWith("--")) {
                    body = true;
                    sql.append(line).append('\n');
                }
            }
            if (!sql.toString().isBlank()) {
                out.add(new Fixture(sql.toString().strip(), params, expected));
            }
        }
        return out;
    }

    private static Connection connect(String token) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "grafana");
        properties.setProperty("password", token);
        properties.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/tidemark", properties);
    }

    /** Runs a fixture; its rows as {@code a|b|c} lines (NULL as empty). */
    private static String run(Connection c, Fixture f) throws SQLException {
        // the fixtures keep the $n pgjdbc sent; pgjdbc's own placeholder is ?
        try (PreparedStatement ps = c.prepareStatement(f.sql().replaceAll("\\$\\d+", "?"))) {
            for (int i = 0; i < f.params().size(); i++) {
                String p = f.params().get(i);
                if (p.startsWith("@ns:") || p.startsWith("@rel:")) {
                    ps.setLong(i + 1, oid(c, p));
                } else {
                    ps.setString(i + 1, p);
                }
            }
            if (!ps.execute()) {
                return "";
            }
            StringBuilder out = new StringBuilder();
            try (ResultSet rows = ps.getResultSet()) {
                int n = rows.getMetaData().getColumnCount();
                while (rows.next()) {
                    for (int i = 1; i <= n; i++) {
                        String v = rows.getString(i);
                        out.append(i == 1 ? "" : "|").append(v == null ? "" : v);
                    }
                    out.append('\n');
                }
            }
            return out.toString();
        }
    }

    /** The oid of {@code @ns:schema} or {@code @rel:schema.table}, as the tool read it before. */
    private static long oid(Connection c, String param) throws SQLException {
        String name = param.substring(param.indexOf(':') + 1);
        String sql = param.startsWith("@ns:") ? "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ?"
                : "SELECT ?::regclass::oid";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rows = ps.executeQuery()) {
                return rows.next() ? rows.getLong(1) : -1;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"psql15-statements.sql", "pgjdbc-statements.sql", "grafana-postgres.sql",
            "dbeaver-statements.sql"})
    void fixtures_answerTheTenantsNamesOnly(String resource) throws Exception {
        List<Fixture> fixtures = fixtures(resource);
        assertThat(fixtures).isNotEmpty();
        try (Connection c = connect("acme-token")) {
            for (Fixture f : fixtures) {
                String answer = run(c, f);
                assertThat(answer).as(resource + ": " + f.sql()).doesNotContain("secret_archive", "globex");
                for (String expected : f.expected()) {
                    assertThat(answer).as(resource + ": " + f.sql()).contains(expected);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"psql15-statements.sql", "pgjdbc-statements.sql", "grafana-postgres.sql",
            "dbeaver-statements.sql"})
    void fixtures_asAnotherTenant_revealNothingOfAcme(String resource) throws Exception {
        try (Connection c = connect("globex-token")) {
            c.setAutoCommit(true);
            for (Fixture f : fixtures(resource)) {
                String answer;
                try {
                    answer = run(c, f);
                } catch (SQLException e) {
                    // acme's tables are not globex's: data queries over them fail with 42P01 (or 42501 for acme.raw)
                    assertThat(e.getSQLState()).as(f.sql()).isIn("42P01", "42501");
                    continue;
                }
                assertThat(answer).as(resource + ": " + f.sql()).doesNotContain("acme", "avg_value", "max_value",
                        "\nm1", "raw|", "|raw");
            }
        }
    }
}
