package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The producer and the topic setup against a real Kafka 4.4 broker ({@link KafkaBroker}). */
class LogProducerIT {
    private static final Duration READ_BOUND = Duration.ofSeconds(15);
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        long t0 = System.nanoTime();
        broker = KafkaBroker.start();
        System.out.printf("broker (format + start) served after %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static LogSettings settings(String topic, int partitions) {
        return LogSettings.builder(broker.bootstrapServers()).topic(topic).partitions(partitions).nodeId("n1")
                .produceTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void append_batchesOfManyTenants_consumedAtTheTenantsPartitionAndDecodeEqual() {
        LogSettings s = settings("t-append", 4);
        assertThat(LogTopic.ensure(s, Duration.ofSeconds(10))).isEqualTo(4);
        RandomBatches gen = new RandomBatches(20261206L);
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE),
                Column.of("n", ColumnType.BIGINT), Column.of("ok", ColumnType.BOOLEAN),
                Column.of("s", ColumnType.VARCHAR)));
        Map<String, List<long[]>> appended = new HashMap<>(); // tenant -> (offset)
        Map<Long, SampleBatch> byOffsetAndPartition = new HashMap<>();
        List<String> tenants = List.of("acme", "globex", "initech", "umbrella", "hooli", "tyrell", "wayne", "stark");
        try (LogProducer producer = LogProducer.open(s)) {
            for (int i = 0; i < 24; i++) {
                String tenant = tenants.get(i % tenants.size());
                SampleBatch rows = gen.batch(def, 1);
                long offset = producer.append(TenantId.of(tenant), new LogRecord.Batch("n1",
                        Instant.parse("2026-12-06T10:00:00Z").plusMillis(i), List.of(BatchPart.of(7, rows))));
                int partition = LogPartitions.of(TenantId.of(tenant), 4);
                appended.computeIfAbsent(tenant, k -> new ArrayList<>()).add(new long[] {partition, offset});
                byOffsetAndPartition.put(partition * 1_000_000L + offset, rows);
            }
        }

        int seen = 0;
        for (int partition = 0; partition < 4; partition++) {
            List<ConsumerRecord<byte[], byte[]>> records = LogReader.read(broker.bootstrapServers(), "t-append",
                    partition, 0, Long.MAX_VALUE, Duration.ofSeconds(2));
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String tenant = new String(r.key(), StandardCharsets.UTF_8);
                assertThat(r.partition()).as("partition of %s", tenant)
                        .isEqualTo(LogPartitions.of(TenantId.of(tenant), 4));
                LogRecord.Batch b = (LogRecord.Batch) LogCodec.decode(r);
                assertThat(b.parts().get(0).version()).isEqualTo(7);
                assertThat(b.parts().get(0).rows(def))
                        .isEqualTo(byOffsetAndPartition.get(r.partition() * 1_000_000L + r.offset()));
                seen++;
            }
        }
        assertThat(seen).isEqualTo(24);
        assertThat(appended.keySet()).hasSize(tenants.size());
    }

    @Test
    void appendCut_explicitPartition_storedThereWithoutKey() {
        LogSettings s = settings("t-cut", 3);
        LogTopic.ensure(s, Duration.ofSeconds(10));
        LogRecord.Cut cut = new LogRecord.Cut(Instant.parse("2026-12-06T10:00:01Z"), 41, List.of(3L, 17L), 0xC0FFEEL);
        long offset;
        try (LogProducer producer = LogProducer.open(s)) {
            offset = producer.appendCut(2, cut);
        }

        List<ConsumerRecord<byte[], byte[]>> r = LogReader.read(broker.bootstrapServers(), "t-cut", 2, offset,
                offset + 1, READ_BOUND);
        assertThat(r).hasSize(1);
        assertThat(r.get(0).key()).isNull();
        assertThat(LogCodec.decode(r.get(0))).isEqualTo(cut);
    }

    @Test
    void ensure_topicWithAnotherPartitionCount_isRefusedNamingBoth() {
        LogTopic.ensure(settings("t-count", 3), Duration.ofSeconds(10));

        assertThatThrownBy(() -> LogTopic.ensure(settings("t-count", 5), Duration.ofSeconds(10)))
                .isInstanceOf(TidemarkException.class)
                .hasMessageContaining("has 3 partitions").hasMessageContaining("cluster.partitions is 5")
                .satisfies(e -> assertThat(((TidemarkException) e).code()).isEqualTo(ErrorCode.INVALID_STATE));
        assertThat(LogTopic.ensure(settings("t-count", 3), Duration.ofSeconds(10))).isEqualTo(3);
    }

    @Test
    void ensure_newTopic_createdWithTheLogsLimits() throws Exception {
        LogSettings s = LogSettings.builder(broker.bootstrapServers()).topic("t-config").partitions(2)
                .maxRecordBytes(1 << 20).build();
        LogTopic.ensure(s, Duration.ofSeconds(10));

        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "t-config");
            Config c = admin.describeConfigs(List.of(res)).all().get(10, TimeUnit.SECONDS).get(res);
            assertThat(c.get("max.message.bytes").value())
                    .isEqualTo(Integer.toString((1 << 20) + LogSettings.FRAMING_BYTES));
            assertThat(c.get("min.insync.replicas").value()).isEqualTo("1");
        }
    }

    @Test
    void append_recordOverMaxRecordBytes_isTooLargeAndNotSent() {
        LogSettings s = LogSettings.builder(broker.bootstrapServers()).topic("t-large").partitions(1)
                .maxRecordBytes(2000).build();
        LogTopic.ensure(s, Duration.ofSeconds(10));
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("s", ColumnType.VARCHAR)));
        SampleBatch big = SampleBatch.fromColumns(def, new String[] {"a"}, new long[] {1},
                new Object[][] {new Object[] {"x".repeat(3000)}});

        try (LogProducer producer = LogProducer.open(s)) {
            assertThatThrownBy(() -> producer.append(TenantId.of("acme"),
                    new LogRecord.Batch("n1", Instant.EPOCH, List.of(BatchPart.of(1, big)))))
                    .isInstanceOf(TidemarkException.class).hasMessageContaining("2000 bytes")
                    .satisfies(e -> assertThat(((TidemarkException) e).code()).isEqualTo(ErrorCode.TOO_LARGE));
            long offset = producer.append(TenantId.of("acme"), new LogRecord.Archive("raw", 1,
                    LogRecord.Archive.Change.CREATED));
            assertThat(offset).as("the refused record took no offset").isZero();
        }
    }
}
