package io.tidemark.core;

import java.time.Duration;
import java.time.Instant;

/** Buckets of a fixed width, from one second to seven days, aligned to the Unix epoch. */
public record FixedBucket(Duration width) implements Bucket {
    static final Duration MIN = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofDays(7);

    public FixedBucket {
        if (width == null || width.compareTo(MIN) < 0 || width.compareTo(MAX) > 0 || width.getNano() != 0) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "invalid bucket width " + width
                    + ": a fixed bucket is a whole number of seconds from PT1S to P7D");
        }
    }

    /** The width in microseconds, the unit the stores compute bucket starts in. */
    public long widthMicros() {
        return width.getSeconds() * 1_000_000L;
    }

    @Override
    public Instant floor(Instant t) {
        long w = width.getSeconds();
        long s = Math.floorDiv(t.getEpochSecond(), w) * w;
        return Instant.ofEpochSecond(s);
    }

    @Override
    public Instant next(Instant boundary) {
        return boundary.plus(width);
    }

    @Override
    public long countBuckets(Instant from, Instant to) {
        return Math.max(0, (to.getEpochSecond() - from.getEpochSecond()) / width.getSeconds());
    }

    @Override
    public String spec() {
        return width.toString();
    }
}
