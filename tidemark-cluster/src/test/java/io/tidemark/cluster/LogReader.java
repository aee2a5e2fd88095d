package io.tidemark.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a partition's records back for the tests: a plain consumer with manual assignment, every wait bounded. */
final class LogReader {
    private LogReader() {}

    /**
     * The records of {@code topic}-{@code partition} from {@code from} up to (excluding) {@code to}, read within
     * {@code bound}; fewer when the bound passes first.
     */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int partition, long from, long to,
            Duration bound) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + bound.toNanos();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seek(tp, from);
            while (System.nanoTime() < deadline && (out.isEmpty() || out.get(out.size() - 1).offset() < to - 1)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() < to) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
