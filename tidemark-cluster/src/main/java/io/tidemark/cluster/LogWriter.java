package io.tidemark.cluster;

import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's log writer (docs/scale-out.md, "Writers: log → store, exactly once"): one consumer in the writers'
 * group ({@code group.protocol=consumer}, KIP-848; no auto commit; {@code read_committed}) that writes the
 * {@code BATCH} records of the partitions it owns into the store, each tenant's records of a poll in transactions
 * fenced by the tenant's log position ({@link io.tidemark.store.LogWriterStore}), so that a replay, a new owner or a
 * zombie writes nothing twice; then commits the consumer offsets and appends {@code CUT} records to each partition
 * (every {@link LogWriterSettings#cutInterval()} when it committed something, at least every
 * {@link LogWriterSettings#clockCutInterval()}, and only once it caught up to the end offset it saw at assignment),
 * each at {@code max(its clock, the greatest cut instant of the partition it read)}: the cuts it passes over, and the
 * instant its predecessor left in the committed offset's metadata.
 * {@code CUT}, {@code ROLLUP} and {@code ARCHIVE} records are passed over. A record it cannot read is logged,
 * counted, recorded as the tenant's {@code UNREADABLE} rejection when its key names a tenant, and skipped. A store
 * that fails is retried with a doubling backoff, never skipped: the partition stalls (see {@link #status()}).
 *
 * <p>Lifecycle: {@link #start} subscribes and runs the loop on a thread of its own; {@link #close()} leaves the group
 * (the partitions move to the other writers at once) within {@link LogWriterSettings#closeTimeout()}. If the loop
 * fails on something it cannot retry (a Kafka authorization error, a bug), it logs it, leaves the group and stops:
 * {@link #failure()} tells. Thread-safe: {@link #status()} and {@link #close()} may be called from any thread.
 */
public final class LogWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
    /**
     * The prefix of the committed offsets' metadata: the greatest cut instant of the partition, so that a new owner
     * starting after the last {@code CUT} still never appends an earlier instant.
     */
    static final String CUT_AT = "cutAt=";

    private final LogSettings log;
    private final WriterContext ctx;
    private final LogProducer producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<Integer, PartitionWriter> partitions = new TreeMap<>();
    private final Map<Integer, Long> committed = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile LogWriterStatus status = LogWriterStatus.EMPTY;
    private volatile Throwable failure;

    private LogWriter(LogSettings log, LogWriterSettings settings, Store store, LogProducer producer, Clock clock,
            LogWriterListener listener) {
        this.log = log;
        this.ctx = new WriterContext(settings, log.topic(), store.logWriter(), new Definitions(store.archives()),
                clock, listener);
        this.producer = producer;
        this.consumer = new KafkaConsumer<>(config(log, settings), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "tidemark-log-writer-" + log.nodeId());
        this.thread.setDaemon(true);
    }

    /**
     * Starts a writer: subscribes to {@code log.topic()} in the group {@code settings.group()} and writes what it is
     * given into {@code store}, appending {@code CUT}s through {@code producer} (which the caller owns and closes
     * after the writer). Returns at once; the consumer connects in the background.
     *
     * @param clock the instant of each {@code CUT} (the tenants' log time) and of {@link LogWriterStatus} stalls
     * @param listener called on the writer's thread; {@link LogWriterListener#NONE} for none
     * @throws TidemarkException {@code INVALID_STATE} when {@code store} is not PostgreSQL
     */
    public static LogWriter start(LogSettings log, LogWriterSettings settings, Store store, LogProducer producer,
            Clock clock, LogWriterListener listener) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(listener, "listener");
        LogWriter w = new LogWriter(log, settings, store, producer, clock, listener);
        w.thread.start();
        return w;
    }

    /** The consumer's configuration (package-private for the test that pins it). */
    static Properties config(LogSettings log, LogWriterSettings s) {
        Properties p = new Properties();
        p.putAll(log.kafkaProperties());
        String timeout = Long.toString(s.kafkaTimeout().toMillis());
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, log.bootstrapServers());
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "tidemark-writer-" + log.nodeId());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, s.group());
        p.setProperty(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        p.setProperty(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        p.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                Integer.toString(log.maxRecordBytes() + LogSettings.FRAMING_BYTES));
        return p;
    }

    /** The writer's counters and partitions as of its last loop (at most a poll timeout old). */
    public LogWriterStatus status() {
        return status;
    }

    /** What stopped the loop, or null while it runs (or after a clean close). */
    public Throwable failure() {
        return failure;
    }

    /** Whether the loop still runs. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(log.topic()), new Rebalance());
            while (running) {
                loop();
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
                LOG.error("log writer {} woken up unexpectedly; it stops and leaves the group", log.nodeId(), e);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("log writer {} failed and stops; it leaves the group and its partitions move", log.nodeId(), e);
        } finally {
            leave();
        }
    }

    private void leave() {
        try {
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(ctx.settings().kafkaTimeout()));
        } catch (RuntimeException e) {
            LOG.warn("log writer {}: leaving the group failed", log.nodeId(), e);
        }
        partitions.values().forEach(PartitionWriter::forget);
        partitions.clear();
        status = snapshot();
    }

    private void loop() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(ctx.settings().pollTimeout());
        for (TopicPartition tp : records.partitions()) {
            PartitionWriter pw = partitions.get(tp.partition());
            if (pw == null) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                pw.add(r);
            }
        }
        for (PartitionWriter pw : partitions.values()) {
            step(pw);
        }
        status = snapshot();
    }

    /** Writes what the partition holds, commits its offset, pauses or resumes it, and cuts when due. */
    private void step(PartitionWriter pw) {
        long now = System.nanoTime();
        TopicPartition tp = new TopicPartition(log.topic(), pw.partition);
        if (pw.due(now) && pw.write(now)) {
            commit(tp, pw.upTo);
        }
        boolean paused = consumer.paused().contains(tp);
        if (pw.hasPending() && !paused) {
            consumer.pause(List.of(tp));
        } else if (!pw.hasPending() && paused) {
            consumer.resume(List.of(tp));
        }
        if (pw.upTo < 0 || pw.catchUpTo < 0) {
            initialise(tp, pw);
        }
        if (!pw.caughtUp && pw.catchUpTo >= 0 && pw.upTo >= pw.catchUpTo) {
            pw.caughtUp = true;
            LOG.info("log writer {} caught up on {} at offset {}", log.nodeId(), tp, pw.upTo);
        }
        cutIfDue(pw, now);
    }

    /** The partition's starting offset and the end offset to catch up to; retried by the next loop on failure. */
    private void initialise(TopicPartition tp, PartitionWriter pw) {
        Duration bound = ctx.settings().kafkaTimeout();
        try {
            if (!pw.seeded) {
                OffsetAndMetadata c = consumer.committed(Set.of(tp), bound).get(tp);
                pw.cutRead(c == null ? null : cutInstant(c.metadata()));
                pw.seeded = true;
            }
            if (pw.catchUpTo < 0) {
                pw.catchUpTo = consumer.endOffsets(List.of(tp), bound).getOrDefault(tp, -1L);
            }
            if (pw.upTo < 0 && !pw.hasPending()) {
                pw.upTo = consumer.position(tp, bound);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.debug("log writer {}: offsets of {} not known yet", log.nodeId(), tp, e);
        }
    }

    private void commit(TopicPartition tp, long upTo) {
        Long last = committed.get(tp.partition());
        if (upTo < 0 || (last != null && last >= upTo)) {
            return;
        }
        try {
            PartitionWriter pw = partitions.get(tp.partition());
            String meta = pw == null || pw.lastCutAt == null ? "" : CUT_AT + pw.lastCutAt;
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(upTo, meta)), ctx.settings().kafkaTimeout());
            committed.put(tp.partition(), upTo);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // Kafka's offset only bounds a new owner's replay; the store's positions decide what is written.
            LOG.warn("log writer {}: committing offset {} of {} failed ({}); a new owner will replay more",
                    log.nodeId(), upTo, tp, e.toString());
        }
    }

    private void cutIfDue(PartitionWriter pw, long now) {
        if (!pw.caughtUp || pw.stalledSince != null || pw.upTo < 0 || pw.hasPending()
                || now - pw.nextCutAttemptNanos < 0) {
            return;
        }
        long since = now - pw.lastCutNanos;
        boolean changed = pw.committedSinceCut || !pw.rejectedSinceCut.isEmpty();
        boolean due = changed ? since >= ctx.settings().cutInterval().toNanos()
                : since >= ctx.settings().clockCutInterval().toNanos();
        if (!due) {
            return;
        }
        Instant at = ctx.clock().instant();
        if (pw.lastCutAt != null && pw.lastCutAt.isAfter(at)) {
            at = pw.lastCutAt; // cut instants never go back in the log
        }
        LogRecord.Cut cut = new LogRecord.Cut(at, pw.upTo, List.copyOf(pw.rejectedSinceCut),
                ctx.settings().settingsHash());
        try {
            long offset = producer.appendCut(pw.partition, cut);
            pw.lastCutOffset = offset;
            pw.cutRead(cut.cutAt());
            pw.lastCutNanos = now;
            pw.committedSinceCut = false;
            pw.rejectedSinceCut.clear();
            ctx.counters().cuts++;
            ctx.listen(l -> l.cut(pw.partition, offset, cut));
        } catch (TidemarkException e) {
            pw.nextCutAttemptNanos = now + ctx.settings().cutInterval().toNanos();
            LOG.warn("log writer {}: the CUT of partition {} up to {} was not appended ({}); trying again",
                    log.nodeId(), pw.partition, pw.upTo, e.getMessage());
        }
    }

    /** The instant in a committed offset's metadata ({@value #CUT_AT}{@code <instant>}), or null. */
    static Instant cutInstant(String metadata) {
        if (metadata == null || !metadata.startsWith(CUT_AT)) {
            return null;
        }
        try {
            return Instant.parse(metadata.substring(CUT_AT.length()));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private LogWriterStatus snapshot() {
        Map<Integer, LogWriterStatus.Partition> out = new TreeMap<>();
        for (PartitionWriter pw : partitions.values()) {
            out.put(pw.partition, new LogWriterStatus.Partition(pw.partition, pw.upTo, lag(pw), pw.stalledSince,
                    pw.lastCutOffset, pw.caughtUp));
        }
        WriterContext.Counters c = ctx.counters();
        return new LogWriterStatus(out, c.records, c.samples, c.rejected, c.skipped, c.moved, c.cuts);
    }

    private long lag(PartitionWriter pw) {
        OptionalLong behindFetch;
        try {
            behindFetch = consumer.currentLag(new TopicPartition(log.topic(), pw.partition));
        } catch (RuntimeException e) {
            return -1;
        }
        if (behindFetch.isEmpty() || pw.upTo < 0) {
            return -1;
        }
        return behindFetch.getAsLong() + Math.max(0, pw.pendingEnd() - pw.upTo);
    }

    /**
     * Leaves the group and stops the loop, waiting at most {@link LogWriterSettings#closeTimeout()}: the loop
     * finishes the store write it is in (bounded by the store's own timeouts), and its partitions move to the other
     * writers at once. Idempotent.
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(ctx.settings().closeTimeout().toMillis());
            if (thread.isAlive()) {
                LOG.warn("log writer {} did not stop within {}; interrupting it", log.nodeId(),
                        ctx.settings().closeTimeout());
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Partitions come and go on the writer's thread, inside {@code poll}. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            Set<Integer> added = new TreeSet<>();
            long now = System.nanoTime();
            for (TopicPartition tp : assigned) {
                PartitionWriter pw = new PartitionWriter(tp.partition(), ctx, now);
                partitions.put(tp.partition(), pw);
                committed.remove(tp.partition());
                added.add(tp.partition());
                initialise(tp, pw);
            }
            if (!added.isEmpty()) {
                LOG.info("log writer {} now writes partitions {} of {}", log.nodeId(), added, log.topic());
                ctx.listen(l -> l.partitionsAssigned(added));
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            Set<Integer> removed = new TreeSet<>();
            for (TopicPartition tp : revoked) {
                PartitionWriter pw = partitions.remove(tp.partition());
                if (pw != null) {
                    pw.forget();
                    removed.add(tp.partition());
                }
                committed.remove(tp.partition());
            }
            if (!removed.isEmpty()) {
                LOG.info("log writer {} no longer writes partitions {} of {}", log.nodeId(), removed, log.topic());
                ctx.listen(l -> l.partitionsRevoked(removed));
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            onPartitionsRevoked(lost);
        }
    }
}
