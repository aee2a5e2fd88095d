package io.tidemark.cluster;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.LogBatch;
import io.tidemark.store.LogPosition;
import io.tidemark.store.LogRejectReason;
import io.tidemark.store.LogRejection;
import io.tidemark.store.LogWrite;
import io.tidemark.store.LogWriteResult;
import io.tidemark.store.LogWriterStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One owned partition's records between polls and their writes to the store: records are decoded as they arrive and
 * grouped by tenant in log order; {@link #write()} writes each tenant's pending records in transactions of at most
 * the configured samples, fenced by the tenant's position (records below it are skipped, a {@code Moved} answer
 * re-reads it and goes on). A tenant whose records are committed leaves the pending set, so a retry after a store
 * failure goes on with the tenants not yet written. Not thread-safe: the writer's thread only.
 */
final class PartitionWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);

    /** A {@code BATCH} record of a tenant, or one the writer could not read (then {@code unreadable} says why). */
    private record Entry(long offset, LogRecord.Batch batch, String unreadable) {
        int samples() {
            return batch == null ? 0 : batch.parts().stream().mapToInt(BatchPart::rowCount).sum();
        }
    }

    final int partition;
    private final WriterContext ctx;
    private final Map<TenantId, List<Entry>> pending = new LinkedHashMap<>();
    private final Map<TenantId, LogPosition> positions = new HashMap<>();
    /** The offset after the last record handed to {@link #add}; -1 before the first. */
    private long pendingEnd = -1;
    /** Every record below this offset is committed, rejected or passed over; -1 while unknown. */
    long upTo = -1;
    /** The end offset seen at assignment (cuts start once {@link #upTo} reaches it); -1 while unknown. */
    long catchUpTo = -1;
    boolean caughtUp;
    boolean committedSinceCut;
    final TreeSet<Long> rejectedSinceCut = new TreeSet<>();
    long lastCutNanos;
    long nextCutAttemptNanos;
    long lastCutOffset = -1;
    java.time.Instant stalledSince;
    /** The greatest instant of the partition's cuts read or appended; null while none is known. */
    java.time.Instant lastCutAt;
    /** Whether the committed offset's metadata was read for {@link #lastCutAt}. */
    boolean seeded;
    private long retryAtNanos;
    private long backoffNanos;

    PartitionWriter(int partition, WriterContext ctx, long nowNanos) {
        this.partition = partition;
        this.ctx = ctx;
        this.lastCutNanos = nowNanos;
        this.backoffNanos = ctx.settings().firstBackoff().toNanos();
    }

    /** Takes a fetched record of this partition (in offset order). */
    void add(ConsumerRecord<byte[], byte[]> r) {
        pendingEnd = r.offset() + 1;
        LogRecord decoded;
        try {
            decoded = LogCodec.decode(r);
        } catch (LogFormatException e) {
            unreadable(r, e.getMessage());
            return;
        }
        if (decoded instanceof LogRecord.Cut c) {
            cutRead(c.cutAt());
            return;
        }
        if (!(decoded instanceof LogRecord.Batch b)) {
            return; // ROLLUP, ARCHIVE: passed over
        }
        TenantId tenant = tenant(r);
        if (tenant == null) {
            skipped(r.offset(), "a BATCH record without a readable tenant key");
            return;
        }
        pending.computeIfAbsent(tenant, t -> new ArrayList<>()).add(new Entry(r.offset(), b, null));
    }

    private void unreadable(ConsumerRecord<byte[], byte[]> r, String why) {
        TenantId tenant = tenant(r);
        LOG.warn("log record {}-{}@{} is unreadable and skipped{}: {}", r.topic(), r.partition(), r.offset(),
                tenant == null ? " (no readable tenant key)" : " (recorded as rejected for tenant '" + tenant + "')",
                why);
        if (tenant == null) {
            skipped(r.offset(), why);
            return;
        }
        pending.computeIfAbsent(tenant, t -> new ArrayList<>()).add(new Entry(r.offset(), null, why));
    }

    private void skipped(long offset, String why) {
        ctx.counters().skipped++;
        rejectedSinceCut.add(offset);
        LOG.warn("log record {}-{}@{} skipped: {}", ctx.topic(), partition, offset, why);
    }

    private static TenantId tenant(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return null;
        }
        try {
            return TenantId.of(new String(r.key(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A cut instant of the partition, read from the log or from the committed offset's metadata. */
    void cutRead(java.time.Instant at) {
        if (at != null && (lastCutAt == null || at.isAfter(lastCutAt))) {
            lastCutAt = at;
        }
    }

    /** The offset after the last record fetched; -1 before the first. */
    long pendingEnd() {
        return pendingEnd;
    }

    /** Whether records wait to be written (then the partition is paused until they are). */
    boolean hasPending() {
        return pendingEnd > Math.max(upTo, 0) || !pending.isEmpty();
    }

    /** Whether a write is due: records pending, and not waiting out a backoff. */
    boolean due(long nowNanos) {
        return hasPending() && (stalledSince == null || nowNanos - retryAtNanos >= 0);
    }

    /**
     * Writes every pending record. On success {@link #upTo} moves past them and the answer is true; a store failure
     * stalls the partition (backoff doubling up to the configured maximum) and answers false: nothing is skipped,
     * the next call goes on where this one stopped.
     */
    boolean write(long nowNanos) {
        try {
            List<TenantId> tenants = new ArrayList<>(pending.keySet());
            for (TenantId t : tenants) {
                writeTenant(t, pending.get(t));
                pending.remove(t);
            }
        } catch (RuntimeException e) {
            stall(nowNanos, e);
            return false;
        }
        if (stalledSince != null) {
            LOG.info("log partition {}-{} resumed after a stall since {}", ctx.topic(), partition, stalledSince);
            stalledSince = null;
            backoffNanos = ctx.settings().firstBackoff().toNanos();
            ctx.listen(l -> l.resumed(partition));
        }
        upTo = Math.max(upTo, pendingEnd);
        return true;
    }

    private void stall(long nowNanos, RuntimeException e) {
        boolean first = stalledSince == null;
        if (first) {
            stalledSince = ctx.clock().instant();
            LOG.warn("log partition {}-{} stalled: the store refused a write ({}); retrying, nothing is skipped",
                    ctx.topic(), partition, e.toString());
            ctx.listen(l -> l.stalled(partition, e));
        } else {
            LOG.debug("log partition {}-{} still stalled", ctx.topic(), partition, e);
        }
        retryAtNanos = nowNanos + backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, ctx.settings().maxBackoff().toNanos());
    }

    private void writeTenant(TenantId tenant, List<Entry> entries) {
        LogPosition pos = position(tenant);
        List<Entry> left = from(entries, pos.nextOffset());
        while (!left.isEmpty()) {
            int n = chunk(left);
            List<Entry> chunk = left.subList(0, n);
            long end = chunk.get(n - 1).offset() + 1;
            LogWriteResult r = ctx.store().write(toWrite(tenant, pos.nextOffset(), end, chunk));
            if (r instanceof LogWriteResult.Moved m) {
                ctx.counters().moved++;
                pos = m.current();
                positions.put(tenant, pos);
                left = from(left, pos.nextOffset());
                continue;
            }
            LogWriteResult.Written w = (LogWriteResult.Written) r;
            written(tenant, pos.nextOffset(), n, w);
            pos = w.position();
            positions.put(tenant, pos);
            left = left.subList(n, left.size());
        }
    }

    private void written(TenantId tenant, long from, int records, LogWriteResult.Written w) {
        WriterContext.Counters c = ctx.counters();
        c.records += records;
        c.samples += w.samples();
        for (LogRejection rej : w.rejected()) {
            c.rejected.merge(rej.reason(), 1L, Long::sum);
            rejectedSinceCut.add(rej.offset());
            LOG.warn("log record {}-{}@{} of tenant '{}' rejected ({}): {}", ctx.topic(), partition, rej.offset(),
                    tenant, rej.reason().label(), rej.detail());
        }
        committedSinceCut = true;
        long to = w.position().nextOffset();
        ctx.listen(l -> l.written(tenant, partition, from, to, w.samples(), w.rejected().size()));
    }

    private LogPosition position(TenantId tenant) {
        LogPosition p = positions.get(tenant);
        if (p != null) {
            return p;
        }
        p = ctx.store().position(tenant);
        if (!p.ownedBy(partition)) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "tenant '" + tenant + "' is at offset "
                    + p.nextOffset() + " of log partition " + p.partition() + ", but its records are in partition "
                    + partition + ": the ingest topic's partition count changed; restore it");
        }
        positions.put(tenant, p);
        return p;
    }

    private static List<Entry> from(List<Entry> entries, long offset) {
        int i = 0;
        while (i < entries.size() && entries.get(i).offset() < offset) {
            i++;
        }
        return entries.subList(i, entries.size());
    }

    /** How many leading entries make one transaction: at most the configured samples, at least one record. */
    private int chunk(List<Entry> entries) {
        int max = ctx.settings().maxSamplesPerTransaction();
        int samples = entries.get(0).samples();
        int n = 1;
        while (n < entries.size() && samples + entries.get(n).samples() <= max) {
            samples += entries.get(n).samples();
            n++;
        }
        return n;
    }

    private LogWrite toWrite(TenantId tenant, long expected, long end, List<Entry> chunk) {
        List<LogBatch> batches = new ArrayList<>();
        List<LogRejection> rejections = new ArrayList<>();
        for (Entry e : chunk) {
            if (e.batch() == null) {
                rejections.add(new LogRejection(e.offset(), "", LogRejectReason.UNREADABLE, 0, null, null,
                        e.unreadable()));
                continue;
            }
            LogRejection refused = resolve(tenant, e, batches);
            if (refused != null) {
                rejections.add(refused);
            }
        }
        return new LogWrite(tenant, partition, expected, end, batches, rejections);
    }

    /**
     * Adds the record's parts to {@code batches}, or answers why the writer refuses the record: a part whose archive
     * version is gone, or whose rows do not decode with it. A record is refused whole (its parts are one request).
     */
    private LogRejection resolve(TenantId tenant, Entry e, List<LogBatch> batches) {
        List<LogBatch> parts = new ArrayList<>(e.batch().parts().size());
        for (BatchPart p : e.batch().parts()) {
            Definitions.Resolved d = ctx.definitions().resolve(tenant, p.archive(), p.version());
            if (d.definition() == null) {
                return new LogRejection(e.offset(), p.archive(), d.refused(), e.samples(), null, null, d.detail());
            }
            SampleBatch rows;
            try {
                rows = p.rows(d.definition());
            } catch (LogFormatException ex) {
                LOG.warn("{}", ex.getMessage());
                return new LogRejection(e.offset(), p.archive(), LogRejectReason.UNREADABLE, e.samples(), null, null,
                        ex.getMessage());
            }
            parts.add(new LogBatch(e.offset(), rows, p.version(), e.batch().acceptedAt()));
        }
        batches.addAll(parts);
        return null;
    }

    /** Forgets what the partition held (it was revoked). */
    void forget() {
        for (TenantId t : positions.keySet()) {
            ctx.definitions().forget(t);
        }
        positions.clear();
        pending.clear();
    }
}
