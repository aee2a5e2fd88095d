package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.TenantId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The producer's configuration as docs/scale-out.md ("Producer") states it, and the partition function. */
class LogProducerConfigTest {

    @Test
    void config_defaults_areTheDocumentedOnes() {
        Properties p = LogProducer.config(LogSettings.builder("k1:9092").nodeId("n7").build());

        assertThat(p).containsEntry("enable.idempotence", "true").containsEntry("acks", "all")
                .containsEntry("max.in.flight.requests.per.connection", "5").containsEntry("compression.type", "lz4")
                .containsEntry("linger.ms", "2").containsEntry("delivery.timeout.ms", "5000")
                .containsEntry("max.block.ms", "5000").containsEntry("request.timeout.ms", "4998")
                .containsEntry("max.request.size", Integer.toString(8 * 1024 * 1024 + LogSettings.FRAMING_BYTES))
                .containsEntry("client.id", "tidemark-n7").containsEntry("bootstrap.servers", "k1:9092");
    }

    @Test
    void config_kafkaPropertiesCannotLoosenTheContract() {
        Properties p = LogProducer.config(LogSettings.builder("k1:9092").kafkaProperty("acks", "1")
                .kafkaProperty("security.protocol", "SSL").produceTimeout(Duration.ofSeconds(1)).build());

        assertThat(p).containsEntry("acks", "all").containsEntry("security.protocol", "SSL")
                .containsEntry("delivery.timeout.ms", "1000");
    }

    @Test
    void build_lingerNotBelowTheProduceTimeout_isRefused() {
        assertThatThrownBy(() -> LogSettings.builder("k:1").produceTimeout(Duration.ofMillis(5))
                .linger(Duration.ofMillis(5)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster.linger");
    }

    @Test
    void of_tenant_isKafkasDefaultPartitionerForTheKey() {
        for (String t : new String[] {"acme", "globex", "a", "tenant_with_a_long_name_0123456789"}) {
            int expected = Utils.toPositive(Utils.murmur2(t.getBytes(StandardCharsets.UTF_8))) % 12;
            assertThat(LogPartitions.of(TenantId.of(t), 12)).isEqualTo(expected);
            assertThat(LogProducer.partitionOf(TenantId.of(t), 12)).isEqualTo(expected);
        }
        assertThat(LogPartitions.of(TenantId.of("acme"), 1)).isZero();
        assertThatThrownBy(() -> LogPartitions.of(TenantId.of("acme"), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
