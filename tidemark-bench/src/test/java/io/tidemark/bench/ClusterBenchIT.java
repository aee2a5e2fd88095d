package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code tidemark bench cluster}, tiny so that it cannot rot: a real broker JVM, embedded PostgreSQL,
 * one ingest scenario on both sides (each side's stored rows checked inside the benchmark, the cluster's only once
 * its writer committed every acknowledged record), the latency part with clients on two nodes (every batch seen by
 * both), and the failover part with two server JVMs and a short session timeout (the benchmark fails when live
 * results do not resume on the survivor). Speed is not asserted.
 */
class ClusterBenchIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void json_everyPart_figuresAgainstTheSingleNodeServerAndTheSessionTimeout() throws Exception {
        String out = BenchRun.run("cluster", "--clients", "2", "--batch", "50", "--bulk", "0", "--seconds", "0.5",
                "--warmup-seconds", "0.2", "--rate", "200", "--batches-per-second", "10", "--latency-seconds", "1",
                "--latency-warmup", "0.5", "--nodes", "2", "--partitions", "3", "--session-timeout-ms", "6000",
                "--heartbeat-ms", "1000", "--timeout", "90", "--json", "--dir", dir.toString());

        JsonNode root = new ObjectMapper().readTree(out);
        assertThat(root.path("benchmark").asText()).isEqualTo("cluster");
        List<String> names = new ArrayList<>();
        root.path("figures").forEach(f -> names.add(f.path("name").asText()));
        assertThat(names).containsExactly("2 × 50, acknowledged (in the log)", "2 × 50, stored (writer committed)",
                "ack→aggMarkEnd p50, ingesting node", "ack→aggMarkEnd p50, second node",
                "ack→aggMarkEnd p99, ingesting node", "ack→aggMarkEnd p99, second node",
                "ack→aggMarkEnd max, second node", "failover: kill -9 → live results resume",
                "failover: kill -9 → partition owned again");
        for (JsonNode f : root.path("figures")) {
            assertThat(f.path("baseline").asDouble()).as(f.toString()).isPositive();
            if (f.path("name").asText().contains("acknowledged") || f.path("name").asText().contains("stored")) {
                assertThat(f.path("value").asDouble()).as(f.toString()).isPositive();
                assertThat(f.path("baselineName").asText()).isEqualTo("single-node PostgreSQL");
                assertThat(f.path("note").asText()).contains("stored counts checked");
            }
            if (f.path("name").asText().startsWith("failover")) {
                assertThat(f.path("value").asDouble()).as(f.toString()).isPositive().isLessThan(6000 + 90_000);
                assertThat(f.path("baseline").asDouble()).isEqualTo(6000);
            }
        }
        assertThat(root.path("figures").get(2).path("note").asText()).contains("batches recorded");
    }
}
