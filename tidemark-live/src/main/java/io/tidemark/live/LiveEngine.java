package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The live-query engine (SPEC §3): in-memory live tables per archive, continuous queries over them maintained
 * incrementally, and per-tenant generations framed by aggregate marks. No database, no network; the server feeds
 * it committed batches and wires subscribers to sockets.
 *
 * <h2>Tables</h2>
 * Each archive defined with {@link #defineArchive} offers {@code recent.<archive>} (rows whose timestamp lies in the
 * live window, key {@code (timestamp, rtId)}) and {@code latest.<archive>} (the row with the greatest timestamp
 * per rtId, key {@code rtId}). Columns: {@code rtId}, {@code timestamp}, then the archive's columns.
 *
 * <h2>Generations</h2>
 * Each tenant has one generation clock. {@link #cut} (called every {@link Builder#publishInterval}, by
 * {@link #schedule} or by the server's own scheduler) applies the clock (rows leave the live window, time windows
 * of queries move) and, if anything changed, cuts generation {@code g}: every batch passed to {@link #onCommit}
 * before the cut is in it, none after. Generation numbers start at 1 and only increase; {@link #NO_GENERATION}
 * (0) means none.
 *
 * <h2>Log time (cluster mode)</h2>
 * An engine built with {@link Builder#logTime logTime(true)} does not number or time generations itself: the caller
 * applies the tenant's log in order — {@link #onCommit} for each batch, {@link #cut(TenantId, long, Instant)} for
 * each cut record, with the record's number and instant — and every engine fed the same log delivers the same
 * generation numbers with the same results, whatever its own clock says. A tenant's clock is then its <em>log
 * time</em>, the greatest {@code asOf} of its cuts: expiry of {@code recent}, time windows of queries
 * ({@code now()}), the live-window floor of {@link #onCommit}, registration and {@link #snapshot} all read it, and
 * never the engine's {@link Builder#clock clock}. Before its first cut a tenant's log time is the beginning of
 * time: rows applied then (a node loading a tenant's live window when it joins) all stay in {@code recent} until
 * the first cut expires what is older than its window. {@link #cut(TenantId)}, {@link #cutAll} and
 * {@link #schedule} are refused in this mode.
 *
 * <h2>Threading</h2>
 * Thread-safe. {@link #onCommit}, {@link #cut} and registration of one tenant take that tenant's lock, so a batch is
 * wholly in or out of a generation; tenants never wait for each other. Delivery to subscribers runs on their
 * executors and never blocks ingest or the cut.
 */
public interface LiveEngine {

    /** The generation number that means "none": no generation has been cut. The first generation is 1. */
    long NO_GENERATION = 0L;

    /** Default live window of an archive. */
    Duration DEFAULT_LIVE_WINDOW = Duration.ofMinutes(15);

    /**
     * Makes an archive live for a tenant (or replaces its definition, which drops its rows and fails its queries).
     *
     * @param liveWindow how long rows stay in {@code recent.<archive>}; positive
     */
    void defineArchive(TenantId tenant, ArchiveDefinition archive, Duration liveWindow);

    /**
     * Drops an archive's live tables; its queries end with {@code exceptionRaised} ({@code NOT_FOUND}) in the next
     * generation. Unknown archives are ignored.
     */
    void dropArchive(TenantId tenant, String archive);

    /**
     * Applies a batch the store has committed. Called once per batch by the ingest path, after the commit. Each
     * sample replaces the row with the same {@code (timestamp, rtId)}; samples older than the live window only
     * update {@code latest} (when newer than its row). Does work proportional to the samples times the queries on
     * the archive, never to the table's size. Batches of archives not defined here are ignored.
     *
     * <p>When the tenant's live tables would grow past the memory budget, the batch is not applied to
     * {@code recent.<archive>} (and, if it does not fit there either, not to {@code latest.<archive>}); the queries on
     * a table that misses samples get {@link LiveListener#queryStatusChanged} STALE
     * ({@link QueryStatus#MEMORY_BUDGET_EXCEEDED}) in the next generation, and OK again once what is missing has left
     * the live window ({@code recent}) or been superseded by newer samples of the same rtIds ({@code latest}).
     *
     * @return true if the batch was applied in full; false if the budget kept some of it out
     * @throws TidemarkException {@code INVALID_STATE} when the batch's columns differ from the live archive's
     */
    boolean onCommit(TenantId tenant, SampleBatch batch);

    /**
     * Cuts the tenant's next generation if anything changed since the last one, and hands each subscriber its
     * output. Returns without waiting for delivery.
     *
     * @return the generation cut, or {@link #NO_GENERATION} if nothing changed
     * @throws TidemarkException {@code INVALID_STATE} in log-time mode ({@link Builder#logTime}), where cuts come
     *     from the log through {@link #cut(TenantId, long, Instant)}
     */
    long cut(TenantId tenant);

    /**
     * Log-time mode ({@link Builder#logTime}): applies one cut of the tenant's log. Moves the tenant's log time to
     * {@code asOf} (never back: an earlier {@code asOf} keeps the log time), applies it (rows leave the live window,
     * time windows move) and, if anything changed since the tenant's last generation, cuts generation
     * {@code generation} — every batch passed to {@link #onCommit} before this call is in it, none after — and hands
     * each subscriber its output. Returns without waiting for delivery.
     *
     * <p>The first cut of a tenant may carry any number: a node that joins a tenant late starts at the first cut it
     * applies, with that cut's number, as every other node. Numbers need not be consecutive (a tenant with nothing
     * changed at a cut skips it, and the log's numbers have gaps), but each cut's must be above every number passed
     * before for the tenant, whether or not that one cut a generation. Cutting a tenant with no live state (no
     * archive defined, no subscriber) does nothing and returns {@link #NO_GENERATION}.
     *
     * @param generation the cut's number, at least 1
     * @param asOf the cut's instant, the tenant's log time from now on
     * @return {@code generation} if it was cut, or {@link #NO_GENERATION} if nothing changed
     * @throws TidemarkException {@code INVALID_STATE} when {@code generation} is not above the tenant's last cut
     *     number (a cut applied twice or out of order; nothing changes), or when the engine was not built in
     *     log-time mode; {@code INVALID_ARGUMENT} when {@code generation} is below 1
     */
    long cut(TenantId tenant, long generation, Instant asOf);

    /** {@link #cut} for every tenant the engine knows. Refused ({@code INVALID_STATE}) in log-time mode. */
    void cutAll();

    /** The tenant's newest generation, or {@link #NO_GENERATION}. */
    long generation(TenantId tenant);

    /**
     * Opens a subscriber: one client connection, with many queries.
     *
     * @param capabilities the client's capabilities, e.g. {@link Capabilities#AGG_MARK_END}
     * @param listener receives the results; see its threading contract
     */
    default Subscription subscribe(TenantId tenant, Set<String> capabilities, LiveListener listener) {
        return subscribe(tenant, capabilities, listener, null);
    }

    /**
     * As {@link #subscribe(TenantId, Set, LiveListener)}, delivering on {@code executor} instead of the engine's
     * delivery executor (null: the engine's).
     */
    Subscription subscribe(TenantId tenant, Set<String> capabilities, LiveListener listener, Executor executor);

    /**
     * Plans a query against the tenant's live tables as they are defined now and returns its result schema, the one
     * {@link LiveListener#snapshotBegin} would carry. Synchronous: registers nothing, cuts nothing and waits for no
     * generation. It checks the query, not the rows: a query that plans can still fail later on a row (BIGINT
     * overflow), as any registered query can. Takes the tenant's lock for the planning only.
     *
     * @throws TidemarkException what {@link Subscription#register} throws for the same SQL: {@code INVALID_QUERY},
     *     {@code NOT_FOUND} (unknown table) or {@code UNKNOWN_COLUMN}, with the position of the construct at fault
     */
    QuerySchema validate(TenantId tenant, String sql);

    /**
     * Evaluates a query once over the tenant's live tables as they are now — every batch {@link #onCommit} applied
     * before the call, whether or not a generation has been cut since — and returns its whole result. Same SQL, rules
     * and errors as {@link Subscription#register}; registers nothing and cuts nothing. Costs one pass over the table
     * the query reads, under the tenant's lock (ingest into the tenant waits meanwhile), like a registration.
     *
     * @throws TidemarkException as {@link #validate}, and {@code INVALID_QUERY} when the query fails on a row
     */
    LiveSnapshot snapshot(TenantId tenant, String sql);

    /** Bytes the tenant's live tables use, by the engine's estimate (the figure the memory budget limits). */
    long memoryUsed(TenantId tenant);

    /** Registered queries whose status is STALE now, over all tenants (see {@link QueryStatus}). */
    int staleQueries();

    /** The configured publish interval. */
    Duration publishInterval();

    /**
     * Calls {@link #cutAll} every {@link #publishInterval()} on {@code scheduler}; cancel the returned future to
     * stop. An exception from a cut is logged; it does not stop the schedule.
     */
    default ScheduledFuture<?> schedule(ScheduledExecutorService scheduler) {
        long nanos = publishInterval().toNanos();
        return scheduler.scheduleAtFixedRate(() -> {
            try {
                cutAll();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(LiveEngine.class).error("live: cut failed", e);
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LiveEngine}; every setting has a default. */
    final class Builder {
        private Clock clock = Clock.systemUTC();
        private boolean logTime;
        private Duration publishInterval = Duration.ofMillis(100);
        private long memoryBudgetBytes = 256L << 20;
        private int maxPendingRows = 100_000;
        private Executor deliveryExecutor = ForkJoinPool.commonPool();

        private Builder() {}

        /** The time source for live windows and {@code now()}; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Log-time mode (cluster mode): each tenant's clock is the {@code asOf} of its last
         * {@link LiveEngine#cut(TenantId, long, Instant)}, which also numbers its generations; the {@link #clock} is
         * not read. Default false: the engine numbers each tenant's generations 1, 2, 3… and reads the clock.
         */
        public Builder logTime(boolean on) {
            this.logTime = on;
            return this;
        }

        /** How often {@link #schedule} cuts; default 100 ms. */
        public Builder publishInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "publish interval must be positive, got " + d);
            }
            this.publishInterval = d;
            return this;
        }

        /** Live-table memory per tenant, in bytes (estimated); default 256 MiB. */
        public Builder memoryBudgetBytes(long bytes) {
            if (bytes <= 0) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "memory budget must be positive, got " + bytes);
            }
            this.memoryBudgetBytes = bytes;
            return this;
        }

        /**
         * The bound on a subscriber's undelivered result rows; default 100,000. Past it, the subscriber's further
         * generations are merged into one, delivered with the newest number once it catches up.
         */
        public Builder maxPendingRows(int rows) {
            if (rows <= 0) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "max pending rows must be positive, got " + rows);
            }
            this.maxPendingRows = rows;
            return this;
        }

        /** Where subscribers' callbacks run unless a subscriber brings its own; default the common pool. */
        public Builder deliveryExecutor(Executor e) {
            this.deliveryExecutor = Objects.requireNonNull(e, "deliveryExecutor");
            return this;
        }

        public LiveEngine build() {
            return new DefaultLiveEngine(clock, logTime, publishInterval, memoryBudgetBytes, maxPendingRows, deliveryExecutor);
        }
    }
}
