package io.tidemark.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * What the {@link LogWriter} needs beyond {@link LogSettings} (docs/scale-out.md, "Writers: log → store, exactly
 * once", "Generations across nodes", "Store outage"); build with {@link #builder()}. Immutable.
 */
public final class LogWriterSettings {
    private final String group;
    private final Duration cutInterval;
    private final Duration clockCutInterval;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final int maxSamplesPerTransaction;
    private final Duration pollTimeout;
    private final Duration kafkaTimeout;
    private final Duration closeTimeout;
    private final long settingsHash;

    private LogWriterSettings(Builder b) {
        this.group = b.group;
        this.cutInterval = b.cutInterval;
        this.clockCutInterval = b.clockCutInterval;
        this.firstBackoff = b.firstBackoff;
        this.maxBackoff = b.maxBackoff;
        this.maxSamplesPerTransaction = b.maxSamplesPerTransaction;
        this.pollTimeout = b.pollTimeout;
        this.kafkaTimeout = b.kafkaTimeout;
        this.closeTimeout = b.closeTimeout;
        this.settingsHash = b.settingsHash;
    }

    /** Settings with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code cluster.group}: the writers' consumer group (default {@code tidemark-writers}). */
    public String group() {
        return group;
    }

    /**
     * {@code live.publish-interval}: a {@code CUT} at most this often for a partition, when the writer committed (or
     * rejected) anything of it since its last cut (default 100 ms).
     */
    public Duration cutInterval() {
        return cutInterval;
    }

    /** {@code cluster.clock-cut-interval}: a {@code CUT} at least this often when nothing was committed (1 s). */
    public Duration clockCutInterval() {
        return clockCutInterval;
    }

    /** The first wait before a failed store write is tried again (100 ms); it doubles up to {@link #maxBackoff}. */
    public Duration firstBackoff() {
        return firstBackoff;
    }

    /** {@code cluster.writer-max-backoff}: the longest wait between store retries of a stalled writer (10 s). */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** {@code ingest.group-commit-max-samples}: at most this many samples per store transaction (100,000). */
    public int maxSamplesPerTransaction() {
        return maxSamplesPerTransaction;
    }

    /** The bound of one {@code poll} of the consumer (100 ms): how often the loop looks at cuts and retries. */
    public Duration pollTimeout() {
        return pollTimeout;
    }

    /**
     * The bound of every other Kafka call of the consumer — offset commit, end offsets, position — (5 s, as
     * {@code cluster.produce-timeout}); the {@code CUT}'s append is bounded by the producer's own timeout.
     */
    public Duration kafkaTimeout() {
        return kafkaTimeout;
    }

    /** The bound of {@link LogWriter#close()}: the loop's last store write and leaving the group (10 s). */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** The hash of this node's live settings that shape results, carried by every {@code CUT} (default 0). */
    public long settingsHash() {
        return settingsHash;
    }

    /** Builds {@link LogWriterSettings}. Not thread-safe. */
    public static final class Builder {
        private String group = "tidemark-writers";
        private Duration cutInterval = Duration.ofMillis(100);
        private Duration clockCutInterval = Duration.ofSeconds(1);
        private Duration firstBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private int maxSamplesPerTransaction = 100_000;
        private Duration pollTimeout = Duration.ofMillis(100);
        private Duration kafkaTimeout = Duration.ofSeconds(5);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private long settingsHash;

        private Builder() {}

        public Builder group(String group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        public Builder cutInterval(Duration d) {
            this.cutInterval = positive("live.publish-interval", d);
            return this;
        }

        public Builder clockCutInterval(Duration d) {
            this.clockCutInterval = positive("cluster.clock-cut-interval", d);
            return this;
        }

        public Builder firstBackoff(Duration d) {
            this.firstBackoff = positive("the writer's first backoff", d);
            return this;
        }

        public Builder maxBackoff(Duration d) {
            this.maxBackoff = positive("cluster.writer-max-backoff", d);
            return this;
        }

        public Builder maxSamplesPerTransaction(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ingest.group-commit-max-samples must be positive, not " + n);
            }
            this.maxSamplesPerTransaction = n;
            return this;
        }

        public Builder pollTimeout(Duration d) {
            this.pollTimeout = positive("the writer's poll timeout", d);
            return this;
        }

        public Builder kafkaTimeout(Duration d) {
            this.kafkaTimeout = positive("the writer's Kafka timeout", d);
            return this;
        }

        public Builder closeTimeout(Duration d) {
            this.closeTimeout = positive("the writer's close timeout", d);
            return this;
        }

        public Builder settingsHash(long hash) {
            this.settingsHash = hash;
            return this;
        }

        /**
         * @throws IllegalArgumentException when the first backoff is longer than the longest, or the clock cut comes
         *     more often than the cut
         */
        public LogWriterSettings build() {
            if (firstBackoff.compareTo(maxBackoff) > 0) {
                throw new IllegalArgumentException("the first backoff (" + firstBackoff
                        + ") must not be longer than cluster.writer-max-backoff (" + maxBackoff + ")");
            }
            if (clockCutInterval.compareTo(cutInterval) < 0) {
                throw new IllegalArgumentException("cluster.clock-cut-interval (" + clockCutInterval
                        + ") must not be shorter than live.publish-interval (" + cutInterval + ")");
            }
            return new LogWriterSettings(this);
        }

        private static Duration positive(String what, Duration d) {
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException(what + " must be at least 1 ms, not " + d);
            }
            return d;
        }
    }
}
