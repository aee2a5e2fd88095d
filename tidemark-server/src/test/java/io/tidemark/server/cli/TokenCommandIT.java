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

    @Test
    void createListRevoke_tokenWorksUntilRevoked() {
        String dataDir = dir.resolve("data").toString();
        String token = run("token", "create", "--data-dir", dataDir, "--tenant", "plant", "--role", "writer",
                "--name", "ingest-1").trim();
        assertThat(token).startsWith("tmk_");
        String list = run("token", "list", "--data-dir", dataDir);
        assertThat(list).contains("plant", "writer", "ingest-1").doesNotContain(token);
        String id = list.lines().filter(l -> l.contains("ingest-1")).findFirst().orElseThrow().split("\\s+")[0];

        ServerConfig config = ServerConfig.builder().port(0).dataDir(dir.resolve("data")).bootstrapToken(false)
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
