package io.tidemark.server;

import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The configuration keys of {@code tidemark serve}, as written in a properties file. The environment variable of
 * a key is {@code TIDEMARK_} followed by the key in upper case with {@code .} and {@code -} as {@code _}
 * ({@code ingest.max-bytes} → {@code TIDEMARK_INGEST_MAX_BYTES}).
 */
public enum ConfigKey {
    HOST("host", "127.0.0.1", "address to bind; 0.0.0.0 for every interface", (b, v) -> b.host(v)),
    PORT("port", "8080", "HTTP port; 0 picks a free one", (b, v) -> b.port(ConfigResolver.parseInt("port", v))),
    DATA_DIR("data-dir", "./data", "directory of the embedded DuckDB store",
            (b, v) -> b.dataDir(java.nio.file.Path.of(v))),
    JDBC_URL("jdbc.url", "(embedded DuckDB)", "store JDBC URL, e.g. jdbc:postgresql://host:5432/db", (b, v) -> b.jdbcUrl(v)),
    JDBC_USER("jdbc.user", "", "database user", (b, v) -> b.jdbcUser(v)),
    JDBC_PASSWORD("jdbc.password", "", "database password", (b, v) -> b.jdbcPassword(v)),
    JDBC_POOL_SIZE("jdbc.pool-size", "8", "connections to PostgreSQL",
            (b, v) -> b.poolSize(ConfigResolver.parseInt("jdbc.pool-size", v))),
    STORE_ACQUIRE_TIMEOUT("store.acquire-timeout", "PT2S", "longest wait for a store connection (pool, connect, "
            + "login); past it a request gets 503 STORE_UNAVAILABLE", (b, v) -> b.storeTimeout("store.acquire-timeout",
                    ConfigResolver.parseDuration("store.acquire-timeout", v))),
    STORE_STATEMENT_TIMEOUT("store.statement-timeout", "PT60S", "longest store statement (PostgreSQL "
            + "statement_timeout, DuckDB query timeout)", (b, v) -> b.storeTimeout("store.statement-timeout",
                    ConfigResolver.parseDuration("store.statement-timeout", v))),
    STORE_LOCK_TIMEOUT("store.lock-timeout", "PT5S", "longest wait for a lock (PostgreSQL lock_timeout, the DuckDB "
            + "single-writer lock, an archive's ingest lock)", (b, v) -> b.storeTimeout("store.lock-timeout",
                    ConfigResolver.parseDuration("store.lock-timeout", v))),
    STORE_HEALTH_INTERVAL("store.health-interval", "PT1S", "how often /health probes the store in the background",
            (b, v) -> b.storeHealthInterval(ConfigResolver.parseDuration("store.health-interval", v))),
    INGEST_MAX_BYTES("ingest.max-bytes", "64MiB", "largest ingest request body (413 above)",
            (b, v) -> b.ingestMaxBytes(ConfigResolver.parseBytes("ingest.max-bytes", v))),
    INGEST_MAX_ROWS("ingest.max-rows", "500000", "most samples in one ingest request (413 above)",
            (b, v) -> b.ingestMaxRows(ConfigResolver.parseInt("ingest.max-rows", v))),
    INGEST_FAST_PATH("ingest.fast-path", "true", "read NDJSON and CSV bodies with the byte-level fast paths first; "
            + "false: with Jackson only (same rows either way)",
            (b, v) -> b.ingestFastPath(ConfigResolver.parseBoolean("ingest.fast-path", v))),
    INGEST_GROUP_COMMIT_MAX_SAMPLES("ingest.group-commit-max-samples", "100000", "concurrent ingest batches into "
            + "one archive are written together in one store transaction, up to this many samples; 1 = one "
            + "transaction per batch",
            (b, v) -> b.ingestGroupMaxSamples(ConfigResolver.parseInt("ingest.group-commit-max-samples", v))),
    INGEST_LINE_RTID_TAG("ingest.line.rtid-tag", "", "line protocol: the tag whose value is the rtId, for every "
            + "archive; empty: the line's whole tag set k1=v1,k2=v2 (keys sorted)", (b, v) -> b.lineRtIdTag(v)),
    INGEST_LINE_RTID_TAGS("ingest.line.rtid-tags", "", "line protocol: the rtId tag per archive: "
            + "archive=tag,tenant/archive=tag", (b, v) -> b.lineRtIdTags(ServerConfig.Line.parseTags(v))),
    INGEST_LINE_AUTO_CREATE("ingest.line.auto-create", "false", "line protocol: a measurement without an archive "
            + "creates and activates one (columns from its first line's fields), even with a writer token",
            (b, v) -> b.lineAutoCreate(ConfigResolver.parseBoolean("ingest.line.auto-create", v))),
    GRAPHQL_MAX_INGEST_ROWS("graphql.max-ingest-rows", "10000", "most samples in one ingestSamples mutation",
            (b, v) -> b.graphqlMaxIngestRows(ConfigResolver.parseInt("graphql.max-ingest-rows", v))),
    GRAPHQL_MAX_BYTES("graphql.max-bytes", "4MiB", "largest GraphQL request body",
            (b, v) -> b.graphqlMaxBytes((int) Math.min(Integer.MAX_VALUE,
                    ConfigResolver.parseBytes("graphql.max-bytes", v)))),
    GRAPHQL_MAX_DEPTH("graphql.max-depth", "15", "deepest nesting of fields in a GraphQL operation",
            (b, v) -> b.graphqlMaxDepth(ConfigResolver.parseInt("graphql.max-depth", v))),
    GRAPHQL_MAX_FIELDS("graphql.max-fields", "500", "most field selections in a GraphQL operation (aliases and "
            + "fragments count each use)", (b, v) -> b.graphqlMaxFields(ConfigResolver.parseInt("graphql.max-fields",
                    v))),
    GRAPHQL_MAX_COST("graphql.max-cost", "1000000", "highest cost of a GraphQL operation (values it could return)",
            (b, v) -> b.graphqlMaxCost(ConfigResolver.parseInt("graphql.max-cost", v))),
    GRAPHQL_MAX_RESPONSE_ROWS("graphql.max-response-rows", "100000", "most rows in one GraphQL response, across "
            + "all its fields", (b, v) -> b.graphqlMaxResponseRows(ConfigResolver.parseInt(
                    "graphql.max-response-rows", v))),
    ROLLUP_INTERVAL("rollup.interval", "PT5S", "pause between orchestrator rounds over all tenants",
            (b, v) -> b.rollupInterval(ConfigResolver.parseDuration("rollup.interval", v))),
    ROLLUP_MAX_BUCKETS_PER_STATEMENT("rollup.max-buckets-per-statement", "1440", "buckets per catch-up statement",
            (b, v) -> b.rollupMaxBucketsPerStatement(ConfigResolver.parseInt("rollup.max-buckets-per-statement", v))),
    ROLLUP_MAX_BUCKETS_PER_TICK("rollup.max-buckets-per-tick", "100000", "fairness budget per rollup per round",
            (b, v) -> b.rollupMaxBucketsPerTick(ConfigResolver.parseInt("rollup.max-buckets-per-tick", v))),
    RETENTION_MAX_SPAN_PER_STATEMENT("retention.max-span-per-statement", "PT1H", "widest time range one retention "
            + "DELETE covers", (b, v) -> b.retentionMaxSpanPerStatement(ConfigResolver.parseDuration(
                    "retention.max-span-per-statement", v))),
    RETENTION_MAX_STATEMENTS_PER_ROUND("retention.max-statements-per-round", "100", "retention deletes per archive "
            + "per round", (b, v) -> b.retentionMaxStatementsPerRound(ConfigResolver.parseInt(
                    "retention.max-statements-per-round", v))),
    SHUTDOWN_TIMEOUT("shutdown.timeout", "PT30S", "how long a shutdown waits for requests in flight",
            (b, v) -> b.shutdownTimeout(ConfigResolver.parseDuration("shutdown.timeout", v))),
    METRICS_TOKEN("metrics.token", "", "bearer token for /metrics; required when host is not a loopback address",
            (b, v) -> b.metricsToken(v)),
    BOOTSTRAP_TOKEN("bootstrap.token", "true", "on a store without any token, create an admin token and print it once",
            (b, v) -> b.bootstrapToken(ConfigResolver.parseBoolean("bootstrap.token", v))),
    BOOTSTRAP_TENANT("bootstrap.tenant", "default", "the tenant of that first admin token",
            (b, v) -> b.bootstrapTenant(v)),
    LIVE_PUBLISH_INTERVAL("live.publish-interval", "100ms", "how often live queries get a generation (when anything changed)",
            (b, v) -> b.livePublishInterval(ConfigResolver.parseDuration("live.publish-interval", v))),
    LIVE_WINDOW("live.window", "PT15M", "how long rows stay in recent.<archive>, for every archive",
            (b, v) -> b.liveWindow(ConfigResolver.parseDuration("live.window", v))),
    LIVE_WINDOWS("live.windows", "", "live windows per archive: archive=PT1H,tenant/archive=PT5M",
            (b, v) -> b.liveWindows(ServerConfig.Live.parseWindows(v))),
    LIVE_MEMORY_BUDGET("live.memory-budget", "256MiB", "live-table memory per tenant",
            (b, v) -> b.liveMemoryBudgetBytes(ConfigResolver.parseBytes("live.memory-budget", v))),
    LIVE_MAX_PENDING_ROWS("live.max-pending-rows", "100000", "result rows queued per connection before generations merge",
            (b, v) -> b.liveMaxPendingRows(ConfigResolver.parseInt("live.max-pending-rows", v))),
    LIVE_OUTBOUND_BUFFER("live.outbound-buffer", "4MiB", "bytes queued per WebSocket before delivery to it pauses",
            (b, v) -> b.liveOutboundBytes(ConfigResolver.parseBytes("live.outbound-buffer", v))),
    LIVE_HEARTBEAT_TIMEOUT("live.heartbeat-timeout", "PT30S", "a live connection silent this long is closed",
            (b, v) -> b.liveHeartbeatTimeout(ConfigResolver.parseDuration("live.heartbeat-timeout", v))),
    LIVE_ARCHIVE_SYNC("live.archive-sync", "PT5S", "how often archives created or deleted by another server on the "
            + "same store become live or are dropped", (b, v) -> b.liveArchiveSync(ConfigResolver.parseDuration(
                    "live.archive-sync", v))),
    AUTH_REVALIDATE_INTERVAL("auth.revalidate-interval", "PT5S", "how often open live connections' tokens are "
            + "re-checked against the store (revoked elsewhere: closed with 4401)", (b, v) -> b.authRevalidateInterval(
                    ConfigResolver.parseDuration("auth.revalidate-interval", v))),
    SQL_ENABLED("sql.enabled", "true", "serve the SQL endpoint (PostgreSQL wire protocol)",
            (b, v) -> b.sqlEnabled(ConfigResolver.parseBoolean("sql.enabled", v))),
    SQL_PORT("sql.port", "5433", "SQL endpoint port, bound to host; 0 picks a free one",
            (b, v) -> b.sqlPort(ConfigResolver.parseInt("sql.port", v))),
    SQL_STATEMENT_TIMEOUT("sql.statement-timeout", "PT30S", "longest SQL statement, from its start to its last row "
            + "sent (57014 past it)", (b, v) -> b.sqlStatementTimeout(ConfigResolver.parseDuration(
                    "sql.statement-timeout", v))),
    SQL_MAX_RESULT_BYTES("sql.max-result-bytes", "1GiB", "most value bytes one SQL statement returns (54000 past it)",
            (b, v) -> b.sqlMaxResultBytes(ConfigResolver.parseBytes("sql.max-result-bytes", v))),
    SQL_MAX_CONCURRENT_STATEMENTS_PER_TENANT("sql.max-concurrent-statements-per-tenant", "8", "SQL statements of one "
            + "tenant running at once (53400 past it)", (b, v) -> b.sqlMaxConcurrentStatementsPerTenant(
                    ConfigResolver.parseInt("sql.max-concurrent-statements-per-tenant", v))),
    SQL_MAX_CONNECTIONS("sql.max-connections", "64", "open SQL connections (53300 past it)",
            (b, v) -> b.sqlMaxConnections(ConfigResolver.parseInt("sql.max-connections", v))),
    SQL_IDLE_TIMEOUT("sql.idle-timeout", "PT30M", "a SQL connection silent this long is closed; 0s for never",
            (b, v) -> b.sqlIdleTimeout(ConfigResolver.parseDuration("sql.idle-timeout", v))),
    SQL_TLS_KEY("sql.tls.key", "", "PEM private key (PKCS#8) for TLS on the SQL port; with sql.tls.certificate",
            (b, v) -> b.sqlTlsKey(java.nio.file.Path.of(v))),
    SQL_TLS_CERTIFICATE("sql.tls.certificate", "", "PEM certificate chain for TLS on the SQL port",
            (b, v) -> b.sqlTlsCertificate(java.nio.file.Path.of(v))),
    MQTT_BROKER("mqtt.broker", "", "MQTT broker serve subscribes to: tcp://host:1883, or ssl://host:8883 for TLS; "
            + "empty: no MQTT ingest (docs/ingest.md, MQTT)", (b, v) -> b.mqtt().broker(v)),
    MQTT_VERSION("mqtt.version", "5", "MQTT protocol version: 5, or 3 for MQTT 3.1.1",
            (b, v) -> b.mqtt().version(ConfigResolver.parseInt("mqtt.version", v))),
    MQTT_CLIENT_ID("mqtt.client-id", "tidemark", "MQTT client identifier; the broker keeps the session under it, so "
            + "one per server", (b, v) -> b.mqtt().clientId(v)),
    MQTT_USERNAME("mqtt.username", "", "user name for the broker", (b, v) -> b.mqtt().username(v)),
    MQTT_PASSWORD("mqtt.password", "", "password for the broker", (b, v) -> b.mqtt().password(v)),
    MQTT_TOKEN("mqtt.token", "", "Tidemark token (writer or admin) MQTT samples are written with; its tenant is "
            + "theirs", (b, v) -> b.mqtt().token(v)),
    MQTT_TLS_CA("mqtt.tls.ca", "", "PEM certificates to trust for a TLS broker; default the JVM's trust store",
            (b, v) -> b.mqtt().tlsCa(java.nio.file.Path.of(v))),
    MQTT_SESSION_EXPIRY("mqtt.session-expiry", "P1D", "how long an MQTT 5 broker keeps the session (and the "
            + "messages not yet acknowledged) while Tidemark is away",
            (b, v) -> b.mqtt().sessionExpiry(ConfigResolver.parseDuration("mqtt.session-expiry", v))),
    MQTT_KEEP_ALIVE("mqtt.keep-alive", "PT30S", "MQTT keep-alive: a broker that stays silent 1.5 times this long "
            + "is taken as lost", (b, v) -> b.mqtt().keepAlive(ConfigResolver.parseDuration("mqtt.keep-alive", v))),
    MQTT_CONNECT_TIMEOUT("mqtt.connect-timeout", "PT10S", "longest wait for the broker's CONNACK (TCP and TLS "
            + "included)", (b, v) -> b.mqtt().connectTimeout(ConfigResolver.parseDuration("mqtt.connect-timeout",
                    v))),
    MQTT_SUBSCRIBE_TIMEOUT("mqtt.subscribe-timeout", "PT10S", "longest wait for the broker's SUBACK",
            (b, v) -> b.mqtt().subscribeTimeout(ConfigResolver.parseDuration("mqtt.subscribe-timeout", v))),
    MQTT_RECONNECT_MIN_BACKOFF("mqtt.reconnect.min-backoff", "100ms", "first pause before reconnecting after a lost "
            + "connection or an unavailable store; doubles per failure",
            (b, v) -> b.mqtt().reconnectMinBackoff(ConfigResolver.parseDuration("mqtt.reconnect.min-backoff", v))),
    MQTT_RECONNECT_MAX_BACKOFF("mqtt.reconnect.max-backoff", "PT30S", "longest pause before reconnecting",
            (b, v) -> b.mqtt().reconnectMaxBackoff(ConfigResolver.parseDuration("mqtt.reconnect.max-backoff", v))),
    MQTT_MAX_INFLIGHT("mqtt.max-inflight", "1000", "MQTT messages received and not yet acknowledged, at most (the "
            + "MQTT 5 receive maximum)", (b, v) -> b.mqtt().maxInflight(ConfigResolver.parseInt("mqtt.max-inflight",
                    v))),
    MQTT_BATCH_MAX_MESSAGES("mqtt.batch.max-messages", "1000", "MQTT messages written together, at most",
            (b, v) -> b.mqtt().batchMaxMessages(ConfigResolver.parseInt("mqtt.batch.max-messages", v))),
    MQTT_BATCH_MAX_SAMPLES("mqtt.batch.max-samples", "50000", "samples of MQTT messages written together, at most",
            (b, v) -> b.mqtt().batchMaxSamples(ConfigResolver.parseInt("mqtt.batch.max-samples", v))),
    MQTT_BATCH_MAX_DELAY("mqtt.batch.max-delay", "5ms", "how long the first MQTT message of a batch waits for more",
            (b, v) -> b.mqtt().batchMaxDelay(ConfigResolver.parseDuration("mqtt.batch.max-delay", v))),
    CLUSTER_KAFKA("cluster.kafka", "", "cluster mode: the Kafka bootstrap servers (host:port,...); needs a PostgreSQL "
            + "jdbc.url; empty: single-node (docs/scale-out.md)", (b, v) -> b.cluster().kafka(v)),
    CLUSTER_NODE_ID("cluster.node-id", "(host:port)", "this node's id in the log and in Kafka client ids",
            (b, v) -> b.cluster().nodeId(v)),
    CLUSTER_TOPIC("cluster.topic", "tidemark.ingest", "the ingest topic", (b, v) -> b.cluster().topic(v)),
    CLUSTER_PARTITIONS("cluster.partitions", "12", "the topic's partitions when the first node creates it; fixed "
            + "afterwards", (b, v) -> b.cluster().partitions(ConfigResolver.parseInt("cluster.partitions", v))),
    CLUSTER_REPLICATION_FACTOR("cluster.replication-factor", "0", "the topic's replication factor when the first node "
            + "creates it; 0: min(3, brokers)", (b, v) -> b.cluster().replicationFactor(ConfigResolver.parseInt(
                    "cluster.replication-factor", v))),
    CLUSTER_GROUP("cluster.group", "tidemark-writers", "the writers' consumer group", (b, v) -> b.cluster().group(v)),
    CLUSTER_PRODUCE_TIMEOUT("cluster.produce-timeout", "PT5S", "bound of one append to the log; past it 503 "
            + "LOG_UNAVAILABLE", (b, v) -> b.cluster().produceTimeout(ConfigResolver.parseDuration(
                    "cluster.produce-timeout", v))),
    CLUSTER_LINGER("cluster.linger", "2ms", "the producer's linger.ms", (b, v) -> b.cluster().linger(
            ConfigResolver.parseDuration("cluster.linger", v))),
    CLUSTER_MAX_RECORD_BYTES("cluster.max-record-bytes", "8MiB", "largest encoded batch in the log (413 above)",
            (b, v) -> b.cluster().maxRecordBytes(ConfigResolver.parseBytes("cluster.max-record-bytes", v))),
    CLUSTER_CLOCK_CUT_INTERVAL("cluster.clock-cut-interval", "PT1S", "a CUT at least this often when nothing was "
            + "committed", (b, v) -> b.cluster().clockCutInterval(ConfigResolver.parseDuration(
                    "cluster.clock-cut-interval", v))),
    CLUSTER_WRITER_MAX_BACKOFF("cluster.writer-max-backoff", "PT10S", "longest wait between store retries of a "
            + "stalled log writer", (b, v) -> b.cluster().writerMaxBackoff(ConfigResolver.parseDuration(
                    "cluster.writer-max-backoff", v))),
    CLUSTER_START_TIMEOUT("cluster.start-timeout", "PT60S", "how long a starting node waits for Kafka to create or "
            + "verify the ingest topic", (b, v) -> b.cluster().startTimeout(ConfigResolver.parseDuration(
                    "cluster.start-timeout", v))),
    CLUSTER_FOLLOW_BUFFER("cluster.follow-buffer", "64MiB", "most bytes of log records a live node holds waiting for "
            + "a cut; past it they are dropped and read again after the next cut (at least cluster.max-record-bytes)",
            (b, v) -> b.cluster().followBufferBytes(ConfigResolver.parseBytes("cluster.follow-buffer", v))),
    LOG_LEVEL("log.level", "INFO", "root log level (TRACE, DEBUG, INFO, WARN, ERROR)", (b, v) -> { }),
    LOG_FORMAT("log.format", "text", "text (key=value) or json, one line per event", (b, v) -> { });

    private final String key;
    private final String defaultText;
    private final String description;
    private final BiConsumer<ServerConfig.Builder, String> apply;

    ConfigKey(String key, String defaultText, String description, BiConsumer<ServerConfig.Builder, String> apply) {
        this.key = key;
        this.defaultText = defaultText;
        this.description = description;
        this.apply = apply;
    }

    public String key() {
        return key;
    }

    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    /** {@code TIDEMARK_} + the key in upper case, {@code .} and {@code -} as {@code _}. */
    public String envName() {
        return "TIDEMARK_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    void apply(ServerConfig.Builder b, String value) {
        apply.accept(b, value);
    }

    /** The key, or null. */
    public static ConfigKey of(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }
}
