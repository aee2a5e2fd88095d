package io.tidemark.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tidemark bench …}: Tidemark's benchmarks; each compares with a baseline measured in the same run. */
@Command(name = "tidemark bench", mixinStandardHelpOptions = true, subcommands = {RollupBench.class, LiveBench.class},
        description = "Benchmarks; each prints the ratio to a baseline measured in the same run.")
public final class BenchMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }
}
