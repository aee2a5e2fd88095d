package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test fixture {@link ServerProcesses} / {@link NodeProcess} against real {@code tidemark serve} processes. */
class ServerProcessesIT {
    @TempDir
    Path dir;

    @Test
    void start_serverExitsBeforeServing_throwsWithItsOutput() {
        try (ServerProcesses servers = new ServerProcesses()) {
            assertThatThrownBy(() -> servers.start("broken", List.of("--jdbc-url", "jdbc:nosuch:store")))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("broken exited with")
                    .hasMessageContaining("---- broken log").hasMessageContaining("jdbc:nosuch:store");
        }
    }

    @Test
    void stopKillRestart_oneNode_samePortsNewProcess_andCloseLeavesNoProcess() throws Exception {
        ServerProcesses servers = new ServerProcesses();
        NodeProcess node;
        long lastPid;
        try (servers) {
            node = servers.start("solo", List.of("--data-dir", dir.resolve("data").toString()));
            assertThat(node.bootstrapToken()).as("a new store prints its admin token").isPresent();
            int port = node.port();
            int sqlPort = node.sqlPort();
            long firstPid = node.pid();
            assertThat(port).isPositive();
            assertThat(sqlPort).isPositive().isNotEqualTo(port);

            assertThat(node.stop()).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(Files.readString(node.logFile())).contains("tidemark stopped");
            node.restart();
            assertThat(node.pid()).isNotEqualTo(firstPid);
            assertThat(List.of(node.port(), node.sqlPort())).containsExactly(port, sqlPort);

            node.kill();
            assertThat(node.isRunning()).isFalse();
            node.restart();
            assertThat(node.port()).isEqualTo(port);
            lastPid = node.pid();
            assertThat(servers.dir()).isDirectory();
        }
        assertThat(ProcessHandle.of(lastPid).map(ProcessHandle::isAlive).orElse(false)).as("killed on close")
                .isFalse();
        assertThat(node.isRunning()).isFalse();
        assertThat(servers.dir()).as("output deleted on close").isNull();
    }
}
