package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** The {@link LiveEngine}: per-tenant state under a per-tenant lock; delivery handed to subscribers' executors. */
final class DefaultLiveEngine implements LiveEngine {
    private final Clock clock;
    /** Each tenant's clock is the {@code asOf} of its last cut; cuts are numbered by the caller. */
    private final boolean logTime;
    private final Duration publishInterval;
    private final long memoryBudgetBytes;
    private final int maxPendingRows;
    private final Executor deliveryExecutor;
    private final ConcurrentHashMap<TenantId, TenantState> tenants = new ConcurrentHashMap<>();

    DefaultLiveEngine(Clock clock, boolean logTime, Duration publishInterval, long memoryBudgetBytes, int maxPendingRows,
            Executor deliveryExecutor) {
        this.clock = clock;
        this.logTime = logTime;
        this.publishInterval = publishInterval;
        this.memoryBudgetBytes = memoryBudgetBytes;
        this.maxPendingRows = maxPendingRows;
        this.deliveryExecutor = deliveryExecutor;
    }

    /** The tenant's clock: its log time in log-time mode, the engine's clock otherwise. Under the tenant's lock. */
    private long nowMicros(TenantState t) {
        return logTime ? t.logMicros : Micros.toMicros(clock.instant());
    }

    private TenantState tenant(TenantId id) {
        return tenants.computeIfAbsent(Objects.requireNonNull(id, "tenant"), TenantState::new);
    }

