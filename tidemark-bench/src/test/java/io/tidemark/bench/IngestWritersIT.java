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
 * Smoke test of {@code tidemark bench ingest --part writers}: every cell runs end to end on both engines (the stored
 * row count checked inside the benchmark) and prints its figure with its baseline, for NDJSON and line protocol
 * ({@code /api/v2/write}) with their ratio. Speed is not asserted.
 */
class IngestWritersIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void json_writersOnBothEngines_aFigurePerCellWithItsBaseline() throws Exception {
        String out = BenchRun.run("ingest", "--part", "writers", "--engine", "all", "--clients", "1,4", "--batch",
                "10,100", "--format", "all", "--cell-seconds", "0.3", "--cell-warmup", "0.1", "--json", "--dir",
                dir.toString());

        JsonNode root = new ObjectMapper().readTree(out);
        assertThat(root.path("benchmark").asText()).isEqualTo("ingest");
        List<String> names = new ArrayList<>();
        for (JsonNode f : root.path("figures")) {
            names.add(f.path("engine").asText() + ": " + f.path("name").asText());
            assertThat(f.path("value").asDouble()).as(f.toString()).isPositive();
            assertThat(f.path("baseline").asDouble()).as(f.toString()).isPositive();
            if (!f.path("name").asText().startsWith("line ÷")) {
                assertThat(f.path("note").asText()).as(f.toString()).containsPattern("^load [0-9.]+; [0-9,]+ "
                        + "requests, [0-9,]+ samples");
            }
        }
        List<String> ndjson = names.stream().filter(n -> n.contains(": NDJSON, ")).toList();
        assertThat(ndjson).containsExactly("duckdb: NDJSON, 1 × 10", "duckdb: NDJSON, 1 × 100",
                "duckdb: NDJSON, 4 × 10", "duckdb: NDJSON, 4 × 100", "postgresql: NDJSON, 1 × 10",
                "postgresql: NDJSON, 1 × 100", "postgresql: NDJSON, 4 × 10", "postgresql: NDJSON, 4 × 100");
        long line = names.stream().filter(n -> n.contains(": line, ")).count();
        long ratio = names.stream().filter(n -> n.contains(": line ÷ NDJSON, ")).count();
        assertThat(line).as("the server has /api/v2/write: a line figure per cell").isEqualTo(8L);
        assertThat(ratio).isEqualTo(line);
        assertThat(root.path("setup").path("writers").asText()).contains("[1, 4]", "[10, 100]");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void table_headlineCellTwoRounds_printsTheTargetAndEveryRound() {
        String out = BenchRun.run("ingest", "--part", "writers", "--clients", "64", "--batch", "100",
                "--cell-seconds", "0.3", "--cell-warmup", "0.1", "--cell-rounds", "2");

        assertThat(out).contains("tidemark bench ingest", "DuckDB Appender, 50,000-row commits")
                .containsPattern("NDJSON, 64 × 100 .* [0-9.]+x +≥0\\.50x!? +load [0-9.]+;")
                .containsPattern("; rounds [0-9.]+x \\(load [0-9.]+\\) / [0-9.]+x \\(load [0-9.]+\\)");
    }
}
