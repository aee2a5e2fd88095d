package io.tidemark.live;

import io.tidemark.core.TidemarkException;

/**
 * Receives the results of one subscriber's queries (one client connection). The callbacks map one-to-one to the
 * client's {@code QueryListener} and the wire protocol.
 *
 * <h2>Threading</h2>
 * All callbacks of one subscriber run on the subscriber's delivery executor, one at a time and in order; never on
 * the ingest thread or the thread that calls {@link LiveEngine#cut}. They must not block: a callback that blocks
 * holds back only its own subscriber (whose output then piles up, and is merged once it passes the bound, see
 * {@link LiveEngine.Builder#maxPendingRows}), never ingest or other subscribers. An exception thrown by a callback
 * is logged and ignored.
 *
 * <h2>Order</h2>
 * For each generation with changes for this subscriber: {@link #aggMarkBegin}, then per query either a snapshot
 * ({@link #snapshotBegin}, {@link #tupleAdded}…, {@link #snapshotEnd}) or its changes ({@link #tupleAdded},
 * {@link #tupleUpdated}, {@link #tupleRemoved}, each result row at most once, with its latest value), then
 * {@link #aggMarkEnd}. At {@code aggMarkEnd(g)} every query's result, rebuilt from these callbacks, equals the query
 * evaluated from scratch over the tenant's data as of cut {@code g} — except a query whose last
 * {@link #queryStatusChanged} was STALE (its table misses samples the memory budget kept out). Subscribers that did not declare
 * {@link Capabilities#AGG_MARK_END} get the same calls without the marks.
 *
 * <p>Every method has an empty default, so the interface can grow.
 */
public interface LiveListener {

    /** A generation begins; {@code generation} is the number {@link #aggMarkEnd} will carry. */
    default void aggMarkBegin(long generation) {}

    /**
     * A snapshot of {@code queryId} begins: discard what was held for it (a re-sent snapshot is a reset). The rows
     * follow as {@link #tupleAdded}.
     */
    default void snapshotBegin(String queryId, QuerySchema schema) {}

    /** A row entered the result (in a snapshot, or later). */
    default void tupleAdded(String queryId, Tuple tuple) {}

    /** The snapshot of {@code queryId} is complete. */
    default void snapshotEnd(String queryId) {}

    /** A row of the result, identified by {@link Tuple#key()}, has new values. */
    default void tupleUpdated(String queryId, Tuple tuple) {}

    /** A row left the result; {@code tuple} holds its last values. */
    default void tupleRemoved(String queryId, Tuple tuple) {}

    /** The generation is complete: every query's result is as of cut {@code generation}. */
    default void aggMarkEnd(long generation) {}

    /**
     * The query's status changed as of this generation: {@link QueryStatus.State#STALE} when its result misses data the
     * live tables could not take (the code says why, e.g. {@link QueryStatus#MEMORY_BUDGET_EXCEEDED}; rows keep
     * coming, but the result is not the query's answer), {@link QueryStatus.State#OK} when it equals the query again.
     * Comes inside a generation, after the query's rows of that generation; a query starts OK, so the first call is
     * always a STALE one (a query registered while its table is stale gets it right after its snapshot). Not final.
     */
    default void queryStatusChanged(String queryId, QueryStatus status) {}

    /**
     * The query failed and is dropped: final, nothing more comes for {@code queryId}. The error carries a stable
     * {@link io.tidemark.core.ErrorCode}, e.g. {@code NOT_FOUND} when its archive was dropped.
     */
    default void exceptionRaised(String queryId, TidemarkException error) {}
}
