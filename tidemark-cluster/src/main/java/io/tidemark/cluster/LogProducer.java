package io.tidemark.cluster;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Appends records to the ingest topic and waits for the acknowledgement: an idempotent producer
 * ({@code enable.idempotence=true}, {@code acks=all}, {@code max.in.flight.requests.per.connection=5}), {@code lz4},
 * {@code linger.ms} = {@code cluster.linger}, {@code delivery.timeout.ms} and {@code max.block.ms} =
 * {@code cluster.produce-timeout} ({@code request.timeout.ms} = the timeout minus the linger, as Kafka requires),
 * {@code max.request.size} = {@code cluster.max-record-bytes} + {@link LogSettings#FRAMING_BYTES}. Properties from
 * {@code cluster.kafka.<property>} are applied first; these ones cannot be overridden.
 *
 * <p>A tenant's records have the tenant as key and go to the partition Kafka's default partitioner picks for it,
 * which is {@link LogPartitions#of}. {@code CUT}s go to an explicit partition, without a key.
 *
 * <p>Thread-safe: many ingest threads append through one producer (Kafka batches them: that is the cluster's group
 * commit). A failed or timed-out append leaves the producer usable: it reconnects by itself when the brokers are
 * back. {@link #close()} waits at most the produce timeout.
 */
public final class LogProducer implements AutoCloseable {
    private final LogSettings settings;
    private final KafkaProducer<byte[], byte[]> producer;

    private LogProducer(LogSettings settings, KafkaProducer<byte[], byte[]> producer) {
        this.settings = settings;
        this.producer = producer;
    }

    /** A producer for {@code settings}; connects lazily, so it opens even while Kafka is unreachable. */
    public static LogProducer open(LogSettings settings) {
        return new LogProducer(settings, new KafkaProducer<>(config(settings), new ByteArraySerializer(),
                new ByteArraySerializer()));
    }

    /** The producer's configuration (package-private for the test that pins it). */
    static Properties config(LogSettings s) {
        Properties p = new Properties();
        p.putAll(s.kafkaProperties());
        long timeout = s.produceTimeout().toMillis();
        long linger = s.linger().toMillis();
        int maxRequest = s.maxRecordBytes() + LogSettings.FRAMING_BYTES;
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, "tidemark-" + s.nodeId());
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
        p.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        p.setProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, timeout - linger)));
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
        p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRequest));
        p.setProperty(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(Math.max(32L << 20, 4L * maxRequest)));
        return p;
    }

    /**
     * Appends a tenant's record ({@code BATCH}, {@code ROLLUP}, {@code ARCHIVE}) with the tenant as key, and returns
     * its offset once the partition leader acknowledged it with every in-sync replica. Waits at most
     * {@code cluster.produce-timeout} from the call.
     *
     * @throws TidemarkException {@code TOO_LARGE} when the encoded value is over {@code cluster.max-record-bytes}
     *     (nothing was sent); {@code LOG_UNAVAILABLE} when the append failed or was not acknowledged in time (the
     *     record may or may not be in the log); {@code INVALID_BATCH} when the record does not encode
     * @throws IllegalArgumentException for a {@code CUT}, which is partition-wide: use {@link #appendCut}
     */
    public long append(TenantId tenant, LogRecord record) {
        if (record instanceof LogRecord.Cut) {
            throw new IllegalArgumentException("a CUT is partition-wide: append it with appendCut(partition, cut)");
        }
        return send(null, LogPartitions.key(tenant), record, "tenant '" + tenant + "'");
    }

    /**
     * Appends a {@code CUT} to {@code partition}, without a key; returns its offset once acknowledged. Waits and
     * fails as {@link #append} does.
     */
    public long appendCut(int partition, LogRecord.Cut cut) {
        return send(partition, null, cut, "partition " + partition);
    }

    /** The partition of {@code tenant} in a topic of {@code partitions} partitions ({@link LogPartitions#of}). */
    public static int partitionOf(TenantId tenant, int partitions) {
        return LogPartitions.of(tenant, partitions);
    }

    private long send(Integer partition, byte[] key, LogRecord record, String what) {
        long deadline = System.nanoTime() + settings.produceTimeout().toNanos();
        LogCodec.Encoded e = LogCodec.encode(record);
        if (e.value().length > settings.maxRecordBytes()) {
            throw tooLarge(e.value().length);
        }
        List<Header> headers = List.of(new RecordHeader(LogCodec.TYPE_HEADER, e.typeHeader()),
                new RecordHeader(LogCodec.VERSION_HEADER, e.versionHeader()));
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(settings.topic(), partition, key, e.value(), headers);
        try {
            Future<RecordMetadata> f = producer.send(r);
            long left = deadline - System.nanoTime();
            return f.get(Math.max(0, left), TimeUnit.NANOSECONDS).offset();
        } catch (ExecutionException ex) {
            throw failed(record, what, ex.getCause());
        } catch (TimeoutException ex) {
            throw new TidemarkException(ErrorCode.LOG_UNAVAILABLE, "the log did not acknowledge the " + record.type()
                    + " record of " + what + " within cluster.produce-timeout (" + settings.produceTimeout()
                    + "); it may or may not be in the log: re-send it", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new TidemarkException(ErrorCode.LOG_UNAVAILABLE, "interrupted while appending the "
                    + record.type() + " record of " + what + "; it may or may not be in the log", ex);
        } catch (KafkaException ex) {
            throw failed(record, what, ex);
        }
    }

    private TidemarkException failed(LogRecord record, String what, Throwable cause) {
        if (cause instanceof RecordTooLargeException) {
            return tooLarge(-1);
        }
        return new TidemarkException(ErrorCode.LOG_UNAVAILABLE, "the log did not take the " + record.type()
                + " record of " + what + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                + "); it may or may not be in the log: re-send it", cause);
    }

    private TidemarkException tooLarge(int bytes) {
        String size = bytes >= 0 ? "has " + bytes + " bytes encoded, more than" : "is larger than";
        return new TidemarkException(ErrorCode.TOO_LARGE, "the batch " + size + " the log's limit of "
                + settings.maxRecordBytes() + " bytes (cluster.max-record-bytes); split it into smaller batches");
    }

    /** Sends what is buffered and closes, waiting at most the produce timeout. */
    @Override
    public void close() {
        producer.close(settings.produceTimeout());
    }
}
