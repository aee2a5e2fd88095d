package io.tidemark.cluster;

import io.tidemark.core.TenantId;
import java.util.Set;

/**
 * What a {@link LogWriter} tells the server: partitions it now writes or no longer writes (the orchestrator's
 * placement follows them), tenant records committed to the store, a partition stalled on the store and resumed, a
 * {@code CUT} appended. Every method has a no-op default, so the interface can grow.
 *
 * <p>Threading: every method is called on the writer's own thread, in log order for one partition; it must return
 * quickly and must not block (hand work to another thread). An exception thrown by a method is logged and ignored.
 */
public interface LogWriterListener {

    /** A listener that does nothing. */
    LogWriterListener NONE = new LogWriterListener() {};

    /** The writer now owns these partitions (a rebalance gave them to it); it has not written any of them yet. */
    default void partitionsAssigned(Set<Integer> partitions) {}

    /**
     * The writer no longer owns these partitions (a rebalance, its close, or a lost membership); it writes none of
     * their records after this call.
     */
    default void partitionsRevoked(Set<Integer> partitions) {}

    /**
     * One store transaction committed records {@code [fromOffset, toOffset)} of {@code tenant} (its batches written,
     * {@code rejected} of them refused and recorded).
     */
    default void written(TenantId tenant, int partition, long fromOffset, long toOffset, int samples, int rejected) {}

    /** The store refused a write of {@code partition}: the partition stops until a retry succeeds. */
    default void stalled(int partition, Throwable cause) {}

    /** A stalled partition's write succeeded again. */
    default void resumed(int partition) {}

    /** A {@code CUT} was appended to {@code partition} at {@code offset}. */
    default void cut(int partition, long offset, LogRecord.Cut cut) {}
}
