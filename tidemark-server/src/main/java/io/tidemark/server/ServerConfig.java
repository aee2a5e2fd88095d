package io.tidemark.server;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.cluster.ClusterConfig;
import io.tidemark.server.mqtt.MqttConfig;
import io.tidemark.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code tidemark serve} can be configured with. Immutable; build with {@link #builder()} or resolve
 * from file, environment and flags with {@link ConfigResolver}. Every key is listed in {@link ConfigKey}.
 *
 * @param jdbcUrl the store; null for embedded DuckDB in {@code dataDir}
 * @param ingestFastPath whether ingest bodies are offered to the byte-level fast paths before the Jackson readers
 *     ({@code ingest.fast-path}); the stored rows are the same either way
 * @param ingestGroupMaxSamples the most samples one group commit writes in one store transaction
 *     ({@code ingest.group-commit-max-samples}): concurrent ingest batches into one archive are coalesced up to this;
 *     1 writes each batch in its own transaction
 * @param metricsToken the bearer token Prometheus presents at {@code /metrics}; null to serve metrics without one,
 *     which the server allows only on a loopback address
 * @param mqtt MQTT ingest ({@code mqtt.*}); off unless {@code mqtt.broker} is set
 * @param cluster cluster mode ({@code cluster.*}); off unless {@code cluster.kafka} is set
 */
public record ServerConfig(String host, int port, Path dataDir, String jdbcUrl, String jdbcUser, String jdbcPassword,
        int poolSize, long ingestMaxBytes, int ingestMaxRows, boolean ingestFastPath, int ingestGroupMaxSamples,
        int graphqlMaxIngestRows,
        int graphqlMaxBytes, Duration rollupInterval, int rollupMaxBucketsPerStatement, int rollupMaxBucketsPerTick,
        Duration retentionMaxSpanPerStatement, int retentionMaxStatementsPerRound, Duration shutdownTimeout,
        String metricsToken, boolean bootstrapToken, String bootstrapTenant,
        Live live, GraphQl graphql, StoreWaits storeWaits, Auth auth, Sql sql, MqttConfig mqtt,
        Line line, ClusterConfig cluster) {

    /**
     * InfluxDB line protocol ingest ({@code ingest.line.*} keys; docs/ingest.md, "InfluxDB line protocol"): each
     * measurement is written to the archive of the same name.
     *
     * @param rtIdTag the tag whose value is a line's rtId, for every archive that {@code rtIdTags} does not name; null
     *     for the canonical tag set ({@code k1=v1,k2=v2}, keys sorted)
     * @param rtIdTags the rtId tag per archive: keys {@code archive} (any tenant) or {@code tenant/archive}
     * @param autoCreate whether a measurement without an archive creates one (columns from the fields of its first
     *     line), even for a writer token; off by default
     */
    public record Line(String rtIdTag, java.util.Map<String, String> rtIdTags, boolean autoCreate) {
        public static final Line DEFAULT = new Line(null, java.util.Map.of(), false);

        public Line {
            rtIdTags = java.util.Map.copyOf(rtIdTags);
            if (rtIdTag != null && rtIdTag.isBlank()) {
                throw invalid("ingest.line.rtid-tag", "must name a tag, got '" + rtIdTag + "'");
            }
        }

        /** The rtId tag of {@code tenant}'s {@code archive}: {@code tenant/archive}, then {@code archive}, then the default. */
        public String rtIdTagOf(String tenant, String archive) {
            String t = rtIdTags.get(tenant + "/" + archive);
            return t != null ? t : rtIdTags.getOrDefault(archive, rtIdTag);
        }

        /** Parses {@code archive=tag, tenant/archive=tag}. */
        static java.util.Map<String, String> parseTags(String text) {
            java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
            for (String part : text.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                String target = eq <= 0 ? "" : part.substring(0, eq).trim();
                String tag = eq <= 0 ? "" : part.substring(eq + 1).trim();
                int slash = target.indexOf('/');
                boolean named = slash < 0 ? isName(target) : isName(target.substring(0, slash))
                        && isName(target.substring(slash + 1));
                if (!named || tag.isEmpty()) {
                    throw invalid("ingest.line.rtid-tags", "'" + part.trim() + "' is not archive=tag or "
                            + "tenant/archive=tag");
                }
                out.put(target, tag);
            }
            return out;
        }

        private static boolean isName(String s) {
            return s.matches("[a-z][a-z0-9_]{0,62}");
        }
    }

    /**
     * The SQL endpoint ({@code sql.*} keys): PostgreSQL's wire protocol on its own port, bound to {@link #host()};
     * docs/sql.md describes it.
     *
     * @param enabled whether {@code serve} listens for SQL clients at all
     * @param port the port; 0 picks a free one
     * @param statementTimeout how long one statement may take, from its start until its last row is sent; past it the
     *     statement is cancelled (57014)
     * @param maxResultBytes the most value bytes one statement may return (texts by length, numbers and timestamps 8,
     *     booleans 1); past it the statement ends with 54000 after the rows already sent
     * @param maxConcurrentStatementsPerTenant statements of one tenant running at once (over all its connections);
     *     one more is refused with 53400
     * @param maxConnections open SQL connections at once; one more is refused with 53300
     * @param idleTimeout a connection that sends nothing for this long is closed (57P05); zero for never
     * @param tlsKey a PEM private key (PKCS#8, unencrypted), or null: with {@code tlsCertificate} TLS is offered
     * @param tlsCertificate a PEM certificate chain, server certificate first, or null
     */
    public record Sql(boolean enabled, int port, Duration statementTimeout, long maxResultBytes,
            int maxConcurrentStatementsPerTenant, int maxConnections, Duration idleTimeout, Path tlsKey,
            Path tlsCertificate) {
        /** The default port: PostgreSQL's 5432 plus one, so a local PostgreSQL keeps its own. */
        public static final int DEFAULT_PORT = 5433;
        public static final Sql DEFAULT = new Sql(true, DEFAULT_PORT, Duration.ofSeconds(30), 1L << 30, 8, 64,
                Duration.ofMinutes(30), null, null);

        public Sql {
            requireRange("sql.port", port, 0, 65_535);
            Live.positive("sql.statement-timeout", statementTimeout);
            requireRange("sql.max-result-bytes", maxResultBytes, 1, Long.MAX_VALUE);
            requireRange("sql.max-concurrent-statements-per-tenant", maxConcurrentStatementsPerTenant, 1, 100_000);
            requireRange("sql.max-connections", maxConnections, 1, 100_000);
            if (idleTimeout == null || idleTimeout.isNegative()) {
                throw invalid("sql.idle-timeout", "must be zero (never) or positive, got " + idleTimeout);
            }
            if ((tlsKey == null) != (tlsCertificate == null)) {
                throw invalid(tlsKey == null ? "sql.tls.key" : "sql.tls.certificate", "TLS needs both sql.tls.key and "
                        + "sql.tls.certificate (PEM files)");
            }
        }

        /** Whether TLS is configured. */
        public boolean tls() {
            return tlsKey != null;
        }

        Sql with(java.util.function.UnaryOperator<SqlBuilder> change) {
            return change.apply(new SqlBuilder(this)).build();
        }
    }

    /** The mutable form of {@link Sql}, for the builder's {@code sql*} setters. */
    static final class SqlBuilder {
        boolean enabled;
        int port;
        Duration statementTimeout;
        long maxResultBytes;
        int maxConcurrentStatementsPerTenant;
        int maxConnections;
        Duration idleTimeout;
        Path tlsKey;
        Path tlsCertificate;

        SqlBuilder(Sql s) {
            enabled = s.enabled();
            port = s.port();
            statementTimeout = s.statementTimeout();
            maxResultBytes = s.maxResultBytes();
            maxConcurrentStatementsPerTenant = s.maxConcurrentStatementsPerTenant();
            maxConnections = s.maxConnections();
            idleTimeout = s.idleTimeout();
            tlsKey = s.tlsKey();
            tlsCertificate = s.tlsCertificate();
        }

        Sql build() {
            return new Sql(enabled, port, statementTimeout, maxResultBytes, maxConcurrentStatementsPerTenant,
                    maxConnections, idleTimeout, tlsKey, tlsCertificate);
        }
    }

    /**
     * The bounds of every wait on the store ({@code store.*} keys) and how often {@code /health} probes it.
     *
     * @param timeouts connection acquire, statement and lock bounds, passed to the store
     * @param healthInterval how often a background probe checks the store; {@code /health} answers from its last
     *     result, and says DOWN when a probe has been running longer than this
     */
    public record StoreWaits(io.tidemark.store.StoreTimeouts timeouts, Duration healthInterval) {
        public static final StoreWaits DEFAULT = new StoreWaits(io.tidemark.store.StoreTimeouts.DEFAULT,
                Duration.ofSeconds(1));

        public StoreWaits {
            Objects.requireNonNull(timeouts, "timeouts");
            Live.positive("store.health-interval", healthInterval);
        }

        /** The {@code Retry-After} seconds of a 503 for an unavailable store: the acquire bound, at least 1. */
        public int retryAfterSeconds() {
            return Math.max(1, io.tidemark.store.StoreTimeouts.seconds(timeouts.acquire()));
        }

        static StoreWaits timeout(StoreWaits w, String key, Duration d) {
            io.tidemark.store.StoreTimeouts t = w.timeouts();
            try {
                return new StoreWaits(switch (key) {
                    case "store.acquire-timeout" -> new io.tidemark.store.StoreTimeouts(d, t.statement(), t.lock());
                    case "store.statement-timeout" -> new io.tidemark.store.StoreTimeouts(t.acquire(), d, t.lock());
                    default -> new io.tidemark.store.StoreTimeouts(t.acquire(), t.statement(), d);
                }, w.healthInterval());
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }
    }

    /**
     * The GraphQL request limits ({@code graphql.max-depth}, {@code -fields}, {@code -cost}, {@code
     * -response-rows}); docs/api.md explains how cost is counted.
     */
    public record GraphQl(int maxDepth, int maxFields, long maxCost, long maxResponseRows) {
        public static final GraphQl DEFAULT = new GraphQl(15, 500, 1_000_000, 100_000);

        public GraphQl {
            requireRange("graphql.max-depth", maxDepth, 1, 1000);
            requireRange("graphql.max-fields", maxFields, 1, 1_000_000);
            requireRange("graphql.max-cost", maxCost, 1, Long.MAX_VALUE);
            requireRange("graphql.max-response-rows", maxResponseRows, 1, Integer.MAX_VALUE - 1L);
        }
    }

    /**
     * The authentication settings ({@code auth.*} keys).
     *
     * @param revalidateInterval how often open live connections' tokens are checked against the store, so a token
     *     revoked on another server sharing the store (or directly in the store) ends its connections within this
     *     bound; the server that handles a revocation closes them at once
     */
    public record Auth(Duration revalidateInterval) {
        public static final Auth DEFAULT = new Auth(Duration.ofSeconds(5));

        public Auth {
            if (revalidateInterval == null || revalidateInterval.isZero() || revalidateInterval.isNegative()) {
                throw invalid("auth.revalidate-interval", "must be positive, got " + revalidateInterval);
            }
        }
    }

    /**
     * The live-query settings ({@code live.*} keys).
     *
     * @param publishInterval how often the engine cuts a generation (when anything changed)
     * @param window the live window of every archive unless {@code windows} names it
     * @param windows live windows per archive: keys {@code archive} (any tenant) or {@code tenant/archive}
     * @param memoryBudgetBytes live-table memory per tenant (the engine's estimate)
     * @param maxPendingRows undelivered result rows per connection before its generations are merged
     * @param outboundBytes bytes queued for one WebSocket before delivery to it pauses (the slow-consumer bound)
     * @param heartbeatTimeout a live connection silent for this long is closed (code 4408)
     * @param archiveSync how often the server looks for archives another server on the same store created or deleted
     */
    public record Live(Duration publishInterval, Duration window, java.util.Map<String, Duration> windows,
            long memoryBudgetBytes, int maxPendingRows, long outboundBytes, Duration heartbeatTimeout,
            Duration archiveSync) {
        public static final Live DEFAULT = new Live(Duration.ofMillis(100), Duration.ofMinutes(15),
                java.util.Map.of(), 256L << 20, 100_000, 4L << 20, Duration.ofSeconds(30), Duration.ofSeconds(5));

        public Live {
            windows = java.util.Map.copyOf(windows);
            positive("live.publish-interval", publishInterval);
            positive("live.window", window);
            positive("live.heartbeat-timeout", heartbeatTimeout);
            positive("live.archive-sync", archiveSync);
            windows.forEach((k, v) -> positive("live.windows " + k, v));
            requireRange("live.memory-budget", memoryBudgetBytes, 1024, Long.MAX_VALUE);
            requireRange("live.max-pending-rows", maxPendingRows, 1, 100_000_000);
            requireRange("live.outbound-buffer", outboundBytes, 1024, Long.MAX_VALUE);
        }

        /**
         * A hash of the settings that shape live results — {@code live.window}, {@code live.windows},
         * {@code live.memory-budget} —, the same for equal settings on every JVM. In cluster mode each {@code CUT}
         * carries the appending writer's, and a node whose own differs refuses live queries of the partition's
         * tenants (docs/scale-out.md, "Generations across nodes").
         */
        public long resultSettingsHash() {
            StringBuilder text = new StringBuilder("window=").append(window).append(";budget=")
                    .append(memoryBudgetBytes);
            new java.util.TreeMap<>(windows).forEach((k, v) -> text.append(';').append(k).append('=').append(v));
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.nio.ByteBuffer.wrap(d).getLong();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }

        /** The live window of {@code tenant}'s {@code archive}: {@code tenant/archive}, then {@code archive}. */
        public Duration windowOf(String tenant, String archive) {
            Duration d = windows.get(tenant + "/" + archive);
            return d != null ? d : windows.getOrDefault(archive, window);
        }

        /** Parses {@code archive=PT1H, tenant/archive=PT5M}. */
        static java.util.Map<String, Duration> parseWindows(String text) {
            java.util.Map<String, Duration> out = new java.util.LinkedHashMap<>();
            for (String part : text.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw invalid("live.windows", "'" + part.trim() + "' is not archive=duration or "
                            + "tenant/archive=duration");
                }
                out.put(part.substring(0, eq).trim(), ConfigResolver.parseDuration("live.windows",
                        part.substring(eq + 1).trim()));
            }
            return out;
        }

        static void positive(String key, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw invalid(key, "must be positive, got " + d);
            }
        }
    }

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(rollupInterval, "rollupInterval");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        requireRange("port", port, 0, 65_535);
        requireRange("jdbc.pool-size", poolSize, 1, 1000);
        requireRange("ingest.max-rows", ingestMaxRows, 1, 10_000_000);
        requireRange("ingest.group-commit-max-samples", ingestGroupMaxSamples, 1, 10_000_000);
        requireRange("graphql.max-ingest-rows", graphqlMaxIngestRows, 1, 1_000_000);
        requireRange("graphql.max-bytes", graphqlMaxBytes, 1024, Integer.MAX_VALUE);
        if (ingestMaxBytes < 1024) {
            throw invalid("ingest.max-bytes", ingestMaxBytes + " bytes is below the minimum of 1024");
        }
        if (rollupInterval.isZero() || rollupInterval.isNegative()) {
            throw invalid("rollup.interval", "must be positive, got " + rollupInterval);
        }
        if (shutdownTimeout.isNegative()) {
            throw invalid("shutdown.timeout", "must not be negative, got " + shutdownTimeout);
        }
        requireRange("rollup.max-buckets-per-statement", rollupMaxBucketsPerStatement, 1, 1_000_000);
        requireRange("rollup.max-buckets-per-tick", rollupMaxBucketsPerTick, 1, 100_000_000);
        Objects.requireNonNull(retentionMaxSpanPerStatement, "retentionMaxSpanPerStatement");
        if (retentionMaxSpanPerStatement.isZero() || retentionMaxSpanPerStatement.isNegative()) {
            throw invalid("retention.max-span-per-statement", "must be positive, got " + retentionMaxSpanPerStatement);
        }
        requireRange("retention.max-statements-per-round", retentionMaxStatementsPerRound, 1, 1_000_000);
        Objects.requireNonNull(live, "live");
        Objects.requireNonNull(storeWaits, "storeWaits");
        Objects.requireNonNull(graphql, "graphql");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(line, "line");
        Objects.requireNonNull(cluster, "cluster");
        if (sql.enabled() && sql.port() != 0 && sql.port() == port) {
            throw invalid("sql.port", "must differ from the HTTP port " + port);
        }
    }

    private static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw invalid(key, "must be " + min + ".." + max + ", got " + value);
        }
    }

    static TidemarkException invalid(String key, String why) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "configuration '" + key + "': " + why);
    }

    /** The store to open: {@link #jdbcUrl()}, or DuckDB at {@code dataDir/tidemark.duckdb}. */
    public StoreConfig storeConfig() {
        if (jdbcUrl == null) {
            return StoreConfig.embedded(dataDir).withTimeouts(storeWaits.timeouts());
        }
        return new StoreConfig(jdbcUrl, jdbcUser, jdbcPassword, poolSize, null, storeWaits.timeouts());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from the defaults documented in {@code docs/api.md}. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.dataDir = dataDir;
        b.jdbcUrl = jdbcUrl;
        b.jdbcUser = jdbcUser;
        b.jdbcPassword = jdbcPassword;
        b.poolSize = poolSize;
        b.ingestMaxBytes = ingestMaxBytes;
        b.ingestMaxRows = ingestMaxRows;
        b.ingestFastPath = ingestFastPath;
        b.ingestGroupMaxSamples = ingestGroupMaxSamples;
        b.graphqlMaxIngestRows = graphqlMaxIngestRows;
        b.graphqlMaxBytes = graphqlMaxBytes;
        b.rollupInterval = rollupInterval;
        b.rollupMaxBucketsPerStatement = rollupMaxBucketsPerStatement;
        b.rollupMaxBucketsPerTick = rollupMaxBucketsPerTick;
        b.retentionMaxSpanPerStatement = retentionMaxSpanPerStatement;
        b.retentionMaxStatementsPerRound = retentionMaxStatementsPerRound;
        b.shutdownTimeout = shutdownTimeout;
        b.metricsToken = metricsToken;
        b.bootstrapToken = bootstrapToken;
        b.bootstrapTenant = bootstrapTenant;
        b.live = live;
        b.storeWaits = storeWaits;
        b.graphql = graphql;
        b.auth = auth;
        b.sql = sql;
        b.mqtt = mqtt.toBuilder();
        b.line = line;
        b.cluster = cluster.toBuilder();
        return b;
    }

    @Override
    public String toString() {
        return "ServerConfig[" + host + ":" + port + ", store=" + storeConfig() + ", ingest.max-bytes=" + ingestMaxBytes
                + ", ingest.max-rows=" + ingestMaxRows + ", rollup.interval=" + rollupInterval
                + ", live.publish-interval=" + live.publishInterval() + ", live.window=" + live.window() + "]";
    }

    /** Builds a {@link ServerConfig}; the fields start at the documented defaults. */
    public static final class Builder {
        String host = "127.0.0.1";
        int port = 8080;
        Path dataDir = Path.of("data");
        String jdbcUrl;
        String jdbcUser;
        String jdbcPassword;
        int poolSize = 8;
        long ingestMaxBytes = 64L << 20;
        int ingestMaxRows = 500_000;
        boolean ingestFastPath = true;
        int ingestGroupMaxSamples = 100_000;
        int graphqlMaxIngestRows = 10_000;
        int graphqlMaxBytes = 4 << 20;
        Duration rollupInterval = Duration.ofSeconds(5);
        int rollupMaxBucketsPerStatement = 1440;
        int rollupMaxBucketsPerTick = 100_000;
        Duration retentionMaxSpanPerStatement = Duration.ofHours(1);
        int retentionMaxStatementsPerRound = 100;
        Duration shutdownTimeout = Duration.ofSeconds(30);
        String metricsToken;
        boolean bootstrapToken = true;
        String bootstrapTenant = "default";
        Live live = Live.DEFAULT;
        GraphQl graphql = GraphQl.DEFAULT;
        StoreWaits storeWaits = StoreWaits.DEFAULT;
        Auth auth = Auth.DEFAULT;
        Sql sql = Sql.DEFAULT;
        MqttConfig.Builder mqtt = MqttConfig.builder();
        Line line = Line.DEFAULT;
        ClusterConfig.Builder cluster = ClusterConfig.builder();

        private Builder() {}

        /** The {@code cluster.*} settings, changed in place (docs/scale-out.md, "Configuration"). */
        public ClusterConfig.Builder cluster() {
            return cluster;
        }

        /** Replaces every {@code cluster.*} setting. */
        public Builder cluster(ClusterConfig v) {
            cluster = v.toBuilder();
            return this;
        }

        /** The {@code mqtt.*} settings, changed in place (docs/ingest.md, MQTT). */
        public MqttConfig.Builder mqtt() {
            return mqtt;
        }

        /** Replaces every {@code mqtt.*} setting. */
        public Builder mqtt(MqttConfig v) {
            mqtt = v.toBuilder();
            return this;
        }

        /** The whole {@code ingest.line.*} group. */
        public Builder line(Line v) {
            line = Objects.requireNonNull(v, "line");
            return this;
        }

        /** {@code ingest.line.rtid-tag}: see {@link Line#rtIdTag()}. */
        public Builder lineRtIdTag(String v) {
            line = new Line(v, line.rtIdTags(), line.autoCreate());
            return this;
        }

        /** {@code ingest.line.rtid-tags}: see {@link Line#rtIdTags()}. */
        public Builder lineRtIdTags(java.util.Map<String, String> v) {
            line = new Line(line.rtIdTag(), v, line.autoCreate());
            return this;
        }

        /** {@code ingest.line.auto-create}: see {@link Line#autoCreate()}. */
        public Builder lineAutoCreate(boolean v) {
            line = new Line(line.rtIdTag(), line.rtIdTags(), v);
            return this;
        }

        /** The whole {@code sql.*} group. */
        public Builder sql(Sql v) {
            sql = Objects.requireNonNull(v, "sql");
            return this;
        }

        /** {@code sql.enabled}. */
        public Builder sqlEnabled(boolean v) {
            sql = sql.with(b -> { b.enabled = v; return b; });
            return this;
        }

        /** {@code sql.port}; 0 picks a free one. */
        public Builder sqlPort(int v) {
            sql = sql.with(b -> { b.port = v; return b; });
            return this;
        }

        /** {@code sql.statement-timeout}. */
        public Builder sqlStatementTimeout(Duration v) {
            sql = sql.with(b -> { b.statementTimeout = v; return b; });
            return this;
        }

        /** {@code sql.max-result-bytes}. */
        public Builder sqlMaxResultBytes(long v) {
            sql = sql.with(b -> { b.maxResultBytes = v; return b; });
            return this;
        }

        /** {@code sql.max-concurrent-statements-per-tenant}. */
        public Builder sqlMaxConcurrentStatementsPerTenant(int v) {
            sql = sql.with(b -> { b.maxConcurrentStatementsPerTenant = v; return b; });
            return this;
        }

        /** {@code sql.max-connections}. */
        public Builder sqlMaxConnections(int v) {
            sql = sql.with(b -> { b.maxConnections = v; return b; });
            return this;
        }

        /** {@code sql.idle-timeout}. */
        public Builder sqlIdleTimeout(Duration v) {
            sql = sql.with(b -> { b.idleTimeout = v; return b; });
            return this;
        }

        /** {@code sql.tls.key} and {@code sql.tls.certificate} (PEM files); both null for no TLS. */
        public Builder sqlTls(Path key, Path certificate) {
            sql = sql.with(b -> { b.tlsKey = key; b.tlsCertificate = certificate; return b; });
            return this;
        }

        /** {@code sql.tls.key} alone (the configuration layers set the two keys one at a time). */
        Builder sqlTlsKey(Path v) {
            sqlTlsKey = v;
            return this;
        }

        /** {@code sql.tls.certificate} alone. */
        Builder sqlTlsCertificate(Path v) {
            sqlTlsCertificate = v;
            return this;
        }

        private Path sqlTlsKey;
        private Path sqlTlsCertificate;

        public Builder storeWaits(StoreWaits v) {
            storeWaits = v;
            return this;
        }

        /** One of {@code store.acquire-timeout}, {@code store.statement-timeout}, {@code store.lock-timeout}. */
        Builder storeTimeout(String key, Duration v) {
            storeWaits = StoreWaits.timeout(storeWaits, key, v);
            return this;
        }

        public Builder storeHealthInterval(Duration v) {
            storeWaits = new StoreWaits(storeWaits.timeouts(), v);
            return this;
        }

        public Builder graphql(GraphQl v) {
            graphql = v;
            return this;
        }

        public Builder graphqlMaxDepth(int v) {
            graphql = new GraphQl(v, graphql.maxFields(), graphql.maxCost(), graphql.maxResponseRows());
            return this;
        }

        public Builder graphqlMaxFields(int v) {
            graphql = new GraphQl(graphql.maxDepth(), v, graphql.maxCost(), graphql.maxResponseRows());
            return this;
        }

        public Builder graphqlMaxCost(long v) {
            graphql = new GraphQl(graphql.maxDepth(), graphql.maxFields(), v, graphql.maxResponseRows());
            return this;
        }

        public Builder graphqlMaxResponseRows(long v) {
            graphql = new GraphQl(graphql.maxDepth(), graphql.maxFields(), graphql.maxCost(), v);
            return this;
        }

        public Builder live(Live v) {
            live = v;
            return this;
        }

        public Builder livePublishInterval(Duration v) {
            live = new Live(v, live.window(), live.windows(), live.memoryBudgetBytes(), live.maxPendingRows(),
                    live.outboundBytes(), live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveWindow(Duration v) {
            live = new Live(live.publishInterval(), v, live.windows(), live.memoryBudgetBytes(), live.maxPendingRows(),
                    live.outboundBytes(), live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveWindows(java.util.Map<String, Duration> v) {
            live = new Live(live.publishInterval(), live.window(), v, live.memoryBudgetBytes(), live.maxPendingRows(),
                    live.outboundBytes(), live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveMemoryBudgetBytes(long v) {
            live = new Live(live.publishInterval(), live.window(), live.windows(), v, live.maxPendingRows(),
                    live.outboundBytes(), live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveMaxPendingRows(int v) {
            live = new Live(live.publishInterval(), live.window(), live.windows(), live.memoryBudgetBytes(), v,
                    live.outboundBytes(), live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveOutboundBytes(long v) {
            live = new Live(live.publishInterval(), live.window(), live.windows(), live.memoryBudgetBytes(),
                    live.maxPendingRows(), v, live.heartbeatTimeout(), live.archiveSync());
            return this;
        }

        public Builder liveHeartbeatTimeout(Duration v) {
            live = new Live(live.publishInterval(), live.window(), live.windows(), live.memoryBudgetBytes(),
                    live.maxPendingRows(), live.outboundBytes(), v, live.archiveSync());
            return this;
        }

        public Builder liveArchiveSync(Duration v) {
            live = new Live(live.publishInterval(), live.window(), live.windows(), live.memoryBudgetBytes(),
                    live.maxPendingRows(), live.outboundBytes(), live.heartbeatTimeout(), v);
            return this;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public Builder jdbcUrl(String v) {
            jdbcUrl = v;
            return this;
        }

        public Builder jdbcUser(String v) {
            jdbcUser = v;
            return this;
        }

        public Builder jdbcPassword(String v) {
            jdbcPassword = v;
            return this;
        }

        public Builder poolSize(int v) {
            poolSize = v;
            return this;
        }

        public Builder ingestMaxBytes(long v) {
            ingestMaxBytes = v;
            return this;
        }

        public Builder ingestMaxRows(int v) {
            ingestMaxRows = v;
            return this;
        }

        /** {@code ingest.group-commit-max-samples}: see {@link ServerConfig#ingestGroupMaxSamples()}. */
        public Builder ingestGroupMaxSamples(int v) {
            ingestGroupMaxSamples = v;
            return this;
        }

        /** {@code ingest.fast-path}: see {@link ServerConfig#ingestFastPath()}. */
        public Builder ingestFastPath(boolean v) {
            ingestFastPath = v;
            return this;
        }

        public Builder graphqlMaxIngestRows(int v) {
            graphqlMaxIngestRows = v;
            return this;
        }

        public Builder graphqlMaxBytes(int v) {
            graphqlMaxBytes = v;
            return this;
        }

        public Builder rollupInterval(Duration v) {
            rollupInterval = v;
            return this;
        }

        public Builder rollupMaxBucketsPerStatement(int v) {
            rollupMaxBucketsPerStatement = v;
            return this;
        }

        public Builder retentionMaxSpanPerStatement(Duration v) {
            retentionMaxSpanPerStatement = v;
            return this;
        }

        public Builder retentionMaxStatementsPerRound(int v) {
            retentionMaxStatementsPerRound = v;
            return this;
        }

        public Builder rollupMaxBucketsPerTick(int v) {
            rollupMaxBucketsPerTick = v;
            return this;
        }

        public Builder shutdownTimeout(Duration v) {
            shutdownTimeout = v;
            return this;
        }

        public Builder metricsToken(String v) {
            metricsToken = v;
            return this;
        }

        public Builder bootstrapToken(boolean v) {
            bootstrapToken = v;
            return this;
        }

        public Builder bootstrapTenant(String v) {
            bootstrapTenant = v;
            return this;
        }

        /** {@code auth.revalidate-interval}: see {@link Auth#revalidateInterval()}. */
        public Builder authRevalidateInterval(Duration v) {
            auth = new Auth(v);
            return this;
        }

        public ServerConfig build() {
            if (sqlTlsKey != null || sqlTlsCertificate != null) {
                Path key = sqlTlsKey != null ? sqlTlsKey : sql.tlsKey();
                Path certificate = sqlTlsCertificate != null ? sqlTlsCertificate : sql.tlsCertificate();
                sql = sql.with(b -> { b.tlsKey = key; b.tlsCertificate = certificate; return b; });
            }
            return new ServerConfig(host, port, dataDir, jdbcUrl, jdbcUser, jdbcPassword, poolSize, ingestMaxBytes,
                    ingestMaxRows, ingestFastPath, ingestGroupMaxSamples, graphqlMaxIngestRows, graphqlMaxBytes, rollupInterval, rollupMaxBucketsPerStatement,
                    rollupMaxBucketsPerTick, retentionMaxSpanPerStatement, retentionMaxStatementsPerRound,
                    shutdownTimeout, metricsToken, bootstrapToken, bootstrapTenant, live,
                    graphql, storeWaits, auth, sql, mqtt.build(), line, cluster.build());
        }
    }
}
