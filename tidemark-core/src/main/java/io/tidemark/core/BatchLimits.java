package io.tidemark.core;

import java.time.Instant;

/**
 * Bounds on an ingest batch.
 *
 * @param maxRows most samples in one batch
 * @param maxRtIdLength longest rtId, in characters
 * @param minTimestamp earliest accepted timestamp (inclusive)
 * @param maxTimestamp latest accepted timestamp (exclusive)
 * @param maxStringLength longest VARCHAR value, in characters
 */
public record BatchLimits(int maxRows, int maxRtIdLength, Instant minTimestamp, Instant maxTimestamp,
        int maxStringLength) {
    public static final BatchLimits DEFAULT = new BatchLimits(1_000_000, 128,
            Instant.parse("1900-01-01T00:00:00Z"), Instant.parse("2200-01-01T00:00:00Z"), 65_535);

    /**
     * {@code TOO_LARGE}: a request carries more samples than {@code max}, the row limit of the path it came by;
     * refused before any sample is looked at.
     */
    public static TidemarkException tooManyRows(int max) {
        return new TidemarkException(ErrorCode.TOO_LARGE, "the batch has more than " + max
                + " samples, the limit per request; split it into smaller batches");
    }
}
