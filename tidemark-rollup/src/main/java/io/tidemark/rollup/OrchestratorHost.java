package io.tidemark.rollup;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rollup orchestrators of every tenant of a store in the background: each round ticks the tenants one
 * after another, in name order, and the next round starts {@code interval} after the previous one ended, so rounds
 * never overlap. Tenants are read from the store every round, so tenants created at runtime are picked up. One
 * tenant's failure never stops the others.
 *
 * <p>After a tenant's tick, the host deletes the tenant's rows older than their archive's retention, within
 * {@link RetentionConfig} (see {@link Retention} for what is never deleted).
 *
 * <p>Lifecycle: {@link #start()} schedules the rounds; {@link #stop()} lets the running tenant tick finish, skips
 * the remaining tenants of the round and returns; a stopped host does not start again. Both are idempotent and
 * thread-safe. The executor is the caller's when given to the builder (the host never shuts it down), else the
 * host's own single daemon thread {@value #THREAD_NAME}, shut down by {@link #stop()}.
 */
public final class OrchestratorHost implements AutoCloseable {
    /** The name of the thread the host creates when no executor is given. */
    public static final String THREAD_NAME = "tidemark-rollup-host";
    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorHost.class);

    private final Store store;
    private final Duration interval;
    private final Clock clock;
    private final OrchestratorConfig config;
    private final RetentionConfig retention;
    private final MeterRegistry meterRegistry;
    private final RollupListener listener;
    private final java.util.function.Predicate<TenantId> tenants;
    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;
    private final Map<TenantId, RollupOrchestrator> orchestrators = new ConcurrentHashMap<>();
    private final Map<TenantId, RetentionRunner> retentionRunners = new ConcurrentHashMap<>();
    /** Held for a whole round; {@link #stop()} takes it to wait for the running tick. */
    private final ReentrantLock round = new ReentrantLock();
    private volatile boolean stopped;
    private ScheduledFuture<?> schedule;

    private OrchestratorHost(Builder b) {
        this.store = b.store;
        this.interval = b.interval;
        this.clock = b.clock;
        this.config = b.config;
        this.retention = b.retention;
        this.meterRegistry = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
        this.listener = b.listener;
        this.tenants = b.tenants;
        this.ownsExecutor = b.executor == null;
        this.executor = ownsExecutor ? Executors.newSingleThreadScheduledExecutor(OrchestratorHost::thread)
                : b.executor;
    }

    public static Builder builder(Store store) {
        return new Builder(store);
    }

    /**
     * Schedules the rounds, the first one immediately. Idempotent while running.
     *
     * @throws TidemarkException {@code INVALID_STATE} after {@link #stop()}
     */
    public synchronized void start() {
        if (stopped) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "the rollup host was stopped; create a new one");
        }
        if (schedule != null) {
            return;
        }
        schedule = executor.scheduleWithFixedDelay(this::scheduledRound, 0, interval.toNanos(),
                TimeUnit.NANOSECONDS);
        LOG.info("rollup host started on {}, every {}", store.describe(), interval);
    }

    /**
     * Stops the rounds: no tick starts after this returns. Waits for a running tenant tick to finish (a tick ends
     * between statements, never inside one). Idempotent; may be called from any thread.
     */
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (schedule != null) {
                schedule.cancel(false);
            }
        }
        round.lock();
        round.unlock();
        if (ownsExecutor) {
            executor.shutdown();
        }
        LOG.info("rollup host stopped");
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        return schedule != null && !stopped;
    }

    /**
     * One round now, on the calling thread: ticks every tenant once; waits for a scheduled round that is running.
     * Does nothing after {@link #stop()}.
     *
     * @return the buckets committed by all tenants
     */
    public int runOnce() {
        round.lock();
        try {
            return stopped ? 0 : tickTenants();
        } finally {
            round.unlock();
        }
    }

    /** The orchestrator the host uses for {@code tenant}, e.g. to build a {@link RollupAdmin} on it. */
    public RollupOrchestrator orchestrator(TenantId tenant) {
        return orchestrators.computeIfAbsent(tenant, t -> RollupOrchestrator.builder(store, t).clock(clock)
                .config(config).meterRegistry(meterRegistry).listener(listener).build());
    }

    private void scheduledRound() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // an exception would cancel the schedule silently; log it and keep the host alive
            LOG.error("rollup host round failed", e);
        }
    }

    private int tickTenants() {
        List<TenantId> tenants;
        try {
            tenants = store.tenants();
        } catch (RuntimeException e) {
            LOG.warn("rollup host: cannot list tenants of {}, skipping this round: {}", store.describe(),
                    e.toString());
            return 0;
        }
        int total = 0;
        for (TenantId tenant : tenants) {
            if (stopped) {
                break;
            }
            if (!this.tenants.test(tenant)) {
                continue;
            }
            total += tickSafely(tenant);
        }
        return total;
    }

    private int tickSafely(TenantId tenant) {
        int buckets = 0;
        try {
            buckets = orchestrator(tenant).tick();
        } catch (RuntimeException e) {
            LOG.error("rollup host: tick of tenant {} failed", tenant, e);
        }
        try {
            retentionRunners.computeIfAbsent(tenant, t -> new RetentionRunner(store, t, clock, retention,
                    meterRegistry)).run();
        } catch (RuntimeException e) {
            LOG.error("rollup host: retention of tenant {} failed", tenant, e);
        }
        return buckets;
    }

    private static Thread thread(Runnable r) {
        Thread t = new Thread(r, THREAD_NAME);
        t.setDaemon(true);
        return t;
    }

    /** Builds an {@link OrchestratorHost}; every setting but the store has a default. */
    public static final class Builder {
        private final Store store;
        private Duration interval = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();
        private OrchestratorConfig config = OrchestratorConfig.DEFAULT;
        private RetentionConfig retention = RetentionConfig.DEFAULT;
        private MeterRegistry meterRegistry;
        private ScheduledExecutorService executor;
        private RollupListener listener = RollupListener.NONE;
        private java.util.function.Predicate<TenantId> tenants = t -> true;

        private Builder(Store store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Pause between the end of one round and the start of the next; default 10 s. */
        public Builder interval(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                        "the rollup host interval must be positive, got " + d);
            }
            this.interval = d;
            return this;
        }

        /** Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        public Builder config(OrchestratorConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /** Limits of the retention deletes of each round; default {@link RetentionConfig#DEFAULT}. */
        public Builder retention(RetentionConfig r) {
            this.retention = Objects.requireNonNull(r, "retention");
            return this;
        }

        /** Default: a private {@link SimpleMeterRegistry}. */
        public Builder meterRegistry(MeterRegistry r) {
            this.meterRegistry = Objects.requireNonNull(r, "meterRegistry");
            return this;
        }

        /** Runs the rounds on this executor, which the host never shuts down; default its own thread. */
        public Builder executor(ScheduledExecutorService e) {
            this.executor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /**
         * Hears of every statement the host's orchestrators commit, on the host's thread (or the caller of
         * {@link #runOnce()}), after the rows commit and before the watermark moves; default
         * {@link RollupListener#NONE}.
         */
        public Builder listener(RollupListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /**
         * Which tenants the rounds tick (rollups and retention); default every tenant of the store. Asked once per
         * tenant per round, on the host's thread; it must not block. In cluster mode: the tenants whose log partition
         * this node's writer owns (docs/scale-out.md, "Placement"). {@link #orchestrator} serves any tenant.
         */
        public Builder tenants(java.util.function.Predicate<TenantId> filter) {
            this.tenants = java.util.Objects.requireNonNull(filter, "filter");
            return this;
        }

        public OrchestratorHost build() {
            return new OrchestratorHost(this);
        }
    }
}