    @Override
    public void defineArchive(TenantId tenant, ArchiveDefinition archive, Duration liveWindow) {
        Objects.requireNonNull(archive, "archive");
        if (liveWindow == null || liveWindow.isNegative() || liveWindow.isZero()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "live window of archive '" + archive.name() + "' must be positive, got " + liveWindow);
        }
        TenantState t = tenant(tenant);
        t.lock.lock();
        try {
            drop(t, archive.name(), "was redefined");
            t.archives.put(archive.name(), new LiveTables(archive, liveWindow.toNanos() / 1_000));
        } finally {
            t.lock.unlock();
        }
    }

    @Override
    public void dropArchive(TenantId tenant, String archive) {
        TenantState t = tenant(tenant);
        t.lock.lock();
        try {
            drop(t, archive, "was dropped");
        } finally {
            t.lock.unlock();
        }
    }

    /** Removes an archive's tables; its operators fail, so their queries end at the next cut. */
    private static void drop(TenantState t, String archive, String why) {
        LiveTables tables = t.archives.remove(archive);
        if (tables == null) {
            return;
        }
        TidemarkException gone = new TidemarkException(ErrorCode.NOT_FOUND, "archive '" + archive + "' " + why
                + "; register the query again");
        for (Operator op : t.operators.values()) {
            if (op.plan.archive().equals(archive) && op.failure == null) {
                op.failure = gone;
            }
        }
        t.changed = true;
    }

    @Override
    public boolean onCommit(TenantId tenant, SampleBatch batch) {
        TenantState t = tenants.get(tenant);
        if (t == null || batch.size() == 0) {
            return true;
        }
        // Rows and their sizes are built outside the lock.
        Object[][] rows = new Object[batch.size()][];
        long bound = 2 * rows(batch, rows);
        t.lock.lock();
        try {
            LiveTables tables = t.archives.get(batch.archive().name());
            if (tables == null) {
                return true;
            }
            if (!tables.archive.columns().equals(batch.archive().columns())) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "the batch for archive '" + tables.archive.name()
                        + "' has columns " + batch.archive().columns() + ", the live archive " + tables.archive.columns()
                        + "; define the archive again after changing it");
            }
            long now = nowMicros(t);
            long used = t.bytes();
            t.changed = true;
            // Each row can grow both tables by at most twice its size (plus a series); look rows up only when that
            // bound does not fit.
            if (used + bound + (long) rows.length * 200 <= memoryBudgetBytes
                    || used + tables.growth(rows, now, true) <= memoryBudgetBytes) {
                tables.putAll(rows, now);
                return true;
            }
            // Over budget: latest (one row per rtId) takes the batch if it fits there, recent does not; the queries
            // of a table that misses samples turn STALE (see LiveTables#status).
            boolean latestFits = used + tables.growth(rows, now, false) <= memoryBudgetBytes;
            String why = "The tenant's live tables hold about " + used + " bytes of the budget of " + memoryBudgetBytes
                    + " (live.memory-budget); shorten the archive's live window or raise the budget.";
            tables.missed(rows, now, !latestFits, why);
            if (latestFits) {
                tables.putAll(rows, now, false);
            }
            return false;
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * The batch as rows of the tables' layout: cells {@code [rtId, micros, columns…]} and the trailing slots. Rows in
     * a run with the same timestamp (a gateway sending all its series' samples of one instant) share one boxed
     * timestamp. Each row is sized ({@link LiveTables#sizeRow}) as soon as it is filled, while it is in the cache;
     * returns the sum of the sizes.
     */
    private static long rows(SampleBatch batch, Object[][] out) {
        int cols = batch.archive().columns().size();
        boolean[] text = LiveTables.textCells(batch.archive());
        long sum = 0;
        Long micros = null;
        for (int r = 0; r < out.length; r++) {
            Object[] row = LiveTables.newRow(2 + cols);
            row[0] = batch.rtId(r);
            long t = batch.micros(r);
            if (micros == null || micros != t) {
                micros = t;
            }
            row[1] = micros;
            for (int c = 0; c < cols; c++) {
                row[2 + c] = batch.value(r, c);
            }
            sum += LiveTables.sizeRow(row, text);
            out[r] = row;
        }
        return sum;
    }

    @Override
    public long cut(TenantId tenant) {
        if (logTime) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "this live engine keeps log time: cut tenant '"
                    + tenant + "' with cut(tenant, generation, asOf), the number and instant of the log's cut");
        }
        TenantState t = tenants.get(tenant);
        return t == null ? NO_GENERATION : cut(t, NO_GENERATION, 0L);
    }

    @Override
    public long cut(TenantId tenant, long generation, Instant asOf) {
        Objects.requireNonNull(asOf, "asOf");
        if (!logTime) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "this live engine numbers its own generations "
                    + "with its own clock: cut tenant '" + tenant + "' with cut(tenant), or build it with logTime(true)");
        }
        if (generation <= NO_GENERATION) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "generation numbers start at 1, got " + generation);
        }
        TenantState t = tenants.get(tenant);
        return t == null ? NO_GENERATION : cut(t, generation, Micros.toMicros(asOf));
    }

    /**
     * Applies the tenant's clock and, if anything changed, cuts a generation: {@code numbered} at log time
     * {@code asOfMicros} in log-time mode, the tenant's next number at the engine's clock otherwise.
     */
    private long cut(TenantState t, long numbered, long asOfMicros) {
        List<OutboxSubscription> toSchedule = new ArrayList<>();
        long g;
        t.lock.lock();
        try {
            if (logTime) {
                advanceLogTime(t, numbered, asOfMicros);
            }
            long now = nowMicros(t);
            boolean changed = t.changed;
            for (LiveTables tables : t.archives.values()) {
                changed |= tables.expire(now);
                changed |= tables.advanceWindows(now);
                changed |= tables.staleChanged(now);
            }
            if (!changed) {
                return NO_GENERATION;
            }
            g = logTime ? numbered : t.generation + 1;
            t.generation = g;
            t.changed = false;
            Map<OutboxSubscription, GenerationOutput> outputs = collect(t, g, now);
            for (LiveTables tables : t.archives.values()) {
                tables.endCut();
            }
            for (Map.Entry<OutboxSubscription, GenerationOutput> e : outputs.entrySet()) {
                if (!e.getValue().isEmpty() && e.getKey().offer(e.getValue())) {
                    toSchedule.add(e.getKey());
                }
            }
        } finally {
            t.lock.unlock();
        }
        for (OutboxSubscription s : toSchedule) {
            s.schedule();
        }
        return g;
    }

    /**
     * Takes cut {@code numbered} as the tenant's last and moves its log time to {@code asOfMicros}, never back: an
     * earlier instant (a cut appended by another writer with a slower clock) keeps the log time, so rows never
     * return to {@code recent} and time windows never move back. Under the tenant's lock.
     */
    private static void advanceLogTime(TenantState t, long numbered, long asOfMicros) {
        if (numbered <= t.lastCut) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "cut " + numbered + " of tenant '" + t.id
                    + "' is not above its last cut " + t.lastCut + "; a cut is applied once, in log order");
        }
        t.lastCut = numbered;
        t.logMicros = Math.max(t.logMicros, asOfMicros);
    }

    /** Every subscriber's output for generation {@code g}: snapshots, changes, status changes and final errors. */
    private static Map<OutboxSubscription, GenerationOutput> collect(TenantState t, long g, long now) {
        Map<OutboxSubscription, GenerationOutput> out = new LinkedHashMap<>();
        List<Operator> operators = new ArrayList<>(t.replacedFailures);
        t.replacedFailures.clear();
        operators.addAll(t.operators.values());
        for (Operator op : operators) {
            if (op.failure != null) {
                for (QueryHandle h : List.copyOf(op.handles)) {
                    out.computeIfAbsent(h.subscription, s -> new GenerationOutput(g)).error(h.queryId, op.failure);
                    detach(t, h);
                }
                continue;
            }
            LiveTables tables = t.archives.get(op.plan.archive());
            QueryStatus status = tables == null ? QueryStatus.OK : tables.status(op.plan.latest(), now);
            List<Change> changes = op.collect();
            List<Change> snapshot = null;
            for (QueryHandle h : List.copyOf(op.handles)) {
                boolean snapshotOnly = false;
                if (h.snapshotPending) {
                    h.snapshotPending = false;
                    if (h.type != QueryType.CONTINUOUS_ONLY && snapshot == null) {
                        snapshot = added(op.snapshot());
                    }
                    out.computeIfAbsent(h.subscription, s -> new GenerationOutput(g)).snapshot(h.queryId,
                            op.plan.schema(), h.type == QueryType.CONTINUOUS_ONLY ? List.of() : snapshot);
                    snapshotOnly = h.type == QueryType.SNAPSHOT;
                } else if (!changes.isEmpty()) {
                    out.computeIfAbsent(h.subscription, s -> new GenerationOutput(g)).changes(h.queryId, changes);
                }
                if (status.isStale() != h.status.isStale()) {
                    h.status = status;
                    out.computeIfAbsent(h.subscription, s -> new GenerationOutput(g)).status(h.queryId, status);
                }
                if (snapshotOnly) {
                    detach(t, h);
                }
            }
        }
        return out;
    }

    private static List<Change> added(List<Tuple> rows) {
        List<Change> out = new ArrayList<>(rows.size());
        for (Tuple t : rows) {
            out.add(new Change(Change.Kind.ADDED, t));
        }
        return out;
    }

    /** Detaches a query from its operator; the last query of an operator removes it from its table. */
    private static void detach(TenantState t, QueryHandle h) {
        h.subscription.queries.remove(h.queryId, h);
        Operator op = h.operator;
        op.handles.remove(h);
        if (!op.handles.isEmpty()) {
            return;
        }
        t.operators.remove(op.plan.shareKey(), op);
        LiveTables tables = t.archives.get(op.plan.archive());
        if (tables != null && tables.operators(op.plan.latest()).contains(op)) {
            tables.detach(op);
        }
    }

    @Override
    public void cutAll() {
        if (logTime) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "this live engine keeps log time: tenants are cut "
                    + "with cut(tenant, generation, asOf), not on a schedule");
        }
        for (TenantId id : List.copyOf(tenants.keySet())) {
            cut(id);
        }
    }

    @Override
    public long generation(TenantId tenant) {
        TenantState t = tenants.get(tenant);
        return t == null ? NO_GENERATION : t.generation;
    }

    @Override
    public Subscription subscribe(TenantId tenant, Set<String> capabilities, LiveListener listener, Executor executor) {
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(listener, "listener");
        TenantState t = tenant(tenant);
        OutboxSubscription s = new OutboxSubscription(this, t, capabilities, listener,
                executor != null ? executor : deliveryExecutor, maxPendingRows);
        t.lock.lock();
        try {
            t.subscriptions.add(s);
        } finally {
            t.lock.unlock();
        }
        return s;
    }

    /** {@link #register} for each query under one hold of the tenant's lock, so that no cut falls between them. */
    Map<String, Throwable> registerAll(OutboxSubscription s, List<QueryConfig> queries) {
        Map<String, Throwable> failed = new LinkedHashMap<>();
        s.tenant.lock.lock();
        try {
            for (QueryConfig q : queries) {
                try {
                    register(s, q);
                } catch (RuntimeException | StackOverflowError e) {
                    failed.put(q.queryId(), e);
                }
            }
        } finally {
            s.tenant.lock.unlock();
        }
        return failed;
    }

    void register(OutboxSubscription s, QueryConfig q) {
        TenantState t = s.tenant;
        t.lock.lock();
        try {
            if (s.isClosed()) {
                throw new TidemarkException(ErrorCode.INVALID_STATE, "the subscription is closed");
            }
            if (s.queries.containsKey(q.queryId())) {
                throw new TidemarkException(ErrorCode.ALREADY_EXISTS, "query id '" + q.queryId()
                        + "' is already registered on this subscription; unregister it first or pick another id");
            }
            Plan plan = plan(t, q.sql());
            Operator op = t.operators.get(plan.shareKey());
            if (op != null && op.failure != null) {
                t.replacedFailures.add(op);
                op = null;
            }
            if (op == null) {
                LiveTables tables = t.archives.get(plan.archive());
                op = Operator.create(plan, tables, nowMicros(t));
                tables.attach(op);
                t.operators.put(plan.shareKey(), op);
            }
            QueryHandle h = new QueryHandle(s, q.queryId(), q.type(), op);
            op.handles.add(h);
            s.queries.put(q.queryId(), h);
            t.changed = true;
        } finally {
            t.lock.unlock();
        }
    }

    @Override
    public QuerySchema validate(TenantId tenant, String sql) {
        Objects.requireNonNull(sql, "sql");
        // An unknown tenant has no tables: plan against an empty state rather than create one.
        TenantState t = tenants.getOrDefault(Objects.requireNonNull(tenant, "tenant"), new TenantState(tenant));
        t.lock.lock();
        try {
            return plan(t, sql).schema();
        } finally {
            t.lock.unlock();
        }
    }

    @Override
    public LiveSnapshot snapshot(TenantId tenant, String sql) {
        Objects.requireNonNull(sql, "sql");
        TenantState t = tenants.getOrDefault(Objects.requireNonNull(tenant, "tenant"), new TenantState(tenant));
        t.lock.lock();
        try {
            Plan plan = plan(t, sql);
            LiveTables tables = t.archives.get(plan.archive());
            // A private operator, never attached: filled from the table, published once, then let go.
            Operator op = Operator.create(plan, tables, nowMicros(t));
            try {
                op.collect();
                if (op.failure != null) {
                    throw op.failure;
                }
                return new LiveSnapshot(plan.schema(), op.snapshot());
            } finally {
                tables.detach(op);
            }
        } finally {
            t.lock.unlock();
        }
    }

    /** Plans {@code sql} over the tenant's live archives; under the tenant's lock (the archives map is not shared). */
    private static Plan plan(TenantState t, String sql) {
        return Planner.plan(sql, name -> {
            LiveTables tables = t.archives.get(name);
            return tables == null ? null : tables.archive;
        });
    }

    void unregister(OutboxSubscription s, String queryId) {
        TenantState t = s.tenant;
        t.lock.lock();
        try {
            QueryHandle h = s.queries.get(queryId);
            if (h != null) {
                detach(t, h);
            }
        } finally {
            t.lock.unlock();
        }
    }

    void close(OutboxSubscription s) {
        TenantState t = s.tenant;
        t.lock.lock();
        try {
            for (QueryHandle h : List.copyOf(s.queries.values())) {
                detach(t, h);
            }
            t.subscriptions.remove(s);
        } finally {
            t.lock.unlock();
        }
    }

    @Override
    public long memoryUsed(TenantId tenant) {
        TenantState t = tenants.get(tenant);
        if (t == null) {
            return 0;
        }
        t.lock.lock();
        try {
            return t.bytes();
        } finally {
            t.lock.unlock();
        }
    }

    @Override
    public int staleQueries() {
        int n = 0;
        for (TenantState t : tenants.values()) {
            t.lock.lock();
            try {
                for (OutboxSubscription s : t.subscriptions) {
                    n += (int) s.queries.values().stream().filter(h -> h.status.isStale()).count();
                }
            } finally {
                t.lock.unlock();
            }
        }
        return n;
    }

    @Override
    public Duration publishInterval() {
        return publishInterval;
    }
}
