package io.tidemark.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tidemark} command. {@code ./tidemark bench …} is routed by the launcher script to the benchmark
 * module, which is never a dependency of the server.
 */
@Command(name = "tidemark", mixinStandardHelpOptions = true, version = "tidemark 0.1.0-SNAPSHOT",
        subcommands = {ServeCommand.class, DemoCommand.class, LiveCommand.class, TokenCommand.class, ExampleCommand.class},
        description = {"Tidemark: time-series stream data, rollup archives and live queries.", "",
                "Start with: ./tidemark demo, or ./tidemark serve (docs/api.md).",
                "Benchmarks: ./tidemark bench rollup|live|late|ingest|fanout|soak [--json] (see docs/benchmarks.md)."})
public final class TidemarkCli implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TidemarkCli()).setExecutionExceptionHandler(CliErrors::report)
                .execute(args));
    }
}
