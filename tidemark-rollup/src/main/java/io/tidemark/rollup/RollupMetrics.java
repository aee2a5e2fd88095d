package io.tidemark.rollup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tidemark.core.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The meters of one tenant's rollups, tagged {@code tenant} and {@code rollup}. Meters are created when a rollup is
 * first seen and removed when it is gone. Thread-safe.
 */
final class RollupMetrics {
    static final String LAG = "tidemark.rollup.lag.seconds";
    static final String BUCKETS = "tidemark.rollup.buckets.committed";
    static final String ROWS = "tidemark.rollup.rows.committed";
    static final String FAILURES = "tidemark.rollup.failures";
    static final String STATEMENT = "tidemark.rollup.statement";

    private final MeterRegistry registry;
    private final TenantId tenant;
    private final Clock clock;
    private final Map<String, Meters> byRollup = new ConcurrentHashMap<>();

    RollupMetrics(MeterRegistry registry, TenantId tenant, Clock clock) {
        this.registry = registry;
        this.tenant = tenant;
        this.clock = clock;
    }

    /** The meters of one rollup; the watermark feeds the lag gauge. */
    record Meters(AtomicReference<Instant> watermark, Counter buckets, Counter rows, Counter failures,
            Timer statement, Gauge lag) {}

    Meters of(String rollup) {
        return byRollup.computeIfAbsent(rollup, this::register);
    }

    void watermark(String rollup, Instant watermark) {
        of(rollup).watermark().set(watermark);
    }

    /** The registry's monotonic clock, for statement times; never the wall clock. */
    long monotonicNanos() {
        return registry.config().clock().monotonicTime();
    }

    void statement(String rollup, long nanos) {
        of(rollup).statement().record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Removes the meters of rollups that no longer exist. */
    void retain(Set<String> rollups) {
        for (String name : Set.copyOf(byRollup.keySet())) {
            if (rollups.contains(name)) {
                continue;
            }
            Meters m = byRollup.remove(name);
            registry.remove(m.lag());
            registry.remove(m.buckets());
            registry.remove(m.rows());
            registry.remove(m.failures());
            registry.remove(m.statement());
        }
    }

    private Meters register(String rollup) {
        Tags tags = Tags.of("tenant", tenant.value(), "rollup", rollup);
        AtomicReference<Instant> watermark = new AtomicReference<>();
        Gauge lag = Gauge.builder(LAG, watermark, this::lagSeconds).tags(tags).strongReference(true)
                .description("now minus the rollup's watermark; NaN before its first commit")
                .baseUnit("seconds").register(registry);
        return new Meters(watermark,
                Counter.builder(BUCKETS).tags(tags).description("buckets committed").register(registry),
                Counter.builder(ROWS).tags(tags).description("rollup rows written").register(registry),
                Counter.builder(FAILURES).tags(tags).description("failed rollup statements").register(registry),
                Timer.builder(STATEMENT).tags(tags).description("aggregate statement time").register(registry),
                lag);
    }

    private double lagSeconds(AtomicReference<Instant> watermark) {
        Instant w = watermark.get();
        if (w == null) {
            return Double.NaN;
        }
        return Duration.between(w, clock.instant()).toMillis() / 1000.0;
    }
}
