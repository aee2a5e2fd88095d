package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Smoke test of {@code tidemark bench sql}: the command runs end to end on both engines with a few thousand samples
 * and prints every figure, as a table and as JSON. It asserts that figures exist and are positive, never their speed
 * (speed is what the benchmark itself reports).
 */
class SqlBenchIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void json_bothEngines_everyFigureWithItsBaseline() throws Exception {
        String out = run("sql", "--engine", "all", "--samples", "20000", "--rtids", "100", "--bulk-rows", "5000",
                "--fetch-size", "1000", "--queries", "2", "--rounds", "1", "--warmup", "0", "--json", "--dir",
                dir.toString());

        JsonNode root = new ObjectMapper().readTree(out);
        assertThat(root.path("benchmark").asText()).isEqualTo("sql");
        assertThat(root.path("setup").path("samples").asText()).isEqualTo("20000");
        List<String> names = new ArrayList<>();
        for (JsonNode f : root.path("figures")) {
            names.add(f.path("engine").asText() + ": " + f.path("name").asText());
            assertThat(f.path("value").asDouble()).as(f.toString()).isPositive();
            assertThat(f.path("baseline").asDouble()).as(f.toString()).isPositive();
            assertThat(f.path("ratio").asDouble()).as(f.toString()).isPositive();
        }
        assertThat(names).containsExactly("duckdb: Grafana query (queries/s)", "duckdb: bulk read (rows/s)",
                "duckdb: COPY … TO STDOUT csv (rows/s)", "postgresql: Grafana query (queries/s)",
                "postgresql: bulk read (rows/s)", "postgresql: COPY … TO STDOUT csv (rows/s)");
        assertThat(root.path("figures").get(0).path("target").asDouble()).isEqualTo(0.8);
        assertThat(root.path("figures").get(1).path("target").asDouble()).isEqualTo(0.5);
        assertThat(root.path("figures").get(2).has("target")).isFalse();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void table_printsTheRatiosAndTargets() throws Exception {
        String out = run("sql", "--engine", "duckdb", "--samples", "20000", "--rtids", "100", "--bulk-rows", "5000",
                "--queries", "2", "--rounds", "2", "--warmup", "1");

        assertThat(out).contains("tidemark bench sql", "Grafana query (queries/s)", "bulk read (rows/s)",
                "COPY … TO STDOUT csv (rows/s)", "DuckDB JDBC, same database");
        assertThat(out).containsPattern("Grafana query \\(queries/s\\) .* [0-9.]+x +≥0\\.80x!?")
                .containsPattern("bulk read \\(rows/s\\) .* [0-9.]+x +≥0\\.50x!?");
    }

    private static String run(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new BenchMain()).setExecutionExceptionHandler(BenchMain::report).execute(args);
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        return out;
    }
}
