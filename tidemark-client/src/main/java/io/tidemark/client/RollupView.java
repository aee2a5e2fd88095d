package io.tidemark.client;

import java.time.Instant;
import java.util.List;

/**
 * A rollup as the server reports it.
 *
 * @param watermark end (exclusive) of the last committed bucket; null before the first commit
 * @param lagSeconds now minus the watermark; null before the first commit
 * @param staleRanges bucket ranges waiting to be re-aggregated after late data, oldest first
 * @param oldestStaleAgeSeconds how long the oldest stale range has waited; null when none is pending
 */
public record RollupView(String name, String source, String bucket, String status, boolean frozen,
        Instant watermark, Double lagSeconds, int consecutiveFailures, String lastError,
        List<StaleRange> staleRanges, Double oldestStaleAgeSeconds) {
    public RollupView {
        staleRanges = List.copyOf(staleRanges);
    }

    /** Buckets {@code [from, to)} of the rollup that no longer equal the GROUP BY of its source. */
    public record StaleRange(Instant from, Instant to, Instant recordedAt) {}
}
