package io.tidemark.cluster;

import io.tidemark.core.TenantId;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition of the ingest topic holds a tenant: {@code toPositive(murmur2(utf8(tenant))) mod partitions},
 * exactly Kafka's default partitioner for a keyed record, so a record the producer sends with the tenant as key lands
 * there, and any node computes a tenant's partition without asking anyone. Stateless and thread-safe.
 */
public final class LogPartitions {
    private LogPartitions() {}

    /**
     * The partition of {@code tenant} in a topic of {@code partitions} partitions.
     *
     * @throws IllegalArgumentException when {@code partitions < 1}
     */
    public static int of(TenantId tenant, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic has at least one partition, not " + partitions);
        }
        return Utils.toPositive(Utils.murmur2(key(tenant))) % partitions;
    }

    /** The record key of a tenant's records: its id in UTF-8. */
    static byte[] key(TenantId tenant) {
        return tenant.value().getBytes(StandardCharsets.UTF_8);
    }
}
