package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.Objects;

/**
 * Buckets of a rollup whose rows no longer equal the GROUP BY of the source, because samples (or source rows) were
 * written below the rollup's watermark. Both ends are bucket boundaries of the rollup.
 *
 * @param from first stale bucket start, inclusive
 * @param to end of the last stale bucket, exclusive
 * @param firstRecordedAt when the oldest part of this range was recorded (by the store's clock); the age of a range
 *     is {@code now − firstRecordedAt}
 */
public record StaleRange(Instant from, Instant to, Instant firstRecordedAt) {
    public StaleRange {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(firstRecordedAt, "firstRecordedAt");
        if (!from.isBefore(to)) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "stale range needs from < to, got [" + from
                    + ", " + to + ")");
        }
    }

    @Override
    public String toString() {
        return "[" + from + ", " + to + ")";
    }
}
