package io.tidemark.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the log's producer and topic setup need from configuration ({@code cluster.*} keys of
 * {@code docs/scale-out.md}); build with {@link #builder(String)}. Immutable.
 */
public final class LogSettings {
    /**
     * Room for the key, the headers and Kafka's record and batch framing on top of the largest value: the
     * producer's {@code max.request.size} and the topic's {@code max.message.bytes} are {@link #maxRecordBytes()}
     * plus this, so a value of exactly {@code maxRecordBytes} goes through.
     */
    public static final int FRAMING_BYTES = 64 * 1024;

    private final String bootstrapServers;
    private final String topic;
    private final int partitions;
    private final int replicationFactor;
    private final Duration produceTimeout;
    private final Duration linger;
    private final int maxRecordBytes;
    private final String nodeId;
    private final Map<String, String> kafkaProperties;

    private LogSettings(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.topic = b.topic;
        this.partitions = b.partitions;
        this.replicationFactor = b.replicationFactor;
        this.produceTimeout = b.produceTimeout;
        this.linger = b.linger;
        this.maxRecordBytes = b.maxRecordBytes;
        this.nodeId = b.nodeId;
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
    }

    /** Settings with the documented defaults for the given bootstrap servers ({@code cluster.kafka}). */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** {@code cluster.topic}, default {@code tidemark.ingest}. */
    public String topic() {
        return topic;
    }

    /** {@code cluster.partitions}: the partition count when the topic is created (default 12). */
    public int partitions() {
        return partitions;
    }

    /** {@code cluster.replication-factor}; 0 (the default) means {@code min(3, brokers)}. */
    public int replicationFactor() {
        return replicationFactor;
    }

    /** {@code cluster.produce-timeout}: the bound of one append (default 5 s). */
    public Duration produceTimeout() {
        return produceTimeout;
    }

    /** {@code cluster.linger}: the producer's {@code linger.ms} (default 2 ms). */
    public Duration linger() {
        return linger;
    }

    /** {@code cluster.max-record-bytes}: the largest encoded value (default 8 MiB). */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** {@code cluster.node-id}: the producer's {@code client.id} suffix and a BATCH's node id. */
    public String nodeId() {
        return nodeId;
    }

    /** {@code cluster.kafka.<property>}: passed to every Kafka client as given (TLS, SASL, …). */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** Builds {@link LogSettings}. Not thread-safe. */
    public static final class Builder {
        private final String bootstrapServers;
        private String topic = "tidemark.ingest";
        private int partitions = 12;
        private int replicationFactor;
        private Duration produceTimeout = Duration.ofSeconds(5);
        private Duration linger = Duration.ofMillis(2);
        private int maxRecordBytes = 8 * 1024 * 1024;
        private String nodeId = "tidemark";
        private final Map<String, String> kafkaProperties = new TreeMap<>();

        private Builder(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        }

        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = requirePositive("cluster.partitions", partitions);
            return this;
        }

        /** 0 for {@code min(3, brokers)}. */
        public Builder replicationFactor(int replicationFactor) {
            if (replicationFactor < 0 || replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("cluster.replication-factor must be 0 (automatic) or positive, not "
                        + replicationFactor);
            }
            this.replicationFactor = replicationFactor;
            return this;
        }

        public Builder produceTimeout(Duration produceTimeout) {
            if (produceTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("cluster.produce-timeout must be at least 1 ms, not "
                        + produceTimeout);
            }
            this.produceTimeout = produceTimeout;
            return this;
        }

        public Builder linger(Duration linger) {
            if (linger.isNegative()) {
                throw new IllegalArgumentException("cluster.linger must not be negative: " + linger);
            }
            this.linger = linger;
            return this;
        }

        public Builder maxRecordBytes(int maxRecordBytes) {
            this.maxRecordBytes = requirePositive("cluster.max-record-bytes", maxRecordBytes);
            return this;
        }

        public Builder nodeId(String nodeId) {
            this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
            return this;
        }

        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(key, value);
            return this;
        }

        /**
         * @throws IllegalArgumentException when {@code linger} is not below {@code produceTimeout} (a record must
         *     have time to be sent after lingering)
         */
        public LogSettings build() {
            if (linger.compareTo(produceTimeout) >= 0) {
                throw new IllegalArgumentException("cluster.linger (" + linger
                        + ") must be shorter than cluster.produce-timeout (" + produceTimeout + ")");
            }
            return new LogSettings(this);
        }

        private static int requirePositive(String key, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(key + " must be positive, not " + v);
            }
            return v;
        }
    }
}
