package io.tidemark.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tidemark token create | list | revoke} on a data directory, then the token against a server on it. */
class TokenCommandIT {
    @TempDir
    Path dir;

    private String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new TidemarkCli()).setExecutionExceptionHandler(CliErrors::report)
                    .execute(args);
            assertThat(code).as(String.join(" ", args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Exit status, standard output and standard error of one in-process run. */
    private record Ran(int code, String out, String err) {}

    private static Ran runAny(String... args) {
        PrintStream saved = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cmd = new CommandLine(new TidemarkCli()).setExecutionExceptionHandler(CliErrors::report);
            cmd.setErr(new java.io.PrintWriter(System.err, true));
            int code = cmd.execute(args);
            return new Ran(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
    }

    @Test
    void create_missingStore_refusedAndNothingCreated() {
        Path missing = dir.resolve("not-a-store");
        Ran r = runAny("token", "create", "--data-dir", missing.toString(), "--tenant", "plant", "--role", "admin");
        assertThat(r.code()).isEqualTo(CliErrors.USER_ERROR);
        assertThat(r.out()).doesNotContain("tmk_");
        assertThat(r.err()).contains("NOT_FOUND", "no Tidemark store at " + missing.toAbsolutePath(), "--url");
        assertThat(missing).doesNotExist();
        assertThat(runAny("token", "list", "--data-dir", missing.toString()).code()).isEqualTo(CliErrors.USER_ERROR);
        assertThat(missing).doesNotExist();
    }

    @Test
    void create_newStore_createsItOnPurpose() {
        Path fresh = dir.resolve("fresh");
        Ran r = runAny("token", "create", "--data-dir", fresh.toString(), "--new-store", "--tenant", "plant",
                "--role", "admin");
        assertThat(r.code()).isZero();
        assertThat(r.out().trim()).startsWith("tmk_");
        assertThat(fresh.resolve("tidemark.duckdb")).exists();
    }

    /** DuckDB's lock is per process, so the CLI runs as a process of its own against a server in this one. */
    @Test
    void storeHeldByARunningServer_refusedWithAMessageToUseUrl() throws Exception {
        Path data = dir.resolve("held");
        ServerConfig config = ServerConfig.builder().port(0).sqlPort(0).dataDir(data).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path err = dir.resolve("cli.err");
            Path out = dir.resolve("cli.out");
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    "io.tidemark.server.cli.TidemarkCli", "token", "create", "--data-dir", data.toString(),
                    "--tenant", "plant", "--role", "admin").redirectError(err.toFile()).redirectOutput(out.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
            Process p = pb.start();
            assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(CliErrors.USER_ERROR);
            assertThat(java.nio.file.Files.readString(out)).doesNotContain("tmk_");
            assertThat(java.nio.file.Files.readString(err)).contains("in use by a running server", "--url")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void withUrl_createListRevoke_throughTheServer_forTheAdminTokensTenant() {
        ServerConfig config = ServerConfig.builder().port(0).sqlPort(0).dataDir(dir.resolve("served")).bootstrapToken(true)
                .bootstrapTenant("plant").rollupInterval(Duration.ofHours(1)).build();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            String admin = server.bootstrapTokenIssued().orElseThrow().secret();
            String url = server.uri().toString();
            Ran created = runAny("token", "create", "--url", url, "--token", admin, "--role", "reader", "--name",
                    "grafana");
            assertThat(created.code()).as(created.err()).isZero();
            String reader = created.out().trim();
            assertThat(reader).startsWith("tmk_");
            assertThat(created.err()).contains("tenant 'plant'", "reader");
            TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(reader).build());
            assertThat(c.archives()).isEmpty();

            Ran list = runAny("token", "list", "--url", url, "--token", admin);
            assertThat(list.code()).isZero();
            assertThat(list.out()).contains("grafana", "plant", "bootstrap").doesNotContain("tmk_");
            String id = list.out().lines().filter(l -> l.endsWith("grafana")).findFirst().orElseThrow()
                    .split("\\s+")[0];

            Ran forbidden = runAny("token", "create", "--url", url, "--token", reader, "--role", "admin");
            assertThat(forbidden.code()).isEqualTo(CliErrors.USER_ERROR);
            assertThat(forbidden.err()).contains("FORBIDDEN").doesNotContain("\tat ");
            assertThat(forbidden.out()).doesNotContain("tmk_");

            Ran tenantGiven = runAny("token", "create", "--url", url, "--token", admin, "--tenant", "other",
                    "--role", "admin");
            assertThat(tenantGiven.code()).isEqualTo(CliErrors.USER_ERROR);
            assertThat(tenantGiven.err()).contains("drop --tenant");

            Ran revoked = runAny("token", "revoke", "--url", url, "--token", admin, id);
            assertThat(revoked.code()).isZero();
            assertThat(revoked.out()).contains("revoked token " + id);
            org.assertj.core.api.Assertions.assertThatThrownBy(c::archives)
                    .isInstanceOfSatisfying(TidemarkClientException.class,
                            e -> assertThat(e.httpStatus()).isEqualTo(401));
        }
    }

    @Test
    void createListRevoke_tokenWorksUntilRevoked() {
        String dataDir = dir.resolve("data").toString();
        String token = run("token", "create", "--data-dir", dataDir, "--new-store", "--tenant", "plant", "--role",
                "writer", "--name", "ingest-1").trim();
        assertThat(token).startsWith("tmk_");
        String list = run("token", "list", "--data-dir", dataDir);
        assertThat(list).contains("plant", "writer", "ingest-1").doesNotContain(token);
        String id = list.lines().filter(l -> l.contains("ingest-1")).findFirst().orElseThrow().split("\\s+")[0];

        ServerConfig config = ServerConfig.builder().port(0).sqlPort(0).dataDir(dir.resolve("data")).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build();
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            assertThat(c.archives()).isEmpty();
        }
        assertThat(run("token", "revoke", "--data-dir", dataDir, id)).contains("revoked token " + id);
        try (TidemarkServer server = TidemarkServer.builder(config).build().start()) {
            TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            org.assertj.core.api.Assertions.assertThatThrownBy(c::archives)
                    .isInstanceOfSatisfying(TidemarkClientException.class, e -> {
                        assertThat(e.code()).isEqualTo("UNAUTHENTICATED");
                        assertThat(e.httpStatus()).isEqualTo(401);
                    });
        }
    }
}
