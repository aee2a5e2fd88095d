package io.tidemark.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bucket laws, for random instants and every bucket kind: {@code floor(t) ≤ t < next(floor(t))}, floor is
 * idempotent, {@code next} yields boundaries, boundaries strictly increase. Random instants rarely land near a DST
 * transition, so the laws are also checked exhaustively around every transition of zones with odd histories.
 */
class BucketPropertiesTest {

    /** Zones with DST, half-hour and 45-minute offsets, midnight gaps, midnight-crossing overlaps, skipped days. */
    static final List<String> ZONES = List.of("UTC", "Europe/Vienna", "America/New_York", "Asia/Kolkata",
            "Australia/Lord_Howe", "America/Sao_Paulo", "America/Havana", "America/St_Johns", "Antarctica/Casey",
            "Pacific/Apia", "Asia/Kathmandu", "Pacific/Chatham", "America/Goose_Bay", "Asia/Beirut", "+05:30");

    private static final Instant MIN = BatchLimits.DEFAULT.minTimestamp();
    private static final Instant MAX = BatchLimits.DEFAULT.maxTimestamp();

    @Provide
    Arbitrary<Instant> instants() {
        Arbitrary<Long> seconds = Arbitraries.longs().between(MIN.getEpochSecond(), MAX.getEpochSecond() - 1);
        Arbitrary<Integer> nanos = Arbitraries.integers().between(0, 999_999_999);
        Arbitrary<Instant> any = Combinators.combine(seconds, nanos).as(Instant::ofEpochSecond);
        Arbitrary<Instant> wholeSeconds = seconds.map(Instant::ofEpochSecond);
        return Arbitraries.frequencyOf(Tuple.of(3, any), Tuple.of(1, wholeSeconds));
    }

    @Provide
    Arbitrary<Bucket> buckets() {
        Arbitrary<Bucket> commonWidths = Arbitraries.of("PT1S", "PT7S", "PT1M", "PT5M", "PT7M", "PT15M", "PT1H",
                "PT90M", "P1D", "P7D").map(Bucket::parse);
        Arbitrary<Bucket> anyWidth = Arbitraries.longs().between(1, Duration.ofDays(7).getSeconds())
                .map(s -> new FixedBucket(Duration.ofSeconds(s)));
        Arbitrary<Bucket> calendars = Combinators.combine(Arbitraries.of(CalendarUnit.class), Arbitraries.of(ZONES))
                .as((u, z) -> new CalendarBucket(u, ZoneId.of(z)));
        return Arbitraries.oneOf(commonWidths, anyWidth, calendars);
    }

    @Property(tries = 2000)
    void floor_anyInstant_holdsTheInstant(@ForAll("buckets") Bucket b, @ForAll("instants") Instant t) {
        Instant f = b.floor(t);
        assertThat(f).isBeforeOrEqualTo(t);
        assertThat(b.next(f)).isAfter(t);
    }

    @Property(tries = 1000)
    void floor_ofAFloor_isTheSame(@ForAll("buckets") Bucket b, @ForAll("instants") Instant t) {
        Instant f = b.floor(t);
        assertThat(b.floor(f)).isEqualTo(f);
        assertThat(b.isBoundary(f)).isTrue();
    }

    @Property(tries = 1000)
    void next_ofABoundary_isABoundary(@ForAll("buckets") Bucket b, @ForAll("instants") Instant t) {
        Instant n = b.next(b.floor(t));
        assertThat(b.floor(n)).isEqualTo(n);
        assertThat(b.floor(n.minusNanos(1))).isEqualTo(b.floor(t));
    }

    @Property(tries = 1000)
    void ceil_anyInstant_isTheSmallestBoundaryNotBeforeIt(@ForAll("buckets") Bucket b, @ForAll("instants") Instant t) {
        Instant c = b.ceil(t);
        assertThat(c).isAfterOrEqualTo(t);
        assertThat(b.isBoundary(c)).isTrue();
        assertThat(c).isEqualTo(b.isBoundary(t) ? t : b.next(b.floor(t)));
    }

    @Property(tries = 300)
    void boundaries_anyRange_strictlyIncreaseAndMatchCountBuckets(@ForAll("buckets") Bucket b,
            @ForAll("instants") Instant t, @ForAll @IntRange(min = 0, max = 40) int buckets,
            @ForAll @IntRange(min = 0, max = 50) int max) {
        Instant from = b.floor(t);
        Instant to = from;
        for (int i = 0; i < buckets; i++) {
            to = b.next(to);
        }
        List<Instant> bs = b.boundaries(from, to, max);
        assertThat(bs).hasSize(Math.min(buckets, max) + 1);
        assertThat(bs.get(0)).isEqualTo(from);
        for (int i = 1; i < bs.size(); i++) {
            assertThat(bs.get(i)).isAfter(bs.get(i - 1)).isEqualTo(b.next(bs.get(i - 1)));
            assertThat(b.isBoundary(bs.get(i))).isTrue();
        }
        assertThat(b.countBuckets(from, to)).isEqualTo(buckets);
    }

    static Stream<String> zones() {
        return ZONES.stream();
    }

    /** Every transition from 1900 to 2100, probed from 26 hours before to 26 hours after. */
    @ParameterizedTest
    @MethodSource("zones")
    void floor_aroundEveryTransition_holdsTheInstant(String zone) {
        ZoneId z = ZoneId.of(zone);
        List<Instant> probes = new ArrayList<>();
        Instant end = Instant.parse("2100-01-01T00:00:00Z");
        for (ZoneOffsetTransition tr = z.getRules().nextTransition(MIN); tr != null && tr.getInstant().isBefore(end);
                tr = z.getRules().nextTransition(tr.getInstant())) {
            for (long d = -26 * 3600; d <= 26 * 3600; d += 1800) {
                probes.add(tr.getInstant().plusSeconds(d));
            }
            probes.add(tr.getInstant().minusNanos(1));
        }
        for (CalendarUnit unit : CalendarUnit.values()) {
            Bucket b = new CalendarBucket(unit, z);
            for (Instant t : probes) {
                Instant f = b.floor(t);
                Instant n = b.next(f);
                assertThat(f).as("%s floor(%s)", b.spec(), t).isBeforeOrEqualTo(t);
                assertThat(n).as("%s next(floor(%s))", b.spec(), t).isAfter(t);
                assertThat(b.floor(f)).as("%s floor(floor(%s))", b.spec(), t).isEqualTo(f);
                assertThat(b.floor(n)).as("%s floor(next(floor(%s)))", b.spec(), t).isEqualTo(n);
            }
        }
    }
}
