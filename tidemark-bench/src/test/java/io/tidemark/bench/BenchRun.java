package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs a {@code tidemark bench} command in this JVM and returns what it printed to standard output. */
final class BenchRun {
    private BenchRun() {}

    static String run(String... args) {
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
