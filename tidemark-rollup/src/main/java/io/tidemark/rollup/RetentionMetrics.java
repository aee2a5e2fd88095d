package io.tidemark.rollup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The retention meters of one tenant's archives, tagged {@code tenant} and {@code archive}; created when an archive
 * with a retention is first seen, removed when it is gone or keeps its rows forever again. Thread-safe.
 */
final class RetentionMetrics {
    static final String ROWS = "tidemark.retention.rows.deleted";
    static final String FAILURES = "tidemark.retention.failures";
    static final String BLOCKED = "tidemark.retention.blocked";
    static final String BEHIND = "tidemark.retention.behind.seconds";

    private final MeterRegistry registry;
    private final String tenant;
    private final Map<String, Meters> byArchive = new ConcurrentHashMap<>();

    /** What the gauges read: whether blocked, and how far behind its horizon (NaN: nothing may be deleted). */
    record Standing(boolean blocked, double behindSeconds) {}

    record Meters(AtomicReference<Standing> standing, Counter rows, Counter failures, Gauge blocked, Gauge behind) {}

    RetentionMetrics(MeterRegistry registry, String tenant) {
        this.registry = registry;
        this.tenant = tenant;
    }

    void status(RetentionStatus s) {
        double behind = s.deletableBefore() == null ? Double.NaN
                : Math.max(0, Duration.between(s.deletableBefore(), s.horizon()).toMillis() / 1000.0);
        of(s.archive()).standing().set(new Standing(s.blocked(), s.blocked() ? behind : 0.0));
    }

    void deleted(String archive, long rows) {
        of(archive).rows().increment(rows);
    }

    void failure(String archive) {
        of(archive).failures().increment();
    }

    /** Removes the meters of archives that no longer have a retention. */
    void retain(Set<String> archives) {
        for (String name : Set.copyOf(byArchive.keySet())) {
            if (archives.contains(name)) {
                continue;
            }
            Meters m = byArchive.remove(name);
            registry.remove(m.rows());
            registry.remove(m.failures());
            registry.remove(m.blocked());
            registry.remove(m.behind());
        }
    }

    private Meters of(String archive) {
        return byArchive.computeIfAbsent(archive, this::register);
    }

    private Meters register(String archive) {
        Tags tags = Tags.of("tenant", tenant, "archive", archive);
        AtomicReference<Standing> standing = new AtomicReference<>(new Standing(false, 0.0));
        return new Meters(standing,
                Counter.builder(ROWS).tags(tags).description("rows deleted because they were older than the "
                        + "archive's retention").register(registry),
                Counter.builder(FAILURES).tags(tags).description("failed retention deletes").register(registry),
                Gauge.builder(BLOCKED, standing, s -> s.get().blocked() ? 1.0 : 0.0).tags(tags)
                        .strongReference(true).description("1 while rollups that still need older rows hold the "
                                + "archive's retention below its horizon").register(registry),
                Gauge.builder(BEHIND, standing, s -> s.get().behindSeconds()).tags(tags).strongReference(true)
                        .description("how far rollups hold retention behind its horizon; 0 when not blocked, NaN "
                                + "when nothing may be deleted").baseUnit("seconds").register(registry));
    }
}
