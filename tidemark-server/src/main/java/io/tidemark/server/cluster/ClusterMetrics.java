package io.tidemark.server.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.cluster.FollowerStatus;
import io.tidemark.cluster.LogWriterStatus;
import io.tidemark.store.LogRejectReason;
import java.util.function.IntFunction;

/**
 * Cluster mode's metrics (docs/scale-out.md, "Configuration"), read from the writer's and the followers' status
 * (at most a poll old) when scraped: {@code tidemark.cluster.produce} (counter, {@code result}),
 * {@code tidemark.cluster.writer.lag.records} and {@code tidemark.cluster.writer.stalled} per {@code partition}
 * (NaN for a partition this node's writer does not own), {@code tidemark.cluster.rejected} ({@code reason}),
 * {@code tidemark.cluster.partitions.written}, {@code tidemark.cluster.follow.lag.records} per {@code partition}
 * (NaN where this node does not follow it), {@code tidemark.cluster.follow.buffered.bytes} and
 * {@code tidemark.cluster.follow.overflows} per {@code partition}. Thread-safe.
 */
public final class ClusterMetrics {
    private ClusterMetrics() {}

    /**
     * Registers the gauges of {@code node}'s writer and of the followers {@code followers} answers (the status of
     * the follower of a partition, or null).
     */
    public static void bind(MeterRegistry meters, ClusterNode node, IntFunction<FollowerStatus> followers) {
        for (int p = 0; p < node.partitions(); p++) {
            int partition = p;
            String tag = Integer.toString(p);
            Gauge.builder("tidemark.cluster.writer.lag.records", node, n -> {
                LogWriterStatus.Partition s = n.writer().status().partitions().get(partition);
                return s == null || s.lag() < 0 ? Double.NaN : s.lag();
            }).tag("partition", tag).description("records of the partition not yet committed to the store by this "
                    + "node's writer").register(meters);
            Gauge.builder("tidemark.cluster.writer.stalled", node, n -> {
                LogWriterStatus.Partition s = n.writer().status().partitions().get(partition);
                return s == null ? Double.NaN : s.stalled() ? 1 : 0;
            }).tag("partition", tag).description("1 while this node's writer of the partition waits for the store")
                    .register(meters);
            Gauge.builder("tidemark.cluster.follow.lag.records", followers, f -> {
                FollowerStatus s = f.apply(partition);
                return s == null || s.lag() < 0 ? Double.NaN : s.lag();
            }).tag("partition", tag).description("records of the partition this node's live tables have not read")
                    .register(meters);
            Gauge.builder("tidemark.cluster.follow.buffered.bytes", followers, f -> {
                FollowerStatus s = f.apply(partition);
                return s == null ? Double.NaN : s.bufferedBytes();
            }).tag("partition", tag).description("bytes of log records this node's follower of the partition holds "
                    + "waiting for a cut (bounded by cluster.follow-buffer)").register(meters);
            FunctionCounter.builder("tidemark.cluster.follow.overflows", followers, f -> {
                FollowerStatus s = f.apply(partition);
                return s == null ? 0 : s.overflows();
            }).tag("partition", tag).description("times this node's follower of the partition dropped its buffer "
                    + "past cluster.follow-buffer, to read it again from the log after the next cut").register(meters);
        }
        for (LogRejectReason r : LogRejectReason.values()) {
            FunctionCounter.builder("tidemark.cluster.rejected", node, n -> n.writer().status().rejected(r))
                    .tag("reason", r.label()).description("acknowledged records the store refused, by this node's "
                            + "writer").register(meters);
        }
        Gauge.builder("tidemark.cluster.partitions.written", node, n -> n.writer().status().partitions().size())
                .description("partitions this node's writer owns").register(meters);
    }
}
