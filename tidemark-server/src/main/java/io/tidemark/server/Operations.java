package io.tidemark.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import io.tidemark.rollup.OrchestratorHost;
import io.tidemark.rollup.Retention;
import io.tidemark.rollup.RetentionStatus;
import io.tidemark.rollup.RollupAdmin;
import io.tidemark.live.QuerySchema;
import io.tidemark.server.auth.Caller;
import io.tidemark.cluster.LogRecord.Archive.Change;
import io.tidemark.server.cluster.ClusterNode;
import io.tidemark.server.live.LiveHub;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.ArchiveStats;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.AuditQuery;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import io.tidemark.core.ArchiveStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every operation the APIs offer, checked against the caller's role and confined to the caller's tenant. The HTTP,
 * GraphQL and WebSocket adapters only translate; the rules live here, so every adapter enforces the same
 * ones. Another tenant's objects are {@code NOT_FOUND}, exactly like missing ones. Thread-safe.
 */
public final class Operations {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Operations.class);
    private final Store store;
    private final OrchestratorHost host;
    private final Clock clock;
    private final ServerConfig config;
    private final MeterRegistry meters;
    private final LiveHub live;
    /** The log in cluster mode; null in single-node mode. */
    private final ClusterNode cluster;
    /** Held while line-protocol ingest creates and activates an archive (see {@link #lineArchive}). */
    private final Object autoCreating = new Object();
    private static final String INGEST_BATCHES = "tidemark.ingest.batches";
    private static final String EXPORT_REQUESTS = "tidemark.export.requests";
    /** Cluster mode: appends of ingest requests to the log, by {@code result}. */
    private static final String CLUSTER_PRODUCE = "tidemark.cluster.produce";

    Operations(Store store, OrchestratorHost host, Clock clock, ServerConfig config, MeterRegistry meters,
            LiveHub live, ClusterNode cluster) {
        this.store = store;
        this.host = host;
        this.clock = clock;
        this.config = config;
        this.meters = meters;
        this.live = live;
        this.cluster = cluster;
    }

    /** A rollup row or a raw row as a reader sees it: AVG computed from its partials, FIRST / LAST without times. */
    public record DataRow(Instant timestamp, String rtId, Map<String, Object> values) {}

    /** One page of the audit trail; {@code nextBefore} is the cursor of the next page, 0 when this is the last. */
    public record AuditPage(List<AuditEntry> entries, long nextBefore) {}

    public ServerConfig config() {
        return config;
    }

    // ---- archives ---------------------------------------------------------------------------------------------

    public List<ArchiveInfo> archives(Caller c) {
        c.require(Role.READER, "list archives");
        return store.archives().archives(c.tenant());
    }

    public ArchiveInfo archive(Caller c, String name) {
        c.require(Role.READER, "describe archives");
        return store.archives().requireArchive(c.tenant(), name);
    }

    public ArchiveInfo createArchive(Caller c, ArchiveDefinition def) {
        c.require(Role.ADMIN, "create archives");
        ArchiveInfo a = store.archives().createArchive(c.tenant(), def);
        live.archiveCreated(c.tenant(), a);
        archiveChanged(c, a, Change.CREATED);
        audit(c, AuditKind.ARCHIVE_CREATED, def.name(), "created with columns " + def.columns().stream()
                .map(col -> col.name() + " " + col.type()).collect(java.util.stream.Collectors.joining(", ")));
        return a;
    }

    /** Activates a raw archive, or a rollup archive together with its rollup. */
    public ArchiveInfo activateArchive(Caller c, String name) {
        c.require(Role.ADMIN, "activate archives");
        ArchiveInfo a = store.archives().requireArchive(c.tenant(), name);
        if (a.definition().isRollup()) {
            ArchiveInfo out = admin(c).activateArchive(a, c.actor());
            archiveChanged(c, out, Change.ACTIVATED);
            return out;
        }
        if (a.status() == ArchiveStatus.ACTIVATED) {
            return a;
        }
        ArchiveInfo out = store.archives().activateArchive(c.tenant(), name);
        archiveChanged(c, out, Change.ACTIVATED);
        audit(c, AuditKind.ARCHIVE_ACTIVATED, name, "activated (was " + a.status() + ")");
        return out;
    }

    public ArchiveInfo disableArchive(Caller c, String name) {
        c.require(Role.ADMIN, "disable archives");
        ArchiveInfo a = store.archives().requireArchive(c.tenant(), name);
        if (a.definition().isRollup()) {
            admin(c).disable(name, c.actor());
            archiveChanged(c, a, Change.DISABLED);
            return store.archives().requireArchive(c.tenant(), name);
        }
        if (a.status() == ArchiveStatus.DISABLED) {
            return a;
        }
        ArchiveInfo out = store.archives().disableArchive(c.tenant(), name);
        archiveChanged(c, out, Change.DISABLED);
        audit(c, AuditKind.ARCHIVE_DISABLED, name, "disabled (was " + a.status() + ")");
        return out;
    }

    /**
     * Sets a raw archive's {@code maxLateness} (null = unlimited); audited as {@code ARCHIVE_CONFIGURED}.
     * {@code INVALID_ARGUMENT} for a rollup archive or a duration that is not positive.
     */
    public ArchiveInfo setMaxLateness(Caller c, String name, java.time.Duration maxLateness) {
        c.require(Role.ADMIN, "configure archives");
        ArchiveInfo before = store.archives().requireArchive(c.tenant(), name);
        ArchiveInfo out = store.archives().setMaxLateness(c.tenant(), name, maxLateness);
        audit(c, AuditKind.ARCHIVE_CONFIGURED, name, "maxLateness " + lateness(maxLateness) + " (was "
                + lateness(before.maxLateness()) + ")");
        return out;
    }

    /**
     * Sets an archive's {@code retention} (raw or rollup; null = forever); audited as {@code ARCHIVE_CONFIGURED}.
     * {@code INVALID_ARGUMENT} for a duration that is not positive.
     */
    public ArchiveInfo setRetention(Caller c, String name, java.time.Duration retention) {
        c.require(Role.ADMIN, "configure archives");
        ArchiveInfo before = store.archives().requireArchive(c.tenant(), name);
        ArchiveInfo out = store.archives().setRetention(c.tenant(), name, retention);
        audit(c, AuditKind.ARCHIVE_CONFIGURED, name, "retention " + kept(retention) + " (was "
                + kept(before.retention()) + ")");
        return out;
    }

    /** Where the archive's retention stands now; null when it keeps its rows forever. */
    public RetentionStatus retentionStatus(Caller c, String name) {
        c.require(Role.READER, "describe archives");
        return Retention.statuses(store, c.tenant(), clock.instant()).stream()
                .filter(s -> s.archive().equals(name)).findFirst().orElse(null);
    }

    /** How many samples the archive holds and the time they span, read from the store now. */
    public ArchiveStats archiveStats(Caller c, String name) {
        c.require(Role.READER, "describe archives");
        return store.archives().archiveStats(c.tenant(), name);
    }

    private static String kept(java.time.Duration d) {
        return d == null ? "forever" : d.toString();
    }

    private static String lateness(java.time.Duration d) {
        return d == null ? "unlimited" : d.toString();
    }

    public void deleteArchive(Caller c, String name) {
        c.require(Role.ADMIN, "delete archives");
        ArchiveInfo before = cluster == null ? null : store.archives().archive(c.tenant(), name).orElse(null);
        store.archives().deleteArchive(c.tenant(), name);
        live.archiveDeleted(c.tenant(), name);
        if (before != null) {
            archiveChanged(c, before, Change.DELETED);
        }
        audit(c, AuditKind.ARCHIVE_DELETED, name, "deleted with its rows");
    }

    // ---- rollups ----------------------------------------------------------------------------------------------

    public RollupInfo createRollupArchive(Caller c, RollupDefinition def) {
        c.require(Role.ADMIN, "create rollup archives");
        RollupPlan plan = store.archives().createRollupArchive(c.tenant(), def);
        ArchiveInfo created = store.archives().requireArchive(c.tenant(), def.name());
        live.archiveCreated(c.tenant(), created);
        archiveChanged(c, created, Change.CREATED);
        audit(c, AuditKind.ROLLUP_CREATED, def.name(), "created: " + def.aggregations() + " of '" + def.source()
                + "' per " + def.bucket().spec());
        return store.rollups().rollup(new RollupId(c.tenant(), plan.definition().name()));
    }

    public RollupInfo rollup(Caller c, String name) {
        c.require(Role.READER, "read rollups");
        return store.rollups().rollup(new RollupId(c.tenant(), name));
    }

    /**
     * The rollups derived from {@code archive}, directly or through other rollups, in dependency order.
     * {@code NOT_FOUND} when the archive does not exist.
     */
    public List<RollupInfo> rollupsFor(Caller c, String archive) {
        c.require(Role.READER, "read rollups");
        store.archives().requireArchive(c.tenant(), archive);
        Set<String> reached = new HashSet<>(Set.of(archive));
        List<RollupInfo> out = new ArrayList<>();
        // Creation order is a topological order: a rollup's source exists before the rollup.
        for (RollupInfo r : store.rollups().rollups(c.tenant())) {
            if (reached.contains(r.plan().definition().source())) {
                reached.add(r.plan().definition().name());
                out.add(r);
            }
        }
        return out;
    }

    public RollupInfo activateRollup(Caller c, String name) {
        c.require(Role.ADMIN, "activate rollups");
        admin(c).activate(name, c.actor());
        return rollupInfo(c, name);
    }

    public RollupInfo disableRollup(Caller c, String name) {
        c.require(Role.ADMIN, "disable rollups");
        admin(c).disable(name, c.actor());
        return rollupInfo(c, name);
    }

    public RollupInfo freezeRollup(Caller c, String name) {
        c.require(Role.ADMIN, "freeze rollups");
        admin(c).freeze(name, c.actor());
        return rollupInfo(c, name);
    }

    public RollupInfo unfreezeRollup(Caller c, String name) {
        c.require(Role.ADMIN, "unfreeze rollups");
        admin(c).unfreeze(name, c.actor());
        return rollupInfo(c, name);
    }

    public RollupInfo retryRollup(Caller c, String name) {
        c.require(Role.ADMIN, "retry rollups");
        admin(c).retry(name, c.actor());
        return rollupInfo(c, name);
    }

    /** Runs the rollup now, as a tick would; returns the buckets committed. */
    public int processRollup(Caller c, String name) {
        c.require(Role.ADMIN, "process rollups");
        RollupId id = new RollupId(c.tenant(), name);
        store.rollups().rollup(id);
        return host.orchestrator(c.tenant()).processRollup(id);
    }

    public RollupInfo rewindRollupWatermark(Caller c, String name, Instant toBucketEnd) {
        c.require(Role.ADMIN, "rewind rollup watermarks");
        admin(c).rewind(name, toBucketEnd, c.actor());
        return rollupInfo(c, name);
    }

    /**
     * The pending stale ranges of a rollup of the caller's tenant, oldest first; for a rollup just read (the GraphQL
     * field of a listed rollup), so not looked up again: an unknown name has none.
     */
    public List<StaleRange> staleRanges(Caller c, String name) {
        c.require(Role.READER, "read rollups");
        return store.rollups().staleRanges(new RollupId(c.tenant(), name));
    }

    /** Age of the oldest pending stale range in seconds; null when none is pending. */
    public Double oldestStaleAgeSeconds(RollupInfo r) {
        return secondsSince(r.state().staleSince());
    }

    private RollupInfo rollupInfo(Caller c, String name) {
        return store.rollups().rollup(new RollupId(c.tenant(), name));
    }

    private RollupAdmin admin(Caller c) {
        return new RollupAdmin(store, host.orchestrator(c.tenant()), clock);
    }

    /** Now minus the watermark, in seconds; null before the first commit. */
    public Double lagSeconds(RollupInfo r) {
        return secondsSince(r.state().watermark());
    }

    private Double secondsSince(Instant t) {
        return t == null ? null : java.time.Duration.between(t, clock.instant()).toNanos() / 1e9;
    }

    // ---- audit trail and stream data ---------------------------------------------------------------------------

    public AuditPage auditTrail(Caller c, AuditQuery q) {
        c.require(Role.READER, "read the audit trail");
        if (!q.tenant().equals(c.tenant())) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "an audit query is for the caller's tenant");
        }
        List<AuditEntry> entries = store.audit().query(q);
        long next = entries.size() == q.limit() ? entries.get(entries.size() - 1).id() : 0;
        return new AuditPage(entries, next);
    }

    /** Rows of a raw or rollup archive; for a rollup, the values a reader sees (AVG from its partials). */
    public List<DataRow> streamData(Caller c, ReadRequest r) {
        return readable(c, r.archive(), "read stream data").read(r);
    }

    /**
     * The archive a reader may export, page by page: {@code FORBIDDEN} below reader, then {@code NOT_FOUND}. Checked
     * before the request's parameters are looked at.
     */
    public ReadableArchive readableArchive(Caller c, String archive) {
        return readable(c, archive, "export samples");
    }

    private ReadableArchive readable(Caller c, String archive, String what) {
        c.require(Role.READER, what);
        ArchiveInfo a = store.archives().requireArchive(c.tenant(), archive);
        RollupPlan plan = a.definition().isRollup() ? rollupInfo(c, a.name()).plan() : null;
        return new ReadableArchive(c, a, plan);
    }

    /**
     * An archive as a reader sees it, as {@link #readableArchive} found it (role and archive checked once): its
     * columns and its rows, read one bounded page at a time through the store's read path — for a rollup, AVG as a
     * value computed from its stored sum and count, FIRST / LAST without their times, exactly as
     * {@code streamData} returns them. Valid for one request; each {@link #read} is one store read, bounded by the
     * store's timeouts.
     */
    public final class ReadableArchive {
        private final Caller caller;
        private final ArchiveInfo archive;
        private final RollupPlan plan;

        private ReadableArchive(Caller caller, ArchiveInfo archive, RollupPlan plan) {
            this.caller = caller;
            this.archive = archive;
            this.plan = plan;
        }

        public ArchiveInfo info() {
            return archive;
        }

        /** The columns a reader sees, in definition order: a rollup's aggregates by name, AVG as DOUBLE. */
        public List<Column> columns() {
            RollupDefinition r = archive.definition().rollup();
            if (r == null) {
                return archive.definition().columns();
            }
            List<Column> out = new ArrayList<>();
            for (Aggregation g : r.aggregations()) {
                ColumnType t = g.function() == AggregateFunction.AVG ? ColumnType.DOUBLE
                        : archive.definition().requireColumn(g.as()).type();
                out.add(Column.of(g.as(), t));
            }
            return out;
        }

        /** One page: the rows {@code r} names, ordered by (timestamp, rtId); {@code r} must name this archive. */
        public List<DataRow> read(ReadRequest r) {
            if (!r.archive().equals(archive.name())) {
                throw new IllegalArgumentException("a read of '" + r.archive() + "' on archive '" + archive.name() + "'");
            }
            List<Sample> rows = store.archives().read(caller.tenant(), r);
            List<DataRow> out = new ArrayList<>(rows.size());
            for (Sample s : rows) {
                out.add(new DataRow(s.timestamp(), s.rtId(), plan == null ? s.values() : plan.readValues(s.values())));
            }
            return out;
        }
    }

    /**
     * Counts one export that got past its checks, once it ended: {@code tidemark.export.requests{tenant, format,
     * result}} with {@code result} {@code complete}, {@code limited} (cut by its limit, a cursor returned),
     * {@code failed} (an error after the body had started) or {@code aborted} (the client went away).
     */
    public void exported(Caller c, String format, String result) {
        meters.counter(EXPORT_REQUESTS, "tenant", c.tenant().value(), "format", format, "result", result).increment();
    }

    /** Counts rows an export wrote, page by page: {@code tidemark.export.rows{tenant, format}}. */
    public void exportedRows(Caller c, String format, long rows) {
        meters.counter("tidemark.export.rows", "tenant", c.tenant().value(), "format", format).increment(rows);
    }

    /**
     * Counts an export refused after authentication, before its body started (forbidden, unknown archive, bad
     * parameters, the store unavailable): {@code tidemark.export.requests{result=rejected, format="none"}}.
     */
    public void exportRejected(Caller c) {
        meters.counter(EXPORT_REQUESTS, "tenant", c.tenant().value(), "format", "none", "result", "rejected")
                .increment();
    }

    // ---- live queries -----------------------------------------------------------------------------------------

    /**
     * The result schema of a live query over the caller's tenant.
     *
     * @throws TidemarkException {@code INVALID_QUERY}, {@code NOT_FOUND}, {@code UNKNOWN_COLUMN} with the position
     */
    public QuerySchema validateLiveQuery(Caller c, String sql) {
        c.require(Role.READER, "validate live queries");
        return live.validate(c.tenant(), sql);
    }

    // ---- ingest -----------------------------------------------------------------------------------------------

    /**
     * The archive a writer may ingest into: {@code FORBIDDEN} below writer, {@code NOT_FOUND}, {@code INVALID_STATE}
     * for a rollup archive or one that is not ACTIVATED. Checked before a body is parsed.
     */
    public WritableArchive writableArchive(Caller c, String archive) {
        c.require(Role.WRITER, "ingest samples");
        return new WritableArchive(c, store.archives().requireArchive(c.tenant(), archive).requireWritable());
    }

    /**
     * {@code FORBIDDEN} below writer: the role checked before a body that names its archives itself (line protocol)
     * is read.
     */
    public void requireIngest(Caller c) {
        c.require(Role.WRITER, "ingest samples");
    }

    /** The server's time now: the receive time of line-protocol points without a timestamp. */
    public Instant now() {
        return clock.instant();
    }

    /**
     * {@link #writableArchive} for a line-protocol measurement. With {@code ingest.line.auto-create}, an archive that
     * {@link #autoCreateArchive} on this server is creating right now (created, not yet activated) is waited for.
     */
    public WritableArchive lineArchive(Caller c, String archive) {
        try {
            return writableArchive(c, archive);
        } catch (TidemarkException e) {
            if (e.code() != ErrorCode.INVALID_STATE || !config.line().autoCreate()) {
                throw e;
            }
            synchronized (autoCreating) {
                return writableArchive(c, archive);
            }
        }
    }

    /**
     * Creates and activates a raw archive for a line-protocol measurement that has none, with
     * {@code ingest.line.auto-create} on: a writer may do this (creating archives otherwise needs an admin). Audited as
     * {@code ARCHIVE_CREATED} and {@code ARCHIVE_ACTIVATED} with the caller as actor.
     *
     * @throws TidemarkException {@code FORBIDDEN} when the setting is off or the caller below writer;
     *     {@code ALREADY_EXISTS} when another request created the archive first
     */
    public WritableArchive autoCreateArchive(Caller c, ArchiveDefinition def) {
        c.require(Role.WRITER, "create archives by ingest");
        if (!config.line().autoCreate() || def.isRollup()) {
            throw new TidemarkException(ErrorCode.FORBIDDEN, "archives are created by line-protocol ingest only with "
                    + "ingest.line.auto-create=true; create archive '" + def.name() + "' with an admin token");
        }
        synchronized (autoCreating) {
            ArchiveInfo a = store.archives().createArchive(c.tenant(), def);
            live.archiveCreated(c.tenant(), a);
            archiveChanged(c, a, Change.CREATED);
            audit(c, AuditKind.ARCHIVE_CREATED, def.name(), "created by line-protocol ingest "
                    + "(ingest.line.auto-create) with columns " + def.columns().stream()
                    .map(col -> col.name() + " " + col.type()).collect(java.util.stream.Collectors.joining(", ")));
            ArchiveInfo out = store.archives().activateArchive(c.tenant(), def.name());
            archiveChanged(c, out, Change.ACTIVATED);
            audit(c, AuditKind.ARCHIVE_ACTIVATED, def.name(), "activated (was CREATED) by line-protocol ingest");
            return new WritableArchive(c, out.requireWritable());
        }
    }

    /**
     * An archive a caller may ingest into, as {@link #writableArchive} found it: the role and the archive were checked
     * once, before the body was read, and only this class makes one, so {@link #ingest} cannot be reached without
     * those checks. Valid for one request.
     */
    public static final class WritableArchive {
        private final Caller caller;
        private final ArchiveInfo archive;

        private WritableArchive(Caller caller, ArchiveInfo archive) {
            this.caller = caller;
            this.archive = archive;
        }

        public ArchiveInfo info() {
            return archive;
        }
    }

    /**
     * Validates the whole batch, then writes it in one transaction; returns once it is durable.
     *
     * @param maxRows the limit of the path the batch came by
     * @return distinct samples written (a key repeated in the batch counts once)
     * @throws BatchRejectedException naming the first bad rows; nothing is written
     */
    public int ingest(WritableArchive target, List<Sample> samples, int maxRows) {
        if (samples.size() > maxRows) {
            throw BatchLimits.tooManyRows(maxRows);
        }
        return write(target.caller, SampleBatch.validate(target.archive.definition(), samples, batchLimits(maxRows)));
    }

    /**
     * {@link #ingest(WritableArchive, List, int)} for rows a reader parsed straight into a builder made with
     * {@link #batchLimits}: builds (validates) it, then writes it in one transaction.
     */
    public int ingest(WritableArchive target, SampleBatch.Builder rows, int maxRows) {
        if (rows.rows() > maxRows) {
            throw BatchLimits.tooManyRows(maxRows);
        }
        return write(target.caller, rows.build());
    }

    /**
     * Writes already validated batches of one caller, at most one per archive (a line-protocol body may hold
     * several measurements), in <b>one</b> store transaction: all are durable when this returns, or none is written.
     * Each batch must have been validated against its target's archive as {@link #writableArchive} found it.
     *
     * @return the samples written over all batches (each batch's size: a key repeated in one counts once)
     * @throws TidemarkException {@code INVALID_STATE} when a batch is not of its target's archive, as from the store
     */
    public int ingest(List<WritableArchive> targets, List<SampleBatch> batches) {
        if (targets.size() != batches.size() || targets.isEmpty()) {
            throw new IllegalArgumentException("one batch per target, at least one: " + targets.size() + " targets, "
                    + batches.size() + " batches");
        }
        Caller c = targets.get(0).caller;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < targets.size(); i++) {
            WritableArchive t = targets.get(i);
            if (t.caller != c) {
                throw new IllegalArgumentException("all targets must be of one caller");
            }
            if (!t.archive.definition().equals(batches.get(i).archive())) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "a batch for archive '"
                        + batches.get(i).archive().name() + "' was not validated against archive '" + t.archive.name()
                        + "' as it is now; validate it again");
            }
            if (!seen.add(t.archive.name())) {
                throw new IllegalArgumentException("two batches for archive '" + t.archive.name() + "'");
            }
        }
        return write(c, batches);
    }

    /** The validation limits of an ingest path whose row limit is {@code maxRows}. */
    public static BatchLimits batchLimits(int maxRows) {
        return new BatchLimits(maxRows, BatchLimits.DEFAULT.maxRtIdLength(),
                BatchLimits.DEFAULT.minTimestamp(), BatchLimits.DEFAULT.maxTimestamp(),
                BatchLimits.DEFAULT.maxStringLength());
    }

    private int write(Caller c, SampleBatch batch) {
        return write(c, List.of(batch));
    }

    /**
     * The one way every ingest path writes: in single-node mode through the live hub's group commit into the store
     * (durable in the store on return); in cluster mode as one {@code BATCH} record appended to the log (durable in
     * the log on return; the partition's writer puts it into the store, docs/scale-out.md).
     */
    private int write(Caller c, List<SampleBatch> batches) {
        int n = cluster != null ? append(c, batches) : live.write(c.tenant(), batches,
                group -> store.archives().write(c.tenant(), group), config.storeWaits().timeouts().lock());
        meters.counter(INGEST_BATCHES, "tenant", c.tenant().value(), "result", "written", "reason", "none")
                .increment();
        meters.counter("tidemark.ingest.samples", "tenant", c.tenant().value()).increment(n);
        return n;
    }

    /**
     * Cluster mode's write: checks each batch against its archive as the store holds it now — writable, the
     * definition it was validated against, the retention horizon at this node's clock (as the store's write
     * transaction does in single-node mode) — then appends one {@code BATCH} record of all parts with each archive's
     * definition version and returns once the log acknowledged it.
     *
     * @throws TidemarkException {@code LOG_UNAVAILABLE} (503) when the log did not acknowledge in time;
     *     {@code TOO_LARGE} over {@code cluster.max-record-bytes}; as the store's write for the archive checks
     */
    private int append(Caller c, List<SampleBatch> batches) {
        Instant now = clock.instant();
        List<io.tidemark.cluster.BatchPart> parts = new ArrayList<>(batches.size());
        int n = 0;
        for (SampleBatch b : batches) {
            ArchiveInfo a = store.archives().requireArchive(c.tenant(), b.archive().name()).requireWritable();
            if (!a.definition().equals(b.archive())) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "archive '" + a.name()
                        + "' changed since the batch was validated; validate it again");
            }
            a.requireRetained(b, now);
            if (b.size() > 0) {
                parts.add(io.tidemark.cluster.BatchPart.of(a.version(), b));
                n += b.size();
            }
        }
        if (parts.isEmpty()) {
            return n;
        }
        try {
            cluster.append(c.tenant(), now, parts);
        } catch (TidemarkException e) {
            meters.counter(CLUSTER_PRODUCE, "result", e.code() == ErrorCode.TOO_LARGE ? "too_large"
                    : e.code() == ErrorCode.LOG_UNAVAILABLE ? "unavailable" : "failed").increment();
            throw e;
        }
        meters.counter(CLUSTER_PRODUCE, "result", "acknowledged").increment();
        return n;
    }

    /**
     * Counts an ingest request refused after authentication, whichever path it came by (HTTP body or
     * {@code ingestSamples}): {@code tidemark.ingest.batches{result=rejected, reason}}; a store that does not answer
     * is {@code reason=unavailable}.
     */
    public void ingestRejected(Caller c, IngestRejection reason) {
        meters.counter(INGEST_BATCHES, "tenant", c.tenant().value(), "result", "rejected", "reason", reason.tag())
                .increment();
    }

    /**
     * Counts a request refused because the store is unavailable: {@code tidemark_store_unavailable_total{route}}
     * ({@code route} is the HTTP route, {@code graphql} or {@code live}).
     */
    public void storeUnavailable(String route) {
        meters.counter("tidemark.store.unavailable", "route", route).increment();
    }

    /**
     * Cluster mode: an {@code ARCHIVE} record after the change committed, so that every node applies it at the same
     * cut. The change stands when the log does not take the record (it is committed in the store): logged, and the
     * other nodes pick it up at their next archive sync ({@code live.archive-sync}).
     */
    private void archiveChanged(Caller c, ArchiveInfo a, Change change) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.appendArchive(c.tenant(), a.name(), a.version(), change);
        } catch (TidemarkException e) {
            LOG.atWarn().addKeyValue("tenant", c.tenant().value()).addKeyValue("archive", a.name())
                    .addKeyValue("change", change).addKeyValue("error", e.toString())
                    .log("cluster: the archive change is committed but not in the log; other nodes apply it at "
                            + "their next archive sync");
        }
    }

    private void audit(Caller c, AuditKind kind, String subject, String message) {
        store.audit().append(AuditEntry.of(c.tenant(), clock.instant(), kind, subject, c.actor(), message));
    }
}
