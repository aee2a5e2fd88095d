package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LogWriterConfigTest {
    private static final LogSettings LOG = LogSettings.builder("127.0.0.1:9092").nodeId("n1")
            .kafkaProperty("security.protocol", "PLAINTEXT").kafkaProperty("enable.auto.commit", "true")
            .kafkaProperty("group.protocol", "classic").build();

    @Test
    void config_defaults_kip848GroupWithoutAutoCommitReadCommittedAndBoundedWaits() {
        Properties p = LogWriter.config(LOG, LogWriterSettings.builder().build());

        assertThat(p).containsEntry("group.id", "tidemark-writers").containsEntry("group.protocol", "consumer")
                .containsEntry("enable.auto.commit", "false").containsEntry("isolation.level", "read_committed")
                .containsEntry("auto.offset.reset", "earliest").containsEntry("default.api.timeout.ms", "5000")
                .containsEntry("request.timeout.ms", "5000").containsEntry("client.id", "tidemark-writer-n1")
                .containsEntry("max.partition.fetch.bytes", Integer.toString(8 * 1024 * 1024
                        + LogSettings.FRAMING_BYTES));
    }

    @Test
    void config_kafkaProperties_appliedButCannotOverrideTheWritersOwn() {
        Properties p = LogWriter.config(LOG, LogWriterSettings.builder().group("g").kafkaTimeout(
                Duration.ofSeconds(2)).build());

        assertThat(p).containsEntry("security.protocol", "PLAINTEXT").containsEntry("enable.auto.commit", "false")
                .containsEntry("group.protocol", "consumer").containsEntry("group.id", "g")
                .containsEntry("default.api.timeout.ms", "2000");
    }

    @Test
    void build_defaults_asDocumented() {
        LogWriterSettings s = LogWriterSettings.builder().build();

        assertThat(s.cutInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.clockCutInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.maxSamplesPerTransaction()).isEqualTo(100_000);
    }

    @Test
    void build_inconsistentIntervals_refusedNamingTheKeys() {
        assertThatThrownBy(() -> LogWriterSettings.builder().firstBackoff(Duration.ofSeconds(20)).build())
                .hasMessageContaining("cluster.writer-max-backoff");
        assertThatThrownBy(() -> LogWriterSettings.builder().cutInterval(Duration.ofSeconds(2)).build())
                .hasMessageContaining("cluster.clock-cut-interval");
        assertThatThrownBy(() -> LogWriterSettings.builder().maxSamplesPerTransaction(0))
                .hasMessageContaining("ingest.group-commit-max-samples");
    }

    @Test
    void cutInstant_committedMetadata_parsedOrNull() {
        assertThat(LogWriter.cutInstant("cutAt=2024-05-01T00:00:01.5Z")).isEqualTo(
                java.time.Instant.parse("2024-05-01T00:00:01.5Z"));
        assertThat(LogWriter.cutInstant("")).isNull();
        assertThat(LogWriter.cutInstant(null)).isNull();
        assertThat(LogWriter.cutInstant("cutAt=yesterday")).isNull();
    }
}
