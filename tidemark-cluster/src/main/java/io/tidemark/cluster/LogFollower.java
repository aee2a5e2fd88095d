package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one partition of the ingest log into a live engine in log-time mode ({@code docs/scale-out.md}, "Live
 * nodes"): one consumer with manual {@code assign} (no group) reads the partition in order; {@code BATCH},
 * {@code ROLLUP} and {@code ARCHIVE} records of the followed tenants wait in a buffer; at each {@code CUT} the
 * buffered records below its {@code upTo} that it does not list as rejected are applied in log order —
 * {@link LiveEngine#onCommit} for each part of a {@code BATCH} (its definition from the {@link ArchiveResolver}), the
 * {@link LogFollowerListener} for the others —, records at or above {@code upTo} stay for a later cut, and every
 * followed tenant is cut with {@code engine.cut(tenant, cutOffset + 1, cutInstant)}. Every node that follows the
 * partition so cuts the same generations with the same contents.
 *
 * <p><b>Joining a tenant.</b> {@link #follow(TenantId, long)} takes the tenant's loaded position <i>O</i>: the
 * store's {@code _log_position}, read in the same transaction as the live-window rows the caller has already passed
 * to {@code onCommit}. The follower ignores the tenant's records below <i>O</i> (they are in the loaded rows) and
 * cuts it from the first {@code CUT} whose {@code upTo} is at least <i>O</i>; earlier cuts are skipped for it. When
 * the follower has read past <i>O</i> already, it rewinds its one consumer to <i>O</i> and reads that stretch again:
 * the other tenants skip what they applied (their records below the greatest {@code upTo} applied, and the cuts
 * already applied), the joining tenant applies it. There is no second consumer: the stretch is short (<i>O</i> is the
 * writer's committed position, a publish interval or so behind the log's end), and one thread applies everything, so
 * the engine sees each tenant's log in order without coordination. Meanwhile the other tenants' cuts wait for the
 * stretch to be read again.
 *
 * <p><b>The buffer's bound.</b> Records wait in the buffer until a {@code CUT} covers them; while the partition's
 * writer stalls (a store that answers reads but refuses writes, so ingest goes on) the buffer would grow with the
 * log. Past {@link Builder#maxBufferBytes} (encoded bytes) the buffer is dropped and the follower only reads on,
 * applying cuts that do not reach what it dropped (their log time still moves). At the first {@code CUT} whose
 * {@code upTo} does, it seeks back to the first record it dropped and reads that stretch again; records below that
 * cut's {@code upTo} are applied as they are read (the cut is known, and lists what was rejected), then the cut
 * itself. Each tenant remembers the offset after the last record applied to it, so nothing is applied twice.
 *
 * <p><b>Records it cannot read</b> are counted, logged at WARN with {@code topic-partition@offset}, and skipped: the
 * partition's writer cannot read them either, rejects them, and the next {@code CUT} lists them.
 *
 * <p><b>Threads.</b> {@link #start()} starts one thread of its own that polls (each poll bounded by
 * {@link Builder#pollTimeout}), applies, and calls the engine and the listener; the engine's deliveries then run on
 * the subscribers' executors. {@link #follow}, {@link #unfollow}, {@link #status} and {@link #close} are
 * thread-safe; follows and unfollows take effect on the follower's thread before its next poll. A broker that goes
 * away is waited for (the consumer reconnects by itself; the status shows the position standing still). An offset the
 * log no longer holds (retention) ends the follower in {@code FAILED}.
 */
public final class LogFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
    /** The default of {@link Builder#maxBufferBytes}: 64 MiB. */
    public static final long DEFAULT_MAX_BUFFER_BYTES = 64L << 20;

    private final LogSettings settings;
    private final int partition;
    private final LiveEngine engine;
    private final ArchiveResolver resolver;
    private final LogFollowerListener listener;
    private final Duration pollTimeout;
    private final long maxBufferBytes;
    private final TopicPartition tp;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closing;
    private volatile FollowerStatus status;

    // Owned by the follower's thread.
    private final Map<TenantId, Follow> tenants = new LinkedHashMap<>();
    private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
    private long bufferedBytes;
    /** The offset of the first record dropped with the buffer, to be read again; -1 while none is dropped. */
    private long droppedFrom = -1;
    /** The cut that ends a stretch read again after a drop; null while none is read again. */
    private Resume resume;
    private long overflows;
    /** Set by {@link #seek}: the records of the current poll after the one handled are not to be handled. */
    private boolean sought;
    /** Tenants not followed whose record was handed to {@link LogFollowerListener#unfollowedTenant} already. */
    private final Set<TenantId> unfollowedSeen = new HashSet<>();
    private long next = -1;
    private long appliedUpTo;
    private long lastCut = -1;
    private Instant lastCutAt;
    private long undecodable;
    private FollowerStatus.State state = FollowerStatus.State.CREATED;

    private LogFollower(Builder b) {
        this.settings = b.settings;
        this.partition = b.partition;
        this.engine = b.engine;
        this.resolver = b.resolver;
        this.listener = b.listener;
        this.pollTimeout = b.pollTimeout;
        this.maxBufferBytes = b.maxBufferBytes;
        this.tp = new TopicPartition(settings.topic(), partition);
        this.consumer = new KafkaConsumer<>(config(settings, partition), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "tidemark-follow-" + tp);
        this.thread.setDaemon(true);
        this.status = snapshotStatus();
    }

    /**
     * A follower of {@code partition} of {@code settings.topic()} feeding {@code engine}, which must be in log-time
     * mode ({@code LiveEngine.builder().logTime(true)}).
     */
    public static Builder builder(LogSettings settings, int partition, LiveEngine engine, ArchiveResolver resolver) {
        return new Builder(settings, partition, engine, resolver);
    }

    /** The consumer's configuration: manual assignment, no group, no auto-commit; {@code cluster.kafka.*} first. */
    static Properties config(LogSettings s, int partition) {
        Properties p = new Properties();
        p.putAll(s.kafkaProperties());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "tidemark-" + s.nodeId() + "-follow-" + partition);
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(s.produceTimeout().toMillis()));
        p.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                Integer.toString(s.maxRecordBytes() + LogSettings.FRAMING_BYTES));
        return p;
    }

    /**
     * Starts the follower's thread.
     *
     * @throws IllegalStateException when started before or closed
     */
    public synchronized void start() {
        if (thread.getState() != Thread.State.NEW || closing) {
            throw new IllegalStateException("follower of " + tp + " was started before or is closed");
        }
        thread.start();
    }

    /**
     * Follows {@code tenant} from its loaded position {@code position} (<i>O</i>, see the class comment): the caller
     * has passed to {@code onCommit} the rows the store held at <i>O</i>. The returned future completes, on the
     * follower's thread, with the number of the tenant's first cut (the first {@code CUT} with {@code upTo ≥ O},
     * plus one); the tenant's first generation, and so its subscribers' first snapshot, is that number or a later one.
     *
     * @throws IllegalArgumentException when the tenant's records are in another partition, or {@code position < 0}
     */
    public CompletableFuture<Long> follow(TenantId tenant, long position) {
        Objects.requireNonNull(tenant, "tenant");
        int of = LogPartitions.of(tenant, settings.partitions());
        if (of != partition) {
            throw new IllegalArgumentException("tenant '" + tenant + "' is in partition " + of + " of "
                    + settings.topic() + ", not in partition " + partition + " which this follower reads");
        }
        if (position < 0) {
            throw new IllegalArgumentException("a log position is not negative: " + position);
        }
        CompletableFuture<Long> first = new CompletableFuture<>();
        requests.add(new Request(tenant, position, first));
        consumer.wakeup();
        return first;
    }

    /** Stops following {@code tenant}: its buffered records are dropped and it is cut no more. */
    public void unfollow(TenantId tenant) {
        requests.add(new Request(Objects.requireNonNull(tenant, "tenant"), -1, null));
        consumer.wakeup();
    }

    /** The state as of the follower's last poll (or start, follow, close). */
    public FollowerStatus status() {
        return status;
    }

    /**
     * Stops the thread and closes the consumer; waits at most the produce timeout ({@code cluster.produce-timeout})
     * for each. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        consumer.wakeup();
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(settings.produceTimeout());
            state = FollowerStatus.State.CLOSED;
            status = snapshotStatus();
            return;
        }
        try {
            thread.join(settings.produceTimeout().multipliedBy(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("follower of {} did not stop within {}", tp, settings.produceTimeout().multipliedBy(2));
        }
    }

    private void run() {
        state = FollowerStatus.State.FOLLOWING;
        try {
            consumer.assign(List.of(tp));
            while (!closing) {
                step();
                status = snapshotStatus();
            }
        } catch (RuntimeException e) {
            if (!closing) {
                fail(e);
            }
        } finally {
            try {
                consumer.close(settings.produceTimeout());
            } catch (RuntimeException e) {
                LOG.warn("closing the consumer of {}: {}", tp, e.toString());
            }
            if (state != FollowerStatus.State.FAILED) {
                state = FollowerStatus.State.CLOSED;
            }
            status = snapshotStatus();
        }
    }

    private void fail(RuntimeException e) {
        state = FollowerStatus.State.FAILED;
        LOG.error("follower of {} stopped at offset {}: {}", tp, next, e.toString(), e);
        try {
            listener.failed(partition, e);
        } catch (RuntimeException le) {
            LOG.warn("listener failed on the failure of {}", tp, le);
        }
        for (Follow f : tenants.values()) {
            f.first.completeExceptionally(e);
        }
    }

    private void step() {
        try {
            handleRequests();
            position();
            sought = false;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTimeout)) {
                handle(r);
                if (sought) {
                    break; // the rest of this poll lies past the new position: read again from there
                }
            }
        } catch (WakeupException e) {
            // a follow, an unfollow or the close: handled at the top of the next step
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // The broker did not answer the positioning in time (it is down): waited for, as a poll waits.
            LOG.warn("follower of {}: the broker did not answer in time ({}); trying again", tp, e.getMessage());
        }
    }

    /** Positions the consumer once: at the lowest position of the tenants followed, or at the end when there are none. */
    private void position() {
        if (next >= 0) {
            return;
        }
        OptionalLong from = tenants.values().stream().mapToLong(f -> f.applyFrom).min();
        if (from.isPresent()) {
            seek(from.getAsLong());
            return;
        }
        consumer.seekToEnd(List.of(tp));
        next = consumer.position(tp);
    }

    private void seek(long offset) {
        consumer.seek(tp, offset);
        next = offset;
        sought = true;
    }

    private void handleRequests() {
        Request r;
        while ((r = requests.poll()) != null) {
            if (r.first == null) {
                drop(r.tenant);
            } else {
                join(r);
            }
        }
    }

    private void drop(TenantId tenant) {
        Follow f = tenants.remove(tenant);
        if (f == null) {
            return;
        }
        buffer.removeIf(p -> p.tenant.equals(tenant));
        recount();
        f.first.cancel(false);
    }

    private void join(Request r) {
        if (tenants.containsKey(r.tenant)) {
            r.first.completeExceptionally(new IllegalStateException("tenant '" + r.tenant
                    + "' is followed already on " + tp + ": unfollow it first"));
            return;
        }
        if (droppedFrom >= 0 || resume != null) {
            // Reading on past a dropped buffer, or reading it again: start over from what is not applied yet.
            long from = droppedFrom >= 0 ? droppedFrom : resume.from;
            droppedFrom = -1;
            resume = null;
            rewind(Math.min(from, r.position));
        } else if (next >= 0 && r.position < next) {
            rewind(r.position);
        }
        tenants.put(r.tenant, new Follow(r.position, -1, r.first));
        LOG.info("following tenant '{}' on {} from offset {} (reading at {})", r.tenant, tp, r.position, next);
    }

    /**
     * Reads from {@code offset} again for a joining tenant. The tenants followed already keep what they applied:
     * their records below the greatest {@code upTo} applied are skipped, and so are the cuts up to the last one
     * applied. Buffered records at or above {@code offset} are read again, so they leave the buffer.
     */
    private void rewind(long offset) {
        for (Follow f : tenants.values()) {
            f.applyFrom = Math.max(f.applyFrom, appliedUpTo);
            f.cutAfter = Math.max(f.cutAfter, lastCut);
        }
        buffer.removeIf(p -> p.offset >= offset);
        recount();
        LOG.info("rewinding {} from {} to {} for a joining tenant", tp, next, offset);
        seek(offset);
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        next = r.offset() + 1;
        LogRecord record;
        TenantId tenant = null;
        try {
            record = LogCodec.decode(r);
            if (!(record instanceof LogRecord.Cut)) {
                tenant = tenantOf(r);
            }
        } catch (LogFormatException e) {
            skip(r.offset(), e);
            return;
        }
        if (record instanceof LogRecord.Cut cut) {
            onCut(r.offset(), cut);
            return;
        }
        Follow f = tenants.get(tenant);
        if (f == null) {
            unfollowed(tenant, r.offset());
            return;
        }
        if (r.offset() < f.applyFrom) {
            return;
        }
        Pending p = new Pending(r.offset(), tenant, record, Math.max(0, r.serializedValueSize()));
        // Below appliedUpTo only a joining tenant's records are read again: they wait for the cuts read again.
        if (resume != null && r.offset() >= appliedUpTo && r.offset() < resume.upTo) {
            if (!resume.rejected.contains(r.offset())) {
                apply(p); // read again after a drop: its cut is known to cover it
            }
            return;
        }
        if (droppedFrom >= 0) {
            return; // read again after the next cut that reaches it
        }
        buffer.add(p);
        bufferedBytes += p.bytes;
        if (bufferedBytes > maxBufferBytes) {
            overflow();
        }
    }

    private void unfollowed(TenantId tenant, long offset) {
        if (!unfollowedSeen.add(tenant)) {
            return;
        }
        try {
            listener.unfollowedTenant(partition, tenant, offset);
        } catch (RuntimeException le) {
            LOG.warn("listener failed on a record of the unfollowed tenant '{}' at {}@{}", tenant, tp, offset, le);
        }
    }

    /** Drops the buffer, past its bound: its records are read again once a cut reaches them. */
    private void overflow() {
        droppedFrom = buffer.peekFirst().offset;
        resume = null; // a stretch read again that overflows too is read again from its first buffered record
        overflows++;
        LOG.warn("the buffer of {} holds {} bytes of records no cut has reached yet, past its bound of {} (is the "
                + "partition's writer stalled?): dropped; read again from offset {} after the next cut that reaches "
                + "it ({} drops so far)", tp, bufferedBytes, maxBufferBytes, droppedFrom, overflows);
        buffer.clear();
        bufferedBytes = 0;
    }

    private void onCut(long offset, LogRecord.Cut cut) {
        if (resume != null && offset == resume.offset) {
            resume = null; // the stretch is read again and applied: the cut itself now
        } else if (droppedFrom >= 0 && cut.upTo() > droppedFrom) {
            resume = new Resume(droppedFrom, offset, cut.upTo(), Set.copyOf(cut.rejected()));
            LOG.info("{}: the cut at {} reaches the dropped records; reading them again from {}", tp, offset,
                    droppedFrom);
            droppedFrom = -1;
            seek(resume.from);
            return;
        }
        applyCut(offset, cut);
    }

    private void recount() {
        long bytes = 0;
        for (Pending p : buffer) {
            bytes += p.bytes;
        }
        bufferedBytes = bytes;
    }

    private TenantId tenantOf(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            throw new LogFormatException(tp + "@" + r.offset(), "a tenant's record without a key");
        }
        try {
            return TenantId.of(new String(r.key(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | TidemarkException e) {
            throw new LogFormatException(tp + "@" + r.offset(), "the key is not a tenant id: " + e.getMessage(), e);
        }
    }

    private void skip(long offset, LogFormatException e) {
        undecodable++;
        LOG.warn("skipped an unreadable record ({} so far on {}): {}", undecodable, tp, e.getMessage());
        try {
            listener.undecodable(partition, offset, e);
        } catch (RuntimeException le) {
            LOG.warn("listener failed on an unreadable record of {}", tp, le);
        }
    }

    private void applyCut(long offset, LogRecord.Cut cut) {
        Set<Long> rejected = new HashSet<>(cut.rejected());
        while (!buffer.isEmpty() && buffer.peekFirst().offset < cut.upTo()) {
            Pending p = buffer.pollFirst();
            bufferedBytes -= p.bytes;
            if (!rejected.contains(p.offset)) {
                apply(p);
            }
        }
        appliedUpTo = Math.max(appliedUpTo, cut.upTo());
        for (Map.Entry<TenantId, Follow> e : tenants.entrySet()) {
            cutTenant(e.getKey(), e.getValue(), offset, cut);
        }
        if (offset <= lastCut) {
            return; // read again for a joining tenant: applied and announced before
        }
        lastCut = offset;
        lastCutAt = cut.cutAt();
        try {
            listener.cut(partition, offset, cut);
        } catch (RuntimeException le) {
            LOG.warn("listener failed on the cut at {}@{}", tp, offset, le);
        }
    }

    private void cutTenant(TenantId tenant, Follow f, long offset, LogRecord.Cut cut) {
        if (offset <= f.cutAfter) {
            return;
        }
        if (!f.started && cut.upTo() < f.applyFrom) {
            return;
        }
        try {
            engine.cut(tenant, offset + 1, cut.cutAt());
        } catch (TidemarkException e) {
            LOG.error("tenant '{}': the cut at {}@{} was refused: {}", tenant, tp, offset, e.getMessage());
        }
        f.cutAfter = offset;
        if (!f.started) {
            f.started = true;
            f.first.complete(offset + 1);
        }
    }

    private void apply(Pending p) {
        Follow f = tenants.get(p.tenant);
        if (f == null || p.offset < f.applyFrom) {
            return;
        }
        f.applyFrom = p.offset + 1; // never applied twice, whatever is read again
        try {
            if (p.record instanceof LogRecord.Batch b) {
                applyBatch(p, b);
            } else if (p.record instanceof LogRecord.Rollup r) {
                listener.rollup(p.tenant, p.offset, r);
            } else if (p.record instanceof LogRecord.Archive a) {
                listener.archive(p.tenant, p.offset, a);
            }
        } catch (LogFormatException e) {
            skip(p.offset, e);
        } catch (RuntimeException e) {
            LOG.error("tenant '{}': the record at {}@{} could not be applied: {}", p.tenant, tp, p.offset,
                    e.toString(), e);
        }
    }

    private void applyBatch(Pending p, LogRecord.Batch b) {
        for (BatchPart part : b.parts()) {
            ArchiveDefinition def = resolver.resolve(p.tenant, part.archive(), part.version());
            if (def == null) {
                LOG.warn("tenant '{}': archive '{}' version {} of the record at {}@{} is unknown; its {} rows are not"
                        + " live", p.tenant, part.archive(), part.version(), tp, p.offset, part.rowCount());
                continue;
            }
            engine.onCommit(p.tenant, part.rows(def));
        }
    }

    private FollowerStatus snapshotStatus() {
        long lag = -1;
        if (next >= 0 && state == FollowerStatus.State.FOLLOWING) {
            OptionalLong l = consumer.currentLag(tp);
            lag = l.isPresent() ? l.getAsLong() : -1;
        }
        return new FollowerStatus(partition, state, next, lag, lastCut, lastCutAt, Set.copyOf(tenants.keySet()),
                buffer.size(), bufferedBytes, overflows, undecodable);
    }

    /** A tenant followed: records below {@code applyFrom} and cuts at or below {@code cutAfter} are not for it. */
    private static final class Follow {
        long applyFrom;
        long cutAfter;
        boolean started;
        final CompletableFuture<Long> first;

        Follow(long applyFrom, long cutAfter, CompletableFuture<Long> first) {
            this.applyFrom = applyFrom;
            this.cutAfter = cutAfter;
            this.first = first;
        }
    }

    private record Pending(long offset, TenantId tenant, LogRecord record, int bytes) {}

    /** A stretch read again after a drop: from {@code from} up to the cut at {@code offset}. */
    private record Resume(long from, long offset, long upTo, Set<Long> rejected) {}

    /** A follow ({@code first} set) or an unfollow ({@code first} null). */
    private record Request(TenantId tenant, long position, CompletableFuture<Long> first) {}

    /** Builds a {@link LogFollower}. Not thread-safe. */
    public static final class Builder {
        private final LogSettings settings;
        private final int partition;
        private final LiveEngine engine;
        private final ArchiveResolver resolver;
        private LogFollowerListener listener = new LogFollowerListener() {};
        private Duration pollTimeout = Duration.ofMillis(200);
        private long maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;

        private Builder(LogSettings settings, int partition, LiveEngine engine, ArchiveResolver resolver) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.engine = Objects.requireNonNull(engine, "engine");
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            if (partition < 0 || partition >= settings.partitions()) {
                throw new IllegalArgumentException("partition " + partition + " is not one of the "
                        + settings.partitions() + " partitions of " + settings.topic());
            }
            this.partition = partition;
        }

        /** Receives {@code ROLLUP}, {@code ARCHIVE}, cuts, unreadable records and failures; default none. */
        public Builder listener(LogFollowerListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The bound of one poll, and so how long a follow, an unfollow or a close may wait for the thread at most
         * when the consumer does not wake up at once; default 200 ms.
         */
        public Builder pollTimeout(Duration pollTimeout) {
            if (pollTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("the poll timeout must be at least 1 ms, not " + pollTimeout);
            }
            this.pollTimeout = pollTimeout;
            return this;
        }

        /**
         * The most encoded bytes of records waiting for a cut before the buffer is dropped, to be read again from
         * the log after the next cut that reaches them (see the class comment); default
         * {@value #DEFAULT_MAX_BUFFER_BYTES} (64 MiB). At least 1.
         */
        public Builder maxBufferBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("the follower's buffer bound must be at least 1 byte, not " + bytes);
            }
            this.maxBufferBytes = bytes;
            return this;
        }

        /** The follower, not started; it opens its consumer (which connects lazily). */
        public LogFollower build() {
            return new LogFollower(this);
        }
    }
}
