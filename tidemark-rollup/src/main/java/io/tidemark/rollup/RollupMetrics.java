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
    static final String STALE_RANGES = "tidemark.rollup.stale.ranges";
    static final String STALE_OLDEST = "tidemark.rollup.stale.oldest.seconds";
    static final String RECOMPUTED = "tidemark.rollup.buckets.recomputed";
    /** Catalog reads that failed (tenant listing, a rollup's definition): counted per tenant, never per rollup. */
    static final String CATALOG_FAILURES = "tidemark.rollup.catalog.failures";

    private final MeterRegistry registry;
    private final TenantId tenant;
    private final Clock clock;
    private final Map<String, Meters> byRollup = new ConcurrentHashMap<>();
    private final Counter catalogFailures;

    RollupMetrics(MeterRegistry registry, TenantId tenant, Clock clock) {
        this.registry = registry;
        this.tenant = tenant;
        this.clock = clock;
        this.catalogFailures = Counter.builder(CATALOG_FAILURES).tags("tenant", tenant.value())
                .description("failed reads of the tenant's rollup catalog; the tick skipped what it could not read")
                .register(registry);
    }

    void catalogFailure() {
        catalogFailures.increment();
    }

    /** The meters of one rollup; the watermark feeds the lag gauge. */
    record Meters(AtomicReference<Instant> watermark, Counter buckets, Counter rows, Counter failures,
            Timer statement, Gauge lag, AtomicReference<Stale> stale, Gauge staleRanges, Gauge staleOldest,
            Counter recomputedBuckets) {}

    /** Pending stale ranges and when the oldest was recorded (null when none). */
    record Stale(int ranges, Instant since) {}

    Meters of(String rollup) {
        return byRollup.computeIfAbsent(rollup, this::register);
    }

    void watermark(String rollup, Instant watermark) {
        of(rollup).watermark().set(watermark);
    }

    void stale(String rollup, io.tidemark.store.RollupState state) {
        of(rollup).stale().set(new Stale(state.staleRanges(), state.staleSince()));
    }

    void stale(String rollup, java.util.List<io.tidemark.store.StaleRange> ranges) {
        Instant since = ranges.stream().map(io.tidemark.store.StaleRange::firstRecordedAt).min(Instant::compareTo)
                .orElse(null);
        of(rollup).stale().set(new Stale(ranges.size(), since));
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
            registry.remove(m.staleRanges());
            registry.remove(m.staleOldest());
            registry.remove(m.recomputedBuckets());
        }
    }

    private Meters register(String rollup) {
        Tags tags = Tags.of("tenant", tenant.value(), "rollup", rollup);
        AtomicReference<Instant> watermark = new AtomicReference<>();
        AtomicReference<Stale> stale = new AtomicReference<>(new Stale(0, null));
        Gauge lag = Gauge.builder(LAG, watermark, this::lagSeconds).tags(tags).strongReference(true)
                .description("now minus the rollup's watermark; NaN before its first commit")
                .baseUnit("seconds").register(registry);
        return new Meters(watermark,
                Counter.builder(BUCKETS).tags(tags).description("buckets committed").register(registry),
                Counter.builder(ROWS).tags(tags).description("rollup rows written").register(registry),
                Counter.builder(FAILURES).tags(tags).description("failed rollup statements").register(registry),
                Timer.builder(STATEMENT).tags(tags).description("aggregate statement time").register(registry),
                lag, stale,
                Gauge.builder(STALE_RANGES, stale, s -> s.get().ranges()).tags(tags).strongReference(true)
                        .description("stale ranges waiting to be re-aggregated after late data").register(registry),
                Gauge.builder(STALE_OLDEST, stale, this::staleSeconds).tags(tags).strongReference(true)
                        .description("age of the oldest pending stale range; 0 when none").baseUnit("seconds")
                        .register(registry),
                Counter.builder(RECOMPUTED).tags(tags).description("stale buckets re-aggregated")
                        .register(registry));
    }

    private double staleSeconds(AtomicReference<Stale> stale) {
        Instant since = stale.get().since();
        return since == null ? 0.0 : Duration.between(since, clock.instant()).toMillis() / 1000.0;
    }

    private double lagSeconds(AtomicReference<Instant> watermark) {
        Instant w = watermark.get();
        if (w == null) {
            return Double.NaN;
        }
        return Duration.between(w, clock.instant()).toMillis() / 1000.0;
    }
}
