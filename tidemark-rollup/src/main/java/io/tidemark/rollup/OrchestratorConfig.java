package io.tidemark.rollup;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;

/**
 * Limits of a {@link RollupOrchestrator}.
 *
 * @param maxBucketsPerStatement most buckets one {@code INSERT … SELECT … GROUP BY bucket, rtId} statement covers
 *     during a catch-up; bounds the size of one transaction
 * @param maxBucketsPerTick most buckets one rollup commits in one tick: the fairness budget, so one large backfill
 *     cannot starve the other rollups of the tenant, nor the other tenants of a host
 */
public record OrchestratorConfig(int maxBucketsPerStatement, int maxBucketsPerTick) {
    /** 1440 buckets per statement (a day of minutes), 100 000 buckets per rollup per tick. */
    public static final OrchestratorConfig DEFAULT = new OrchestratorConfig(1440, 100_000);

    public OrchestratorConfig {
        if (maxBucketsPerStatement < 1) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "maxBucketsPerStatement must be at least 1, got " + maxBucketsPerStatement);
        }
        if (maxBucketsPerTick < 1) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "maxBucketsPerTick must be at least 1, got " + maxBucketsPerTick);
        }
    }
}
