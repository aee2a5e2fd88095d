package io.tidemark.store;

/**
 * Where a tenant stands in the cluster's ingest log: every record of its partition below {@code nextOffset} has been
 * written to the store or rejected, exactly once, and none at or above it. Stored in the tenant's schema
 * ({@code "<tenant>"."_log_position"}, one row created with the tenant) and moved only by
 * {@link LogWriterStore#write}'s compare-and-set, in the transaction that writes the records.
 *
 * @param partition the log partition whose offsets {@code nextOffset} counts, or {@link #NO_PARTITION} before the
 *     tenant's first write through the log
 * @param nextOffset the offset of the first record not yet written; 0 for a new tenant
 */
public record LogPosition(int partition, long nextOffset) {
    /** The partition of a tenant nothing was written to through the log yet. */
    public static final int NO_PARTITION = -1;

    /** The position of a tenant created and not yet written to through the log. */
    public static final LogPosition START = new LogPosition(NO_PARTITION, 0);

    public LogPosition {
        if (partition < NO_PARTITION) {
            throw new IllegalArgumentException("partition must be >= 0 (or NO_PARTITION), got " + partition);
        }
        if (nextOffset < 0) {
            throw new IllegalArgumentException("nextOffset must be >= 0, got " + nextOffset);
        }
    }

    /** Whether a writer of {@code p} reading this position may move it (its own partition, or none yet). */
    public boolean ownedBy(int p) {
        return partition == p || partition == NO_PARTITION;
    }
}
