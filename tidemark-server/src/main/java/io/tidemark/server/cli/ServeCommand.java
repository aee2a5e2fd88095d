package io.tidemark.server.cli;

import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tidemark serve}: runs the server until SIGTERM or Ctrl-C, then shuts down cleanly (see
 * {@link TidemarkServer#close()}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the Tidemark server: GraphQL, ingest, metrics and health on one port, SQL (PostgreSQL "
                + "protocol) on another, the rollup orchestrator for every tenant.", "",
                "Configuration: flags > TIDEMARK_* environment > --config file > defaults (docs/api.md)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Option(names = "--host", description = "address to bind (default: 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "port (default: 8080; 0 picks a free one)")
    Integer port;

    @Option(names = "--sql-port", description = "SQL (PostgreSQL protocol) port (default: 5433; 0 picks a free one)")
    Integer sqlPort;

    @Option(names = "--cluster", paramLabel = "kafka=SERVERS", description = "cluster mode on a Kafka log: "
            + "kafka=<bootstrap servers>, e.g. --cluster kafka=localhost:9092; needs --jdbc-url (PostgreSQL) shared by "
            + "every node; see docs/scale-out.md")
    Map<String, String> cluster;

    @Override
    public Integer call() throws Exception {
        // Before the first logger exists: logback reads these when it configures itself.
        System.setProperty("tidemark.log.level", store.value("log.level", "INFO"));
        System.setProperty("tidemark.log.format", store.value("log.format", "text"));
        Map<String, String> flags = new LinkedHashMap<>();
        if (host != null) {
            flags.put("host", host);
        }
        if (port != null) {
            flags.put("port", Integer.toString(port));
        }
        if (sqlPort != null) {
            flags.put("sql.port", Integer.toString(sqlPort));
        }
        flags.putAll(clusterFlags(cluster));
        ServerConfig config = store.resolve(flags);
        TidemarkServer server = TidemarkServer.builder(config).build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tidemark-shutdown"));
        PrintStream out = System.out;
        server.bootstrapTokenIssued().ifPresent(t -> {
            out.println("No API token existed, so Tidemark created an admin token for tenant '" + t.info().tenant()
                    + "' (id " + t.info().id() + "). It is shown only this once:");
            out.println();
            out.println("    " + t.secret());
            out.println();
        });
        out.println("Tidemark listening on " + server.uri() + " (store: " + server.store().describe() + ")"
                + (server.sqlEnabled() ? ", SQL (PostgreSQL protocol) on port " + server.sqlPort() : "")
                + "; Ctrl-C stops it cleanly.");
        out.println("Console: " + server.uri().resolve("/") + " (sign in with an API token; docs/console.md)");
        server.mqtt().ifPresent(m -> out.println("MQTT ingest from " + config.mqtt().broker() + " into tenant '"
                + m.tenant().value() + "': " + config.mqtt().subscriptions().stream().map(s -> s.name() + " ("
                + s.filter() + " -> " + s.archive() + ")").collect(java.util.stream.Collectors.joining(", "))));
        out.flush();
        stopped.await();
        return 0;
    }

    /** {@code --cluster kafka=<servers>} as the configuration key {@code cluster.kafka}. */
    static Map<String, String> clusterFlags(Map<String, String> cluster) {
        if (cluster == null || cluster.isEmpty()) {
            return Map.of();
        }
        for (String k : cluster.keySet()) {
            if (!k.equals("kafka")) {
                throw new io.tidemark.core.TidemarkException(io.tidemark.core.ErrorCode.INVALID_ARGUMENT,
                        "--cluster takes kafka=<bootstrap servers> (e.g. --cluster kafka=localhost:9092), not '" + k
                        + "'; other cluster settings are cluster.* keys (--set cluster.partitions=24)");
            }
        }
        return Map.of("cluster.kafka", cluster.get("kafka"));
    }
}
