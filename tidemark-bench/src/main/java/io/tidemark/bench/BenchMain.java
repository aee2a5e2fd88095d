package io.tidemark.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tidemark bench …}: Tidemark's benchmarks; each compares with a baseline measured in the same run. */
@Command(name = "tidemark bench", mixinStandardHelpOptions = true,
        subcommands = {RollupBench.class, LiveBench.class, LateBench.class, IngestBench.class, LineBench.class,
                FanoutBench.class, SoakBench.class, SqlBench.class, PeersBench.class, MqttBench.class,
                ClusterBench.class},
        description = "Benchmarks; each prints the ratio to a baseline measured in the same run.")
public final class BenchMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Errors a user can cause print their code and message, not a stack trace. */
    static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof io.tidemark.core.TidemarkException t) {
            cmd.getErr().println("tidemark: " + t.code() + ": " + t.getMessage());
            return 2;
        }
        throw new IllegalStateException(e);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).setExecutionExceptionHandler(BenchMain::report)
                .execute(args));
    }
}
