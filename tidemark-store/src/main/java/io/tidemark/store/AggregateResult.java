package io.tidemark.store;

/**
 * What an {@link AggregateRequest} did.
 *
 * @param applied false when the stored watermark no longer matched and nothing was written
 * @param rows rows written to the target
 */
public record AggregateResult(boolean applied, long rows) {
    public static final AggregateResult LOST_RACE = new AggregateResult(false, 0);
}
