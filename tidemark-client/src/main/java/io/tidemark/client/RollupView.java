package io.tidemark.client;

import java.time.Instant;

/**
 * A rollup as the server reports it.
 *
 * @param watermark end (exclusive) of the last committed bucket; null before the first commit
 * @param lagSeconds now minus the watermark; null before the first commit
 */
public record RollupView(String name, String source, String bucket, String status, boolean frozen,
        Instant watermark, Double lagSeconds, int consecutiveFailures, String lastError) {}
