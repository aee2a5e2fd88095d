package io.tidemark.server.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.store.PublicError;
import io.tidemark.store.Store;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's health as {@code /health} reports it, without {@code /health} ever waiting on the store: a background
 * thread probes the store ({@link Store#ping()}, bounded by the store's timeouts) every {@code interval}, and
 * {@link #current()} answers from the last result. A probe still running after {@code interval} means DOWN at once
 * (a store that does not answer is down, whatever the probe later says); so does no finished probe for three
 * intervals. Recovery is the next probe that succeeds. Gauge {@code tidemark_store_up} (1 or 0).
 */
final class StoreHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);
    private static final long NONE = Long.MIN_VALUE;

    /** One answer: up or not, and why not (no store details: {@code /health} needs no token). */
    record Status(boolean up, String reason, String errorId) {}

    private final Store store;
    private final long intervalNanos;
    private final LongSupplier nanos;
    private final ScheduledExecutorService probes;
    private volatile Status last = new Status(false, "the store has not been probed yet", null);
    private volatile long lastFinished = NONE;
    private volatile long probeStarted = NONE;

    StoreHealth(Store store, Duration interval, MeterRegistry meters) {
        this(store, interval, System::nanoTime, meters);
    }

    StoreHealth(Store store, Duration interval, LongSupplier nanos, MeterRegistry meters) {
        this.store = store;
        this.intervalNanos = interval.toNanos();
        this.nanos = nanos;
        this.probes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidemark-store-health");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("tidemark.store.up", this, h -> h.current().up() ? 1 : 0)
                .description("1 while the store answers the health probe, 0 while it does not").register(meters);
    }

    /** Probes once now (bounded by the store's timeouts), then every interval in the background. */
    void start() {
        probe();
        probes.scheduleWithFixedDelay(this::probe, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** The store's health now; never blocks. */
    Status current() {
        long now = nanos.getAsLong();
        long started = probeStarted;
        if (started != NONE && now - started > intervalNanos) {
            return new Status(false, "the store has not answered for " + Duration.ofNanos(now - started).toMillis()
                    + " ms", null);
        }
        long finished = lastFinished;
        if (finished != NONE && now - finished > 3 * intervalNanos && started == NONE) {
            return new Status(false, "no health probe has finished for " + Duration.ofNanos(now - finished).toMillis()
                    + " ms", null);
        }
        return last;
    }

    void probe() {
        probeStarted = nanos.getAsLong();
        Status next;
        try {
            store.ping();
            next = new Status(true, null, null);
        } catch (RuntimeException e) {
            PublicError p = last.up() || last.errorId() == null ? PublicError.report("health probe", e) : null;
            next = new Status(false, "the store does not answer", p == null ? last.errorId() : p.errorId());
        }
        if (next.up() != last.up()) {
            LOG.atInfo().addKeyValue("up", next.up()).log(next.up() ? "the store answers again" : "the store is down");
        }
        last = next;
        lastFinished = nanos.getAsLong();
        probeStarted = NONE;
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
