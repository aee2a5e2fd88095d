package io.tidemark.server.cli;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.QuerySchema;
import io.tidemark.client.QueryType;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.client.Tuple;
import java.io.PrintStream;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tidemark live "<query>"}: registers one live query on a server and prints its snapshot and changes, with
 * the aggregate marks and their generation numbers, until Ctrl-C (a SNAPSHOT query ends by itself).
 */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = {"Print a live query's snapshot and changes, framed by aggMarkBegin / aggMarkEnd(generation).",
                "", "Example: ./tidemark live \"SELECT site, COUNT(*) AS n FROM recent.plant GROUP BY site\"",
                "Lines: '+' added, '~' updated, '-' removed; values in column order."})
final class LiveCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "QUERY", description = "the live query (docs/live-queries.md)")
    String sql;

    @Option(names = "--url", description = "server URL, http(s) or ws(s); the live endpoint's own URL works too "
            + "(default: ${DEFAULT-VALUE})")
    URI url = URI.create("http://127.0.0.1:8080");

    @Option(names = "--token", description = "bearer token (default: the TIDEMARK_TOKEN environment variable)")
    String token;

    @Option(names = "--type", description = "SNAPSHOT, SNAPSHOT_AND_CONTINUOUS (default) or CONTINUOUS_ONLY")
    QueryType type = QueryType.SNAPSHOT_AND_CONTINUOUS;

    @Option(names = "--no-marks", description = "do not declare AGG_MARK_END: the same rows without marks")
    boolean noMarks;

    @Option(names = "--duration", description = "stop after this long, e.g. 30s or PT5M (default: until Ctrl-C)")
    String duration;

    @Override
    public Integer call() throws Exception {
        String t = token != null ? token : System.getenv("TIDEMARK_TOKEN");
        if (t == null || t.isBlank()) {
            System.err.println("tidemark: give a token with --token or TIDEMARK_TOKEN (./tidemark token create)");
            return CliErrors.USER_ERROR;
        }
        PrintStream out = System.out;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (duration != null) {
            done.completeOnTimeout(0, DemoCommand.parse(duration).toMillis(), TimeUnit.MILLISECONDS);
        }
        ConnectionConfig config;
        try {
            config = ConnectionConfig.builder(url).token(t)
                    .capabilities(noMarks ? Set.of() : Set.of(ConnectionConfig.AGG_MARK_END)).build();
        } catch (IllegalArgumentException e) {
            System.err.println("tidemark: --url: " + e.getMessage());
            return CliErrors.USER_ERROR;
        }
        try (Connection c = Connection.open(config)) {
            c.registerQuery(new QueryConfig("q", sql, type), new Printer(out, done, type));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> done.complete(0)));
            return done.get();
        } catch (TidemarkClientException e) {
            System.err.println("tidemark: " + e.getMessage());
            return CliErrors.USER_ERROR;
        }
    }

    /** Prints every callback as one line. Runs on the connection's dispatch thread. */
    private static final class Printer implements QueryListener {
        private final PrintStream out;
        private final CompletableFuture<Integer> done;
        private final QueryType type;
        private boolean snapshotDone;

        Printer(PrintStream out, CompletableFuture<Integer> done, QueryType type) {
            this.out = out;
            this.done = done;
            this.type = type;
        }

        @Override
        public void aggMarkBegin(long generation) {
            out.println("aggMarkBegin " + generation);
        }

        @Override
        public void snapshotBegin(String queryId, QuerySchema schema) {
            out.println("  snapshotBegin " + schema.columns().stream().map(c -> c.name() + " " + c.type())
                    .collect(Collectors.joining(", ", "[", "]")) + " key " + schema.keyColumns());
        }

        @Override
        public void tupleAdded(String queryId, Tuple t) {
            out.println("  + " + t.values());
        }

        @Override
        public void snapshotEnd(String queryId) {
            out.println("  snapshotEnd");
            snapshotDone = type == QueryType.SNAPSHOT;
        }

        @Override
        public void tupleUpdated(String queryId, Tuple t) {
            out.println("  ~ " + t.values());
        }

        @Override
        public void tupleRemoved(String queryId, Tuple t) {
            out.println("  - " + t.values());
        }

        @Override
        public void aggMarkEnd(long generation) {
            out.println("aggMarkEnd " + generation);
            out.flush();
            if (snapshotDone) {
                done.complete(0);
            }
        }

        @Override
        public void exceptionRaised(String queryId, TidemarkClientException error) {
            System.err.println("tidemark: the query failed: " + error.getMessage());
            done.complete(CliErrors.USER_ERROR);
        }
    }
}
