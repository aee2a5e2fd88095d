package io.tidemark.cluster;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the ingest topic if it is missing, or verifies the one there: the first node creates it with
 * {@code cluster.partitions} partitions, replication factor {@code cluster.replication-factor} (0: {@code min(3,
 * brokers)}), {@code min.insync.replicas} = replication factor − 1 (at least 1) and {@code max.message.bytes} =
 * {@code cluster.max-record-bytes} + {@link LogSettings#FRAMING_BYTES}. A topic with another partition count is
 * refused: a tenant's partition must never change. Stateless and thread-safe.
 */
public final class LogTopic {
    private LogTopic() {}

    /**
     * Creates or verifies the topic of {@code settings} within {@code timeout}; two nodes racing to create it both
     * succeed.
     *
     * @return the topic's partition count, {@code settings.partitions()}
     * @throws TidemarkException {@code INVALID_STATE} when the topic exists with another partition count (naming
     *     both); {@code LOG_UNAVAILABLE} when Kafka did not answer within {@code timeout} or refused
     */
    public static int ensure(LogSettings settings, Duration timeout) {
        Properties p = new Properties();
        p.putAll(settings.kafkaProperties());
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "tidemark-admin-" + settings.nodeId());
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            Integer existing = partitionCount(admin, settings.topic(), deadline);
            if (existing == null && create(admin, settings, deadline)) {
                return settings.partitions();
            }
            int count = existing != null ? existing : partitionCount(admin, settings.topic(), deadline);
            if (count != settings.partitions()) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "topic '" + settings.topic() + "' has " + count
                        + " partitions, but cluster.partitions is " + settings.partitions() + "; a tenant's "
                        + "partition must never change, so set cluster.partitions to " + count
                        + " (or give cluster.topic a new topic)");
            }
            return count;
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable(settings, timeout, e instanceof ExecutionException ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(settings, timeout, e);
        }
    }

    /** The topic's partition count, or null when it does not exist. */
    private static Integer partitionCount(Admin admin, String topic, long deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        try {
            Map<String, TopicDescription> d = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            return d.get(topic).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    /** True when this call created the topic, false when another node did meanwhile. */
    private static boolean create(Admin admin, LogSettings s, long deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        int rf = s.replicationFactor();
        if (rf == 0) {
            int brokers = admin.describeCluster().nodes().get(remainingMillis(deadline), TimeUnit.MILLISECONDS).size();
            rf = Math.max(1, Math.min(3, brokers));
        }
        NewTopic topic = new NewTopic(s.topic(), s.partitions(), (short) rf).configs(Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.max(1, rf - 1)),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(s.maxRecordBytes() + LogSettings.FRAMING_BYTES)));
        try {
            admin.createTopics(List.of(topic)).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static TidemarkException unavailable(LogSettings s, Duration timeout, Throwable cause) {
        return new TidemarkException(ErrorCode.LOG_UNAVAILABLE, "could not create or verify topic '" + s.topic()
                + "' at " + s.bootstrapServers() + " within " + timeout + ": " + cause, cause);
    }
}
