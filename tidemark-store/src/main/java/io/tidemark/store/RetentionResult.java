package io.tidemark.store;

import java.time.Instant;

/**
 * What one {@link ArchiveStore#deleteExpired} call did.
 *
 * @param rows rows deleted
 * @param from start of the deleted range (the oldest row's timestamp), or null when nothing was deleted
 * @param to end (exclusive) of the deleted range, or null when nothing was deleted
 * @param bound the bound actually applied: the request's {@code before}, lowered to what the archive's rollups still
 *     need; null when a rollup may still read any row (nothing can be deleted)
 * @param more whether rows below {@code bound} may remain (the span ended first): call again
 */
public record RetentionResult(long rows, Instant from, Instant to, Instant bound, boolean more) {

    /** Nothing deleted, nothing left below {@code bound}. */
    public static RetentionResult nothing(Instant bound) {
        return new RetentionResult(0, null, null, bound, false);
    }
}
