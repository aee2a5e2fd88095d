package io.tidemark.server;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.rollup.OrchestratorConfig;
import io.tidemark.rollup.OrchestratorHost;
import io.tidemark.rollup.RetentionConfig;
import io.tidemark.live.LiveEngine;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.server.auth.TokenAdmin;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.cluster.ClusterConfig;
import io.tidemark.server.cluster.ClusterMetrics;
import io.tidemark.server.cluster.ClusterNode;
import io.tidemark.server.live.LiveEndpoint;
import io.tidemark.server.live.LiveHub;
import io.tidemark.server.graphql.GraphQlApi;
import io.tidemark.server.graphql.GraphQlModule;
import io.tidemark.server.graphql.TokenModule;
import io.tidemark.server.graphql.MqttModule;
import io.tidemark.server.http.HttpApi;
import io.tidemark.server.mqtt.MqttIngest;
import io.tidemark.server.sql.SqlEndpoint;
import io.tidemark.store.Store;
import io.tidemark.store.Stores;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tidemark server: the store, the rollup orchestrator host ticking every tenant, the live-query engine fed by
 * ingest and by committed rollup buckets, the HTTP APIs and the live WebSocket on one port, and the SQL endpoint
 * (PostgreSQL wire protocol, {@code sql.*}) on its own. Build with {@link #builder(ServerConfig)}, then {@link #start()}.
 *
 * <p>Lifecycle: {@link #close()} is the clean shutdown — close the SQL connections (a statement running is
 * cancelled), stop accepting connections, refuse new requests, let the
 * requests in flight finish (an ingest batch in flight commits and is answered), close live connections with 1001
 * (clients reconnect), in cluster mode stop the log writer (it leaves the group) and close the producer, stop the
 * live engine's cuts (and the log followers), stop the orchestrator host
 * between statements, then close the store if the server opened it. Nothing acknowledged is lost, and a server
 * started again on the same store carries on from the stored watermarks. Thread-safe; {@code close} is idempotent.
 */
public final class TidemarkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TidemarkServer.class);

    private final ServerConfig config;
    private final Clock clock;
    private final Store givenStore;
    private final List<GraphQlModule> modules;
    private final UnaryOperator<LiveEngine> liveDecorator;
    private Store store;
    private LiveHub live;
    private LiveEndpoint liveEndpoint;
    private PrometheusMeterRegistry meters;
    private OrchestratorHost host;
    private HttpApi http;
    private SqlEndpoint sql;
    private Operations operations;
    private MqttIngest mqtt;
    private ClusterNode cluster;
    private Tokens.Issued bootstrap;
    private int port = -1;
    private boolean closed;

    private TidemarkServer(Builder b) {
        this.config = b.config;
        this.clock = b.clock;
        this.givenStore = b.store;
        this.modules = List.copyOf(b.modules);
        this.liveDecorator = b.liveDecorator;
    }

    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /**
     * Opens the store (unless one was given), starts the orchestrator host and binds the port.
     *
     * @throws io.tidemark.core.TidemarkException when the store cannot be opened; nothing is left running
     */
    public synchronized TidemarkServer start() {
        if (port >= 0 || closed) {
            throw new IllegalStateException("a server starts once");
        }
        ClusterConfig cc = config.cluster();
        if (cc.enabled() && givenStore == null && config.jdbcUrl() == null) {
            // Before the store opens: no DuckDB file is created for a start that cannot succeed.
            throw ClusterNode.notPostgres("the embedded DuckDB store in " + config.dataDir());
        }
        store = givenStore != null ? givenStore : Stores.open(config.storeConfig());
        try {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            if (cc.enabled()) {
                ClusterNode.requirePostgres(store);
                cluster = ClusterNode.start(cc.logSettings(ClusterNode.defaultNodeId(config.port())),
                        cc.writerSettings(config.live().publishInterval(), config.ingestGroupMaxSamples(),
                                config.live().resultSettingsHash()), store,
                        clock, cc.startTimeout());
            }
            new JvmMemoryMetrics().bindTo(meters);
            new JvmThreadMetrics().bindTo(meters);
            new ProcessorMetrics().bindTo(meters);
            new UptimeMetrics().bindTo(meters);
            ServerConfig.Live lc = config.live();
            LiveEngine engine = liveDecorator.apply(LiveEngine.builder().clock(clock).logTime(cluster != null)
                    .publishInterval(lc.publishInterval()).memoryBudgetBytes(lc.memoryBudgetBytes())
                    .maxPendingRows(lc.maxPendingRows()).build());
            live = new LiveHub(store, engine, lc, clock, meters, config.ingestGroupMaxSamples());
            if (cluster != null) {
                live.followLog(cluster, cc.followBufferBytes());
            }
            live.start();
            if (cluster != null) {
                ClusterMetrics.bind(meters, cluster, live::followerStatus);
            }
            host = OrchestratorHost.builder(store).listener(live.rollupListener()).interval(config.rollupInterval())
                    .clock(clock)
                    .config(new OrchestratorConfig(config.rollupMaxBucketsPerStatement(),
                            config.rollupMaxBucketsPerTick()))
                    .retention(new RetentionConfig(config.retentionMaxSpanPerStatement(),
                            config.retentionMaxStatementsPerRound()))
                    .tenants(cluster != null ? cluster::owns : t -> true)
                    .meterRegistry(meters).build();
            operations = new Operations(store, host, clock, config, meters, live, cluster);
            // Checks mqtt.token before anything listens: a reader or unknown token fails the start.
            mqtt = config.mqtt().enabled() ? MqttIngest.create(config, operations, new Authenticator(store.tokens()),
                    meters, clock) : null;
            liveEndpoint = new LiveEndpoint(engine, new Authenticator(store.tokens()), lc, meters);
            liveEndpoint.revalidateEvery(config.auth().revalidateInterval());
            liveEndpoint.admitWith(live::admit);
            List<GraphQlModule> all = new ArrayList<>(modules);
            all.add(new TokenModule(new TokenAdmin(store, clock, liveEndpoint::tokenRevoked)));
            all.add(new MqttModule(mqtt));
            http = new HttpApi(operations, store, new GraphQlApi(operations, all), meters, liveEndpoint);
            host.start();
            // Before HTTP: a SQL port that is taken then fails the start with nothing left listening.
            if (config.sql().enabled()) {
                sql = SqlEndpoint.start(config.host(), config.sql(), store, engine, meters);
            }
            port = http.start();
            if (mqtt != null) {
                mqtt.start();
            }
            // Only once the port is bound: a start that fails (port in use) must not use up the one printing.
            bootstrap = bootstrapToken().orElse(null);
        } catch (RuntimeException e) {
            closeQuietly(e);
            throw e;
        }
        LOG.atInfo().addKeyValue("url", uri()).addKeyValue("sql_port", sql == null ? "off" : sql.port())
                .addKeyValue("store", store.describe()).log("tidemark serving");
        return this;
    }

    /**
     * On a store without any token, an admin token for {@link ServerConfig#bootstrapTenant()}. Created only after
     * the port is bound, so a start that fails creates none and the next start still finds the store without a
     * token.
     */
    private Optional<Tokens.Issued> bootstrapToken() {
        if (!config.bootstrapToken() || !store.tokens().list(null).isEmpty()) {
            return Optional.empty();
        }
        Tokens.Issued t = Tokens.issue(store, TenantId.of(config.bootstrapTenant()), Role.ADMIN, "bootstrap",
                clock.instant());
        LOG.atWarn().addKeyValue("tenant", config.bootstrapTenant()).addKeyValue("token_id", t.info().id())
                .log("the store had no API token; created an admin token (printed once on standard output)");
        return Optional.of(t);
    }

    /** The admin token created at start on a store that had none; empty otherwise. */
    public Optional<Tokens.Issued> bootstrapTokenIssued() {
        return Optional.ofNullable(bootstrap);
    }

    /** The bound port; the real one when the configuration asked for port 0. */
    public synchronized int port() {
        if (port < 0) {
            throw new IllegalStateException("the server is not started");
        }
        return port;
    }

    /** {@code http://host:port}. */
    public URI uri() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port());
    }

    /**
     * The bound SQL port (PostgreSQL wire protocol; the real one when {@code sql.port} is 0).
     *
     * @throws IllegalStateException when the server is not started or {@code sql.enabled} is false
     */
    public synchronized int sqlPort() {
        if (sql == null) {
            throw new IllegalStateException(port < 0 ? "the server is not started" : "the SQL endpoint is disabled "
                    + "(sql.enabled=false)");
        }
        return sql.port();
    }

    /** Whether the SQL endpoint runs. */
    public synchronized boolean sqlEnabled() {
        return sql != null;
    }

    public Store store() {
        return store;
    }

    /** MQTT ingest, when {@code mqtt.broker} is configured and the server started. */
    public synchronized Optional<MqttIngest> mqtt() {
        return Optional.ofNullable(mqtt);
    }

    public OrchestratorHost orchestratorHost() {
        return host;
    }

    /** The node's part in the cluster, in cluster mode ({@code cluster.kafka} set) once started. */
    public synchronized Optional<ClusterNode> cluster() {
        return Optional.ofNullable(cluster);
    }

    /** The live side: in cluster mode, {@link LiveHub#join} tells when a tenant's first cut came on this node. */
    public LiveHub liveHub() {
        return live;
    }

    /** The live-query engine: every archive of every tenant is live in it. */
    public LiveEngine liveEngine() {
        return live.engine();
    }

    /** Open live WebSocket connections. */
    public int liveConnections() {
        return liveEndpoint == null ? 0 : liveEndpoint.connections();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    /** The clean shutdown; see the class documentation. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("tidemark shutting down");
        if (mqtt != null) {
            mqtt.close(); // the batch being written is acknowledged; the rest stays at the broker
        }
        if (liveEndpoint != null) {
            liveEndpoint.close();
        }
        if (sql != null) {
            sql.close();
        }
        int left = http == null ? 0 : http.stop(config.shutdownTimeout());
        if (left != 0) {
            LOG.atWarn().addKeyValue("requests", left).addKeyValue("timeout", config.shutdownTimeout())
                    .log("requests still in flight after the shutdown timeout");
        }
        closeQuietly(null);
        LOG.info("tidemark stopped");
    }

    private void closeQuietly(RuntimeException cause) {
        if (mqtt != null) {
            mqtt.close();
        }
        if (liveEndpoint != null) {
            liveEndpoint.close();
        }
        if (sql != null) {
            sql.close();
        }
        if (cluster != null) {
            cluster.close(); // after HTTP: the requests in flight have had their appends answered
        }
        if (host != null) {
            host.stop();
        }
        if (live != null) {
            live.close();
        }
        if (meters != null) {
            meters.close();
        }
        if (store != null && givenStore == null) {
            try {
                store.close();
            } catch (RuntimeException e) {
                if (cause == null) {
                    throw e;
                }
                cause.addSuppressed(e);
            }
        }
    }

    /** Builds a {@link TidemarkServer}. */
    public static final class Builder {
        private final ServerConfig config;
        private Clock clock = Clock.systemUTC();
        private Store store;
        private final List<GraphQlModule> modules = new ArrayList<>(GraphQlApi.coreModules());
        private UnaryOperator<LiveEngine> liveDecorator = UnaryOperator.identity();

        private Builder(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Time for the orchestrator (due buckets, lag) and the audit trail; default the system clock (UTC). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Serve this store instead of opening {@link ServerConfig#storeConfig()}; the caller closes it. */
        public Builder store(Store s) {
            this.store = Objects.requireNonNull(s, "store");
            return this;
        }

        /** Adds a part of the GraphQL schema. */
        public Builder graphQlModule(GraphQlModule m) {
            modules.add(Objects.requireNonNull(m, "module"));
            return this;
        }

        /**
         * Wraps the live engine the server builds (from {@code live.*}), e.g. to observe {@code onCommit} in a
         * benchmark. The wrapper must delegate every call.
         */
        public Builder liveEngine(UnaryOperator<LiveEngine> decorator) {
            this.liveDecorator = Objects.requireNonNull(decorator, "decorator");
            return this;
        }

        public TidemarkServer build() {
            return new TidemarkServer(this);
        }
    }
}
