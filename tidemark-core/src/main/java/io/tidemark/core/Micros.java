package io.tidemark.core;

import java.time.Instant;

/**
 * The product's time codec: a timestamp as a {@code long} of microseconds since 1970-01-01T00:00:00Z (UTC), the
 * precision the store keeps. Batches, the store, the live engine and the readers all exchange timestamps in this
 * form. Thread-safe (stateless).
 */
public final class Micros {
    private Micros() {}

    /**
     * The microseconds since the epoch of {@code t}, truncated towards the past: a sub-microsecond part is dropped,
     * so {@code 1969-12-31T23:59:59.9999995Z} is {@code -1}. Instants before the epoch are negative.
     *
     * @throws ArithmeticException when {@code t} lies beyond the {@code long} range of microseconds (about ±292,000
     *     years)
     * @throws NullPointerException when {@code t} is null
     */
    public static long toMicros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /**
     * The instant {@code micros} microseconds after the epoch (before it when negative). Every {@code long} has one,
     * and {@code toMicros(fromMicros(m)) == m} for all of them.
     */
    public static Instant fromMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
