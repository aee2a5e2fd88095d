package io.tidemark.client;

/**
 * Receives one live query's results (the LiveView callbacks). Every method has an empty default.
 *
 * <h2>Threading</h2>
 * All callbacks of one {@link Connection} run on that connection's single dispatch thread, one at a time and in
 * the order the server sent them; no data callback runs between {@link #aggMarkEnd} and the return of the next
 * {@link #aggMarkBegin}. Callbacks must not block for long: while one runs, the connection's other queries wait,
 * and past a bound the server merges generations for this connection (it skips intermediate ones).
 *
 * <h2>Order</h2>
 * Per generation with changes (only with the {@code AGG_MARK_END} capability, the default): {@code aggMarkBegin(g)}
 * to the listeners of every registered query, then per query a snapshot ({@code snapshotBegin},
 * {@code tupleAdded}…, {@code snapshotEnd}) or changes ({@code tupleAdded}, {@code tupleUpdated},
 * {@code tupleRemoved}), then {@code aggMarkEnd(g)}. At {@code aggMarkEnd(g)} every query's result, rebuilt from the
 * callbacks, equals the query over the tenant's data as of cut {@code g} (unless its last
 * {@link #queryStatusChanged} said STALE); generation numbers are the same for every
 * connection of the tenant. A listener registered for several queries receives each mark once.
 *
 * <h2>Reconnects</h2>
 * After a reconnect every query is registered again and restarts with {@link #snapshotBegin}: discard what was held.
 * A generation that was open when the connection was lost never gets its {@link #aggMarkEnd}: the next callback is
 * the new connection's {@link #aggMarkBegin}, in which every query restarts with {@link #snapshotBegin}, so what the
 * abandoned generation delivered is discarded with the rest (see docs/faults.md, "Stalled sockets").
 */
public interface QueryListener {

    /** A generation begins; {@code generation} is the number {@link #aggMarkEnd} will carry. */
    default void aggMarkBegin(long generation) {}

    /** The query's result restarts (first snapshot or after a reconnect): discard what was held for it. */
    default void snapshotBegin(String queryId, QuerySchema schema) {}

    /** A row entered the result. */
    default void tupleAdded(String queryId, Tuple tuple) {}

    /** The snapshot is complete. */
    default void snapshotEnd(String queryId) {}

    /** The row with {@link Tuple#key()} has new values. */
    default void tupleUpdated(String queryId, Tuple tuple) {}

    /** The row left the result; {@code tuple} holds its last values. */
    default void tupleRemoved(String queryId, Tuple tuple) {}

    /** The generation is complete. */
    default void aggMarkEnd(long generation) {}

    /**
     * The query's status changed, as of the generation this comes in (after the query's rows in it). STALE: its result
     * misses data the server could not hold ({@link QueryStatus#code()}, e.g. {@code MEMORY_BUDGET_EXCEEDED} when the
     * server's live memory budget is full) — changes keep coming, but do not treat the result as the query's answer;
     * OK: it equals the query again. Not final. A query starts OK; a reconnect starts it OK again (the server sends
     * STALE after the new snapshot if it still is).
     */
    default void queryStatusChanged(String queryId, QueryStatus status) {}

    /**
     * Final: the query failed and is dropped, nothing more comes for it. {@link TidemarkClientException#code()} is
     * the server's code ({@code INVALID_QUERY}, {@code NOT_FOUND}, {@code UNKNOWN_COLUMN}, …), or
     * {@code UNAUTHENTICATED} / {@code FORBIDDEN} when a reconnect was refused, or {@code CLOSED}.
     */
    default void exceptionRaised(String queryId, TidemarkClientException error) {}
}
