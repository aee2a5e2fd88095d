package io.tidemark.sql.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.sql.wire.PgWireServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * psql 15's meta-commands against a {@link PgWireServer} whose backend is {@link GuardedBackend}: the catalog queries
 * psql sends are answered for the caller's tenant only. The statements psql sent are written to
 * {@code target/psql-statements.sql} (the fixture {@code psql15-statements.sql} was made from it). Skipped, with the
 * reason, when psql is not on the PATH.
 */
class PsqlCatalogIT {
    private static GuardedBackend backend;
    private static PgWireServer server;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(psqlInstalled(), "psql is not installed (Debian: postgresql-client): skipping the "
                + "psql catalog tests");
        backend = new GuardedBackend();
        server = PgWireServer.builder(backend).host("127.0.0.1").port(0).maxConnections(4).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) {
            return;
        }
        server.close();
        Path out = Path.of("target", "psql-statements.sql");
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n----\n", backend.log.stream().distinct().toList()) + "\n");
        backend.close();
    }

    @Test
    void dt_listsTheTenantsTablesAndRollups_neverAnotherTenants() throws Exception {
        String out = psql("acme-token", "\\dt");
        assertThat(out).contains("acme|m1|table|acme", "acme|raw|table|acme").doesNotContain("secret", "globex",
                "latest");
        assertThat(psql("globex-token", "\\dt")).contains("globex|secret_archive|table|globex")
                .doesNotContain("raw", "m1");
    }

    @Test
    void dtLatest_listsTheLiveTables() throws Exception {
        assertThat(psql("acme-token", "\\dt latest.*")).contains("latest|raw|table|acme").doesNotContain("m1");
    }

    @Test
    void d_describesAnArchiveWithPostgreSqlTypes() throws Exception {
        String out = psql("acme-token", "\\d raw");
        assertThat(out).contains("timestamp|timestamp with time zone", "rtId|text",
                "value|double precision", "ok|boolean", "n|bigint");
        assertThat(psql("acme-token", "\\d m1")).contains("avg_value|double precision", "max_value|double precision");
        assertThat(psql("acme-token", "\\d secret_archive")).contains("Did not find any relation");
    }

    @Test
    void dWithoutName_listsEveryVisibleRelation() throws Exception {
        assertThat(psql("acme-token", "\\d")).contains("acme|m1|table|acme", "acme|raw|table|acme")
                .doesNotContain("secret");
    }

    @Test
    void dn_listsTheTenantsSchemas() throws Exception {
        assertThat(psql("acme-token", "\\dn")).contains("acme|acme", "latest|acme", "recent|acme")
                .doesNotContain("globex", "pg_catalog", "information_schema");
    }

    @Test
    void l_showsTheDatabase_andConninfoAgrees() throws Exception {
        assertThat(psql("acme-token", "\\l")).contains("tidemark|acme|UTF8");
        assertThat(psql("acme-token", "\\conninfo")).contains("database \"tidemark\"");
        assertThat(psql("acme-token", "SELECT current_database(), current_schema(), current_user, version()"))
                .contains("tidemark|acme|acme|PostgreSQL 14.0 (Tidemark)");
    }

    @Test
    void catalogJoinedWithData_isRefused0A000() throws Exception {
        String out = psql("acme-token", "SELECT c.relname, r.value FROM pg_class c, raw r");
        assertThat(out).contains("ERROR:", "cannot also read the tenant's table raw");
    }

    static boolean psqlInstalled() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "psql"))) {
                return true;
            }
        }
        return false;
    }

    /** Runs psql unaligned, tuples only, with the tenant's token as password; answers stdout and stderr. */
    private static String psql(String token, String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("psql", "-h", "127.0.0.1", "-p", Integer.toString(server.port()),
                "-U", "grafana", "-d", "tidemark", "-X", "-A", "-t", "-c", command);
        builder.environment().put("PGPASSWORD", token);
        builder.environment().put("PGCONNECT_TIMEOUT", "10");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
