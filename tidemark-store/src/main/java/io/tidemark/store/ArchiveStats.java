package io.tidemark.store;

import java.time.Instant;

/**
 * How many samples an archive holds and the time they span, as {@link ArchiveStore#archiveStats} read them.
 *
 * <p>{@code rows} is exact when {@code rowsEstimated} is false. An engine where counting a large table means reading
 * all of it (PostgreSQL) counts exactly up to a bound and estimates above it from the planner's statistics, which
 * may lag by up to one autovacuum round; {@code rowsEstimated} is then true and {@code rows} is never below the
 * bound, so an estimate never looks smaller than what was counted.
 *
 * @param rows the number of stored samples (exact or estimated, see {@code rowsEstimated})
 * @param rowsEstimated whether {@code rows} is the engine's estimate rather than a count
 * @param earliest the oldest sample's timestamp, or null when the archive is empty
 * @param latest the newest sample's timestamp, or null when the archive is empty
 */
public record ArchiveStats(long rows, boolean rowsEstimated, Instant earliest, Instant latest) {

    public ArchiveStats {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must not be negative: " + rows);
        }
    }
}
