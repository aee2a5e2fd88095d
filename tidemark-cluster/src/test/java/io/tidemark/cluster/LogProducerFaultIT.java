package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The producer when the broker goes away: appends fail with {@code LOG_UNAVAILABLE} within
 * {@code cluster.produce-timeout}, and the same producer appends again once the broker is back on its port and data.
 * One broker for the class: each test takes it away and brings it back (or the next test's set-up does).
 */
class LogProducerFaultIT {
    private static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(2);
    /** Scheduling slack on a shared 2-core machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);
    private static final TenantId ACME = TenantId.of("acme");

    private static KafkaBroker broker;
    private static int topics;
    private LogSettings settings;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void closeBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void topic() {
        if (!broker.isRunning()) {
            broker.restart();
        }
        settings = LogSettings.builder(broker.bootstrapServers()).topic("t-fault-" + ++topics).partitions(2)
                .produceTimeout(PRODUCE_TIMEOUT).nodeId("n1").build();
        LogTopic.ensure(settings, Duration.ofSeconds(10));
    }

    private static LogRecord archive(long version) {
        return new LogRecord.Archive("raw", version, LogRecord.Archive.Change.CREATED);
    }

    @Test
    void append_brokerStoppedThenRestarted_failsWithinTheBoundThenAppendsAgain() {
        try (LogProducer producer = LogProducer.open(settings)) {
            long before = producer.append(ACME, archive(1));
            broker.stop();

            long t0 = System.nanoTime();
            assertThatThrownBy(() -> producer.append(ACME, archive(2))).isInstanceOf(TidemarkException.class)
                    .satisfies(e -> assertThat(((TidemarkException) e).code()).isEqualTo(ErrorCode.LOG_UNAVAILABLE));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("append with the broker stopped failed after %d ms (bound %s)%n", tookMillis,
                    PRODUCE_TIMEOUT);
            assertThat(tookMillis).isLessThanOrEqualTo(PRODUCE_TIMEOUT.plus(SLACK).toMillis());

            long t1 = System.nanoTime();
            broker.restart();
            System.out.printf("broker restart served after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
            long after = appendWithin(producer, archive(3), Duration.ofSeconds(20));
            assertThat(after).isGreaterThan(before);
            assertThat(producer.append(ACME, archive(4))).isEqualTo(after + 1);
        }
    }

    @Test
    void append_brokerKilledThenRestarted_keepsAcknowledgedRecordsAndAppendsAgain() {
        int partition = LogPartitions.of(ACME, 2);
        try (LogProducer producer = LogProducer.open(settings)) {
            long first = producer.append(ACME, archive(1));
            long second = producer.append(ACME, archive(2));
            broker.kill();
            assertThat(broker.isRunning()).isFalse();

            assertThatThrownBy(() -> producer.append(ACME, archive(3))).isInstanceOf(TidemarkException.class)
                    .satisfies(e -> assertThat(((TidemarkException) e).code()).isEqualTo(ErrorCode.LOG_UNAVAILABLE));

            broker.restart();
            long third = appendWithin(producer, archive(4), Duration.ofSeconds(20));

            List<ConsumerRecord<byte[], byte[]>> records = LogReader.read(broker.bootstrapServers(), settings.topic(),
                    partition, first, third + 1, Duration.ofSeconds(15));
            List<Long> versions = records.stream().map(r -> ((LogRecord.Archive) LogCodec.decode(r)).version())
                    .toList();
            assertThat(records.get(0).offset()).isEqualTo(first);
            assertThat(records.get(1).offset()).isEqualTo(second);
            // The append that failed while the broker was down may or may not be in the log; 1, 2 and 4 are.
            assertThat(versions).startsWith(1L, 2L).endsWith(4L).isSubsetOf(1L, 2L, 3L, 4L);
        }
    }

    /** The first append that succeeds within {@code bound}, retrying on LOG_UNAVAILABLE (the broker recovering). */
    private static long appendWithin(LogProducer producer, LogRecord r, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                long offset = producer.append(ACME, r);
                System.out.printf("first append after the restart took %d attempt(s)%n", attempts);
                return offset;
            } catch (TidemarkException e) {
                if (e.code() != ErrorCode.LOG_UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }
}
