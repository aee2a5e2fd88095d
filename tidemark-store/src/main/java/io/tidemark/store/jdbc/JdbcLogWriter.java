package io.tidemark.store.jdbc;

import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.LogBatch;
import io.tidemark.store.LogPosition;
import io.tidemark.store.LogRejectReason;
import io.tidemark.store.LogRejection;
import io.tidemark.store.LogWrite;
import io.tidemark.store.LogWriteResult;
import io.tidemark.store.LogWriterStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The log writer's transactions (see {@link LogWriterStore}): the compare-and-set on the tenant's position first, then
 * the checks of each batch against its archive as the transaction reads it, the write of the accepted ones through
 * {@link JdbcArchiveStore}'s write path, and the rejections, all in one transaction.
 */
final class JdbcLogWriter implements LogWriterStore {
    /** The actor of {@code LOG_REJECTED} entries. */
    static final String ACTOR = "log writer";

    private final JdbcStore store;
    private final Catalog catalog;
    private final JdbcArchiveStore archives;
    private final SqlDialect d;

    JdbcLogWriter(JdbcStore store, Catalog catalog, JdbcArchiveStore archives) {
        this.store = store;
        this.catalog = catalog;
        this.archives = archives;
        this.d = store.dialect();
    }

    @Override
    public LogPosition position(TenantId tenant) {
        return store.readSnapshot("read the log position of " + tenant, c -> {
            catalog.requireTenant(c, tenant);
            return read(c, tenant);
        });
    }

    @Override
    public io.tidemark.store.LogJoin join(TenantId tenant,
            java.util.function.Function<ArchiveInfo, java.time.Instant> floor, int maxRowsPerArchive) {
        java.time.Instant end = io.tidemark.core.BatchLimits.DEFAULT.maxTimestamp().minusSeconds(1);
        return store.readSnapshot("read what joining the log of " + tenant + " needs", c -> {
            catalog.requireTenant(c, tenant);
            LogPosition position = read(c, tenant);
            List<ArchiveInfo> all = catalog.archives(c, tenant, null);
            java.util.Map<String, List<io.tidemark.core.Sample>> rows = new java.util.LinkedHashMap<>();
            for (ArchiveInfo a : all) {
                java.time.Instant from = floor.apply(a);
                if (from != null) {
                    List<io.tidemark.core.Sample> r = new ArrayList<>(archives.latestBefore(c, tenant,
                            a.definition(), from, maxRowsPerArchive));
                    r.addAll(archives.read(c, tenant, a.definition(), new io.tidemark.store.ReadRequest(a.name(),
                            List.of(), from, end, maxRowsPerArchive)));
                    rows.put(a.name(), r);
                }
            }
            return new io.tidemark.store.LogJoin(position, all, rows);
        });
    }

