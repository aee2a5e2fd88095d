package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RollupMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T12:00:00Z"));
    private final RollupMetrics metrics = new RollupMetrics(registry, TenantId.of("acme"), clock);

    @Test
    void lag_watermarkSet_isNowMinusWatermarkAndFollowsTheClock() {
        metrics.watermark("m1", Instant.parse("2024-05-01T11:59:00Z"));

        assertThat(lag("m1")).isEqualTo(60.0);
        clock.advance(Duration.ofSeconds(30));
        assertThat(lag("m1")).isEqualTo(90.0);
    }

    @Test
    void lag_noWatermarkYet_isNaN() {
        metrics.watermark("m1", null);

        assertThat(lag("m1")).isNaN();
    }

    @Test
    void retain_rollupGone_itsMetersAreRemoved() {
        metrics.watermark("m1", null);
        metrics.watermark("m2", null);

        metrics.retain(Set.of("m2"));

        assertThat(registry.find(RollupMetrics.LAG).tag("rollup", "m1").gauge()).isNull();
        assertThat(registry.find(RollupMetrics.BUCKETS).tag("rollup", "m1").counter()).isNull();
        assertThat(registry.find(RollupMetrics.LAG).tag("rollup", "m2").gauge()).isNotNull();
    }

    private double lag(String rollup) {
        return registry.get(RollupMetrics.LAG).tags("tenant", "acme", "rollup", rollup).gauge().value();
    }
}
