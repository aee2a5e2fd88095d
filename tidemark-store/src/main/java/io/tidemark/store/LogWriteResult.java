package io.tidemark.store;

import java.util.List;

/** What {@link LogWriterStore#write} did: everything, or nothing because another writer moved the position. */
public sealed interface LogWriteResult {

    /**
     * Committed: the position moved to {@code position}; every batch not in {@code rejected} is written and every
     * record in {@code rejected} is recorded in {@code "_log_rejects"} with a {@code LOG_REJECTED} audit entry.
     *
     * @param samples the number of distinct samples written
     * @param rejected the writer's own rejections and the store's, in offset order
     */
    record Written(LogPosition position, int samples, List<LogRejection> rejected) implements LogWriteResult {
        public Written {
            rejected = List.copyOf(rejected);
        }
    }

    /**
     * Fenced: the tenant's position was not the expected one (another writer — the new owner of the partition, or
     * one replaying what was already written — moved it). Nothing was written, the transaction rolled back. The
     * writer skips its records below {@code current.nextOffset()} and goes on from there.
     *
     * @param current the position as read after the compare-and-set failed
     */
    record Moved(LogPosition current) implements LogWriteResult {}
}