    private LogPosition read(Connection c, TenantId tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.selectLogPosition(tenant));
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "tenant '" + tenant + "' has no log position "
                        + "row; open the store with this version of Tidemark to migrate it");
            }
            return new LogPosition(rs.getInt(1), rs.getLong(2));
        }
    }

    @Override
    public LogWriteResult write(LogWrite w) {
        String what = "log write of " + w.tenant() + " [" + w.expectedOffset() + ", " + w.endOffset() + ") of "
                + "partition " + w.partition();
        try {
            return archives.runWrite(what, (c, compare) -> writeInTransaction(c, w, compare));
        } catch (Fenced moved) {
            return new LogWriteResult.Moved(moved.current);
        }
    }

    /** Rolls the transaction back when the compare-and-set matched nothing; carries the position found. */
    private static final class Fenced extends RuntimeException {
        final LogPosition current;

        Fenced(LogPosition current) {
            super(null, null, false, false);
            this.current = current;
        }
    }

    private LogWriteResult writeInTransaction(Connection c, LogWrite w, boolean compare) throws SQLException {
        TenantId tenant = w.tenant();
        catalog.requireTenant(c, tenant);
        if (!compareAndSet(c, w)) {
            LogPosition current = read(c, tenant);
            if (!current.ownedBy(w.partition())) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "tenant '" + tenant + "' is at offset "
                        + current.nextOffset() + " of log partition " + current.partition() + ", not of partition "
                        + w.partition() + ": the ingest topic's partition count changed; restore it");
            }
            throw new Fenced(current);
        }
        Instant now = store.clock().instant();
        List<LogRejection> rejected = new ArrayList<>(w.rejections());
        Map<String, List<LogBatch>> byArchive = new LinkedHashMap<>();
        Map<String, Optional<ArchiveInfo>> read = new HashMap<>();
        Map<Long, List<LogBatch>> records = new LinkedHashMap<>();
        for (LogBatch b : w.batches()) {
            records.computeIfAbsent(b.offset(), k -> new ArrayList<>()).add(b);
        }
        for (List<LogBatch> parts : records.values()) {
            LogRejection refused = null;
            for (LogBatch b : parts) {
                Optional<ArchiveInfo> a = read.get(b.archive());
                if (a == null) {
                    a = catalog.archive(c, tenant, b.archive());
                    read.put(b.archive(), a);
                }
                refused = check(a, b, now);
                if (refused != null) {
                    break;
                }
            }
            if (refused != null) {
                rejected.add(parts.size() == 1 ? refused : whole(refused, parts));
                continue;
            }
            for (LogBatch b : parts) {
                if (b.batch().size() > 0) {
                    byArchive.computeIfAbsent(b.archive(), k -> new ArrayList<>()).add(b);
                }
            }
        }
        List<JdbcArchiveStore.ArchiveWrite> writes = new ArrayList<>(byArchive.size());
        for (List<LogBatch> same : byArchive.values()) {
            ArchiveInfo a = read.get(same.get(0).archive()).orElseThrow();
            Instant earliest = same.stream().map(LogBatch::acceptedAt).min(Comparator.naturalOrder()).orElseThrow();
            writes.add(new JdbcArchiveStore.ArchiveWrite(a,
                    SampleBatch.concat(same.stream().map(LogBatch::batch).toList()), earliest));
        }
        int samples = archives.writeAll(c, tenant, writes, compare);
        rejected.sort(Comparator.comparingLong(LogRejection::offset));
        for (LogRejection r : rejected) {
            record(c, tenant, r, now);
        }
        return new LogWriteResult.Written(new LogPosition(w.partition(), w.endOffset()), samples, rejected);
    }

    private boolean compareAndSet(Connection c, LogWrite w) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.compareAndSetLogPosition(w.tenant()))) {
            ps.setInt(1, w.partition());
            ps.setLong(2, w.endOffset());
            ps.setInt(3, w.partition());
            ps.setInt(4, LogPosition.NO_PARTITION);
            ps.setLong(5, w.expectedOffset());
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Whether the archive as this transaction reads it still takes the batch: it exists, is the definition version
     * the batch was validated against, is ACTIVATED and raw, and keeps every sample (the retention horizon by the
     * store's clock: the store never stores a sample the next retention round would delete).
     *
     * @return the rejection, or null when the batch is to be written
     */
    private static LogRejection check(Optional<ArchiveInfo> archive, LogBatch b, Instant now) {
        if (archive.isEmpty()) {
            return rejection(b, LogRejectReason.NOT_FOUND, "archive '" + b.archive() + "' was deleted");
        }
        ArchiveInfo a = archive.get();
        if (a.version() != b.archiveVersion() || !a.definition().equals(b.batch().archive())) {
            return rejection(b, LogRejectReason.RECREATED, "archive '" + b.archive() + "' is definition version "
                    + a.version() + ", the batch was validated against version " + b.archiveVersion());
        }
        if (a.status() != ArchiveStatus.ACTIVATED || a.definition().isRollup()) {
            return rejection(b, LogRejectReason.NOT_ACTIVATED, "archive '" + b.archive() + "' is " + a.status());
        }
        Instant horizon = a.retentionHorizon(now);
        if (horizon != null && b.batch().size() > 0 && b.batch().minMicros() < Micros.toMicros(horizon)) {
            return rejection(b, LogRejectReason.RETENTION, "samples from " + Micros.fromMicros(b.batch().minMicros())
                    + " are older than the archive's retention " + a.retention() + " (horizon " + horizon + ")");
        }
        return null;
    }

    /**
     * The rejection of a record of several parts (one request over several archives), refused whole because of
     * {@code part}'s refusal: its samples and time range are the record's.
     */
    private static LogRejection whole(LogRejection part, List<LogBatch> parts) {
        int samples = 0;
        Instant from = null;
        Instant to = null;
        for (LogBatch b : parts) {
            LogRejection r = rejection(b, part.reason(), part.detail());
            samples += r.samples();
            from = r.from() == null || (from != null && from.isBefore(r.from())) ? from : r.from();
            to = r.to() == null || (to != null && to.isAfter(r.to())) ? to : r.to();
        }
        return new LogRejection(part.offset(), part.archive(), part.reason(), samples, from, to, part.detail()
                + "; the record's " + parts.size() + " parts (one request) are refused together");
    }

    private static LogRejection rejection(LogBatch b, LogRejectReason reason, String detail) {
        SampleBatch batch = b.batch();
        if (batch.size() == 0) {
            return new LogRejection(b.offset(), b.archive(), reason, 0, null, null, detail);
        }
        long max = Long.MIN_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            max = Math.max(max, batch.micros(i));
        }
        return new LogRejection(b.offset(), b.archive(), reason, batch.size(), Micros.fromMicros(batch.minMicros()),
                Micros.fromMicros(max), detail);
    }

    /** The rejection's row and its audit entry, in the caller's transaction. */
    private void record(Connection c, TenantId tenant, LogRejection r, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.insertLogRejection(tenant))) {
            ps.setLong(1, r.offset());
            ps.setString(2, r.archive());
            ps.setString(3, r.reason().label());
            ps.setInt(4, r.samples());
            Jdbc.setInstant(ps, 5, r.from());
            Jdbc.setInstant(ps, 6, r.to());
            Jdbc.setInstant(ps, 7, now);
            ps.setString(8, r.detail());
            ps.executeUpdate();
        }
        store.auditTrail().append(c, AuditEntry.of(tenant, now, AuditKind.LOG_REJECTED, r.archive(), ACTOR,
                "log record at offset " + r.offset() + " refused (" + r.reason().label() + "): " + r.samples()
                + " samples" + (r.from() == null ? "" : ", timestamps [" + r.from() + ", " + r.to() + "]") + "; "
                + r.detail()));
    }

    @Override
    public List<LogRejection> rejections(TenantId tenant, long fromOffset, int limit) {
        return store.readSnapshot("read the log rejections of " + tenant, c -> {
            catalog.requireTenant(c, tenant);
            List<LogRejection> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(d.selectLogRejections(tenant))) {
                ps.setLong(1, fromOffset);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LogRejection(rs.getLong(1), rs.getString(2),
                                LogRejectReason.ofLabel(rs.getString(3)), rs.getInt(4), Jdbc.getInstant(rs, 5),
                                Jdbc.getInstant(rs, 6), rs.getString(8)));
                    }
                }
            }
            return out;
        });
    }
}
