package io.tidemark.server.cluster;

import io.tidemark.cluster.LogSettings;
import io.tidemark.cluster.LogWriterSettings;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Cluster mode ({@code cluster.*} keys; docs/scale-out.md, "Configuration"): the Kafka log every node appends its
 * validated batches to, and the writers' consumer group. Off unless {@link #kafka} is set ({@code serve --cluster
 * kafka=<bootstrap servers>}). Immutable.
 *
 * @param kafka the Kafka bootstrap servers; null in single-node mode
 * @param nodeId this node's id (the {@code BATCH} record's node id, the Kafka client ids); null for the server's host
 *     and HTTP port, decided at start
 * @param topic the ingest topic
 * @param partitions the topic's partition count, fixed for the life of the cluster
 * @param replicationFactor 0 for {@code min(3, brokers)}
 * @param group the writers' consumer group
 * @param produceTimeout the bound of one append; past it the request gets 503 {@code LOG_UNAVAILABLE}
 * @param linger the producer's {@code linger.ms}
 * @param maxRecordBytes the largest encoded batch; a larger one gets 413 {@code TOO_LARGE}
 * @param clockCutInterval a {@code CUT} at least this often when nothing was committed
 * @param writerMaxBackoff the longest wait between store retries of a stalled writer
 * @param startTimeout how long a starting node waits for Kafka to create or verify the topic before the start fails
 * @param followBufferBytes the most encoded bytes a live node's follower holds waiting for a cut before it drops
 *     them and reads them again from the log after the next cut ({@code LogFollower.Builder#maxBufferBytes})
 * @param kafkaProperties {@code cluster.kafka.<property>}: given to every Kafka client first (TLS, SASL); they cannot
 *     override what Tidemark sets
 */
public record ClusterConfig(String kafka, String nodeId, String topic, int partitions, int replicationFactor,
        String group, Duration produceTimeout, Duration linger, int maxRecordBytes, Duration clockCutInterval,
        Duration writerMaxBackoff, Duration startTimeout, long followBufferBytes, Map<String, String> kafkaProperties) {

    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** Single-node mode: no log. */
    public static final ClusterConfig OFF = new ClusterConfig(null, null, "tidemark.ingest", 12, 0,
            "tidemark-writers", Duration.ofSeconds(5), Duration.ofMillis(2), 8 * 1024 * 1024, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofSeconds(60), 64L << 20, Map.of());

    public ClusterConfig {
        kafkaProperties = Map.copyOf(new TreeMap<>(kafkaProperties));
        if (kafka != null && kafka.isBlank()) {
            throw invalid("cluster.kafka", "must name bootstrap servers (host:port,…), got '" + kafka + "'");
        }
        if (nodeId != null && nodeId.isBlank()) {
            throw invalid("cluster.node-id", "must not be blank");
        }
        Objects.requireNonNull(topic, "topic");
        if (!TOPIC.matcher(topic).matches()) {
            throw invalid("cluster.topic", "must be a Kafka topic name (letters, digits, . _ -), got '" + topic + "'");
        }
        requireRange("cluster.partitions", partitions, 1, 100_000);
        requireRange("cluster.replication-factor", replicationFactor, 0, Short.MAX_VALUE);
        if (group == null || group.isBlank()) {
            throw invalid("cluster.group", "must not be blank");
        }
        atLeastOneMilli("cluster.produce-timeout", produceTimeout);
        if (linger.isNegative() || linger.compareTo(produceTimeout) >= 0) {
            throw invalid("cluster.linger", "must be 0 or more and shorter than cluster.produce-timeout ("
                    + produceTimeout + "), got " + linger);
        }
        requireRange("cluster.max-record-bytes", maxRecordBytes, 1024, Integer.MAX_VALUE - LogSettings.FRAMING_BYTES);
        atLeastOneMilli("cluster.clock-cut-interval", clockCutInterval);
        atLeastOneMilli("cluster.writer-max-backoff", writerMaxBackoff);
        atLeastOneMilli("cluster.start-timeout", startTimeout);
        if (followBufferBytes < maxRecordBytes) {
            throw invalid("cluster.follow-buffer", "must be at least cluster.max-record-bytes (" + maxRecordBytes
                    + " bytes), got " + followBufferBytes + " bytes");
        }
    }

    /** Whether the server runs in cluster mode ({@code cluster.kafka} set). */
    public boolean enabled() {
        return kafka != null;
    }

    /**
     * The log's settings for this node.
     *
     * @param defaultNodeId the node id when {@code cluster.node-id} is not set
     * @throws IllegalStateException in single-node mode
     */
    public LogSettings logSettings(String defaultNodeId) {
        if (!enabled()) {
            throw new IllegalStateException("cluster mode is off (cluster.kafka is not set)");
        }
        LogSettings.Builder b = LogSettings.builder(kafka).topic(topic).partitions(partitions)
                .replicationFactor(replicationFactor).produceTimeout(produceTimeout).linger(linger)
                .maxRecordBytes(maxRecordBytes).nodeId(nodeId != null ? nodeId : defaultNodeId);
        kafkaProperties.forEach(b::kafkaProperty);
        return b.build();
    }

    /**
     * The log writer's settings: cuts every {@code publishInterval} (at most; {@link #clockCutInterval} at least),
     * at most {@code maxSamplesPerTransaction} samples per store transaction.
     */
    public LogWriterSettings writerSettings(Duration publishInterval, int maxSamplesPerTransaction) {
        return writerSettings(publishInterval, maxSamplesPerTransaction, 0);
    }

    /**
     * As {@link #writerSettings(Duration, int)}, with the hash of this node's live result settings, which its
     * {@code CUT} records carry ({@code ServerConfig.Live#resultSettingsHash}).
     */
    public LogWriterSettings writerSettings(Duration publishInterval, int maxSamplesPerTransaction,
            long settingsHash) {
        Duration cut = publishInterval.compareTo(clockCutInterval) > 0 ? clockCutInterval : publishInterval;
        Duration first = Duration.ofMillis(100).compareTo(writerMaxBackoff) > 0 ? writerMaxBackoff
                : Duration.ofMillis(100);
        return LogWriterSettings.builder().group(group).cutInterval(cut).clockCutInterval(clockCutInterval)
                .firstBackoff(first).maxBackoff(writerMaxBackoff).maxSamplesPerTransaction(maxSamplesPerTransaction)
                .kafkaTimeout(produceTimeout).settingsHash(settingsHash).build();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return new Builder(OFF);
    }

    private static void requireRange(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw invalid(key, "must be " + min + ".." + max + ", got " + v);
        }
    }

    private static void atLeastOneMilli(String key, Duration d) {
        if (d == null || d.toMillis() < 1) {
            throw invalid(key, "must be at least 1 ms, got " + d);
        }
    }

    private static TidemarkException invalid(String key, String why) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "configuration '" + key + "': " + why);
    }

    /** Builds a {@link ClusterConfig}; starts from {@link #OFF}'s defaults. Not thread-safe. */
    public static final class Builder {
        private String kafka;
        private String nodeId;
        private String topic;
        private int partitions;
        private int replicationFactor;
        private String group;
        private Duration produceTimeout;
        private Duration linger;
        private int maxRecordBytes;
        private Duration clockCutInterval;
        private Duration writerMaxBackoff;
        private long followBufferBytes;
        private Duration startTimeout;
        private final Map<String, String> kafkaProperties = new TreeMap<>();

        private Builder(ClusterConfig c) {
            kafka = c.kafka;
            nodeId = c.nodeId;
            topic = c.topic;
            partitions = c.partitions;
            replicationFactor = c.replicationFactor;
            group = c.group;
            produceTimeout = c.produceTimeout;
            linger = c.linger;
            maxRecordBytes = c.maxRecordBytes;
            clockCutInterval = c.clockCutInterval;
            writerMaxBackoff = c.writerMaxBackoff;
            followBufferBytes = c.followBufferBytes;
            startTimeout = c.startTimeout;
            kafkaProperties.putAll(c.kafkaProperties);
        }

        /** {@code cluster.kafka}: bootstrap servers; null for single-node mode. */
        public Builder kafka(String v) {
            kafka = v;
            return this;
        }

        /** {@code cluster.node-id}. */
        public Builder nodeId(String v) {
            nodeId = v;
            return this;
        }

        /** {@code cluster.topic}. */
        public Builder topic(String v) {
            topic = v;
            return this;
        }

        /** {@code cluster.partitions}. */
        public Builder partitions(int v) {
            partitions = v;
            return this;
        }

        /** {@code cluster.replication-factor}; 0 for {@code min(3, brokers)}. */
        public Builder replicationFactor(int v) {
            replicationFactor = v;
            return this;
        }

        /** {@code cluster.group}. */
        public Builder group(String v) {
            group = v;
            return this;
        }

        /** {@code cluster.produce-timeout}. */
        public Builder produceTimeout(Duration v) {
            produceTimeout = v;
            return this;
        }

        /** {@code cluster.linger}. */
        public Builder linger(Duration v) {
            linger = v;
            return this;
        }

        /** {@code cluster.max-record-bytes}. */
        public Builder maxRecordBytes(long v) {
            maxRecordBytes = (int) Math.min(Integer.MAX_VALUE, v);
            return this;
        }

        /** {@code cluster.clock-cut-interval}. */
        public Builder clockCutInterval(Duration v) {
            clockCutInterval = v;
            return this;
        }

        /** {@code cluster.writer-max-backoff}. */
        public Builder writerMaxBackoff(Duration v) {
            writerMaxBackoff = v;
            return this;
        }

        /** {@code cluster.start-timeout}. */
        public Builder startTimeout(Duration v) {
            startTimeout = v;
            return this;
        }

        /** {@code cluster.follow-buffer}, in bytes. */
        public Builder followBufferBytes(long v) {
            followBufferBytes = v;
            return this;
        }

        /** {@code cluster.kafka.<property>}. */
        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public ClusterConfig build() {
            return new ClusterConfig(kafka, nodeId, topic, partitions, replicationFactor, group, produceTimeout,
                    linger, maxRecordBytes, clockCutInterval, writerMaxBackoff, startTimeout, followBufferBytes,
                    kafkaProperties);
        }
    }
}
