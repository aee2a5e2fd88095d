package io.tidemark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class MicrosTest {

    @Test
    void toMicros_examples_areMicrosecondsSinceEpoch() {
        assertThat(Micros.toMicros(Instant.EPOCH)).isZero();
        assertThat(Micros.toMicros(Instant.parse("1970-01-01T00:00:01.000002Z"))).isEqualTo(1_000_002L);
        assertThat(Micros.toMicros(Instant.parse("1969-12-31T23:59:59.999999Z"))).isEqualTo(-1L);
        assertThat(Micros.toMicros(Instant.parse("1969-12-31T23:59:59Z"))).isEqualTo(-1_000_000L);
        assertThat(Micros.toMicros(Instant.parse("1900-01-01T00:00:00Z"))).isEqualTo(-2_208_988_800_000_000L);
    }

    @Test
    void toMicros_subMicrosecondPart_isTruncatedTowardsThePast() {
        assertThat(Micros.toMicros(Instant.EPOCH.plusNanos(999))).isZero();
        assertThat(Micros.toMicros(Instant.EPOCH.minusNanos(1))).isEqualTo(-1L);
        assertThat(Micros.toMicros(Instant.EPOCH.minusNanos(1_001))).isEqualTo(-2L);
    }

    @Test
    void fromMicros_negative_isBeforeEpoch() {
        assertThat(Micros.fromMicros(-1L)).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
        assertThat(Micros.fromMicros(-1_000_001L)).isEqualTo(Instant.parse("1969-12-31T23:59:58.999999Z"));
        assertThat(Micros.fromMicros(-2_208_988_800_000_000L))
                .isEqualTo(Instant.parse("1900-01-01T00:00:00Z"));
    }

    @Test
    void toMicros_beyondLongRange_throws() {
        assertThat(catchThrowableOfType(ArithmeticException.class, () -> Micros.toMicros(Instant.MAX)))
                .isNotNull();
    }

    @Property(tries = 2000)
    void fromMicros_toMicros_roundTrips(@ForAll @LongRange(min = -9_000_000_000_000_000_000L,
            max = 9_000_000_000_000_000_000L) long micros) {
        Instant t = Micros.fromMicros(micros);
        assertThat(Micros.toMicros(t)).isEqualTo(micros);
        assertThat(t.getNano() % 1_000).isZero();
    }

    @Property(tries = 2000)
    void toMicros_anyInstant_truncatesToTheMicrosecondAtOrBefore(
            @ForAll @LongRange(min = -2_208_988_800L, max = 7_258_118_400L) long seconds,
            @ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
        Instant t = Instant.ofEpochSecond(seconds, nanos);
        Instant back = Micros.fromMicros(Micros.toMicros(t));
        assertThat(back).isBeforeOrEqualTo(t).isAfter(t.minusNanos(1_000));
    }
}
