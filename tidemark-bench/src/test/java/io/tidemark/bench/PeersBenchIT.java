package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code tidemark bench peers}: Tidemark and an embedded QuestDB with both commit modes run a small
 * scenario end to end (each side's stored rows checked inside the benchmark, QuestDB's after its WAL is applied), and
 * the command prints Tidemark ÷ QuestDB for both. Speed is not asserted.
 */
class PeersBenchIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void json_oneScenario_tidemarkOverBothQuestDbModes() throws Exception {
        String out = BenchRun.run("peers", "--scenarios", "2x50", "--seconds", "0.3", "--warmup-seconds", "0.1",
                "--jit-warmup", "0", "--json", "--dir", dir.toString());

        JsonNode root = new ObjectMapper().readTree(out);
        assertThat(root.path("benchmark").asText()).isEqualTo("peers");
        JsonNode figures = root.path("figures");
        assertThat(figures).hasSize(2);
        assertThat(figures.get(0).path("name").asText()).isEqualTo("2 × 50, default commits");
        assertThat(figures.get(0).path("baselineName").asText()).isEqualTo("QuestDB, default commits");
        assertThat(figures.get(0).has("target")).isFalse();
        assertThat(figures.get(1).path("name").asText()).isEqualTo("2 × 50, sync commits");
        assertThat(figures.get(1).path("baselineName").asText()).isEqualTo("QuestDB, cairo.commit.mode=sync");
        assertThat(figures.get(1).path("target").asDouble()).isEqualTo(1.0);
        for (JsonNode f : figures) {
            assertThat(f.path("value").asDouble()).as(f.toString()).isPositive();
            assertThat(f.path("baseline").asDouble()).as(f.toString()).isPositive();
            assertThat(f.path("note").asText()).as(f.toString()).containsPattern("samples measured, stored counts "
                    + "checked; QuestDB applied its WAL [0-9,]+ ms after the last answer");
        }
    }
}
