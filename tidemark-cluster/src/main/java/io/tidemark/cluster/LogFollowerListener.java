package io.tidemark.cluster;

import io.tidemark.core.TenantId;

/**
 * What a {@link LogFollower} hands on without acting on it itself. Every method has a no-op default, so the SPI can
 * grow. Called on the follower's thread, in log order: implementations must not block (hand the work to another
 * executor), and an exception they throw is logged and otherwise ignored.
 */
public interface LogFollowerListener {
    /**
     * A {@code ROLLUP} record of a followed tenant, applied at the cut that passed it (below the cut's {@code upTo},
     * not rejected), before that cut's {@code LiveEngine.cut} for the tenant.
     *
     * @param offset the record's offset in the partition
     */
    default void rollup(TenantId tenant, long offset, LogRecord.Rollup rollup) {}

    /** An {@code ARCHIVE} record of a followed tenant, handed on as {@link #rollup} is. */
    default void archive(TenantId tenant, long offset, LogRecord.Archive archive) {}

    /**
     * A {@code CUT} was applied: every followed tenant it concerns was cut with generation {@code offset + 1}.
     * A node compares {@link LogRecord.Cut#settingsHash()} with its own here.
     */
    default void cut(int partition, long offset, LogRecord.Cut cut) {}

    /**
     * A record of a tenant this follower does not follow (a tenant created since the node joined the ones it knew):
     * called once per tenant and follower, for its first such record. A node joins the tenant here, on another
     * thread, so that its live queries are served without waiting for anything else.
     *
     * @param offset the record's offset in the partition
     */
    default void unfollowedTenant(int partition, TenantId tenant, long offset) {}

    /** A record could not be read and was skipped; {@code error}'s message names it as topic-partition@offset. */
    default void undecodable(int partition, long offset, LogFormatException error) {}

    /**
     * The follower stopped on an error it cannot get past (the partition's log no longer holds the offset it must
     * read, or a failure of the consumer); {@link LogFollower#status()} says {@code FAILED}.
     */
    default void failed(int partition, Throwable error) {}
}
