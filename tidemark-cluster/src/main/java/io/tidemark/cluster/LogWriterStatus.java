package io.tidemark.cluster;

import io.tidemark.store.LogRejectReason;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link LogWriter}'s counters and its partitions as of its last loop, for metrics and health. Immutable.
 *
 * @param partitions the partitions the writer owns, by number
 * @param recordsWritten {@code BATCH} records committed to the store (written or rejected) by this writer
 * @param samplesWritten samples the store reported written
 * @param rejected records refused, by reason (the store's and the writer's own {@code UNREADABLE})
 * @param unreadableWithoutTenant records skipped that could not be read and named no readable tenant
 * @param moved store writes fenced by another writer's position ({@code Moved}): replays and zombies
 * @param cuts {@code CUT} records appended
 */
public record LogWriterStatus(Map<Integer, Partition> partitions, long recordsWritten, long samplesWritten,
        Map<LogRejectReason, Long> rejected, long unreadableWithoutTenant, long moved, long cuts) {

    /** The status of a writer that owns nothing and did nothing. */
    public static final LogWriterStatus EMPTY = new LogWriterStatus(Map.of(), 0, 0, Map.of(), 0, 0, 0);

    public LogWriterStatus {
        partitions = Map.copyOf(partitions);
        rejected = Map.copyOf(rejected);
    }

    /** Whether any owned partition is stalled on the store. */
    public boolean stalled() {
        return partitions.values().stream().anyMatch(Partition::stalled);
    }

    /** All rejections, whatever the reason. */
    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * One owned partition.
     *
     * @param upTo every record below this offset is committed to the store, rejected or passed over
     * @param lag records fetched or known to the consumer at or above {@code upTo} (-1 before the first fetch)
     * @param stalledSince when the store first refused the partition's current write (the writer's clock), or null
     * @param lastCutOffset the offset of the last {@code CUT} this writer appended to it, or -1
     * @param caughtUp whether the writer reached the end offset it saw when the partition was assigned (it appends
     *     cuts only from then on)
     */
    public record Partition(int partition, long upTo, long lag, Instant stalledSince, long lastCutOffset,
            boolean caughtUp) {
        public boolean stalled() {
            return stalledSince != null;
        }
    }

    /** The count of {@code reason}, 0 when none. */
    public long rejected(LogRejectReason reason) {
        Objects.requireNonNull(reason, "reason");
        return rejected.getOrDefault(reason, 0L);
    }
}
