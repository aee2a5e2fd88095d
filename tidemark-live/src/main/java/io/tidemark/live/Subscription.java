package io.tidemark.live;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One subscriber (a client connection) and its queries. Thread-safe. Close it when the connection ends.
 */
public interface Subscription extends AutoCloseable {

    /** The capabilities the subscriber declared, e.g. {@link Capabilities#AGG_MARK_END}. */
    Set<String> capabilities();

    /**
     * Registers a query. Its snapshot (or, for {@link QueryType#CONTINUOUS_ONLY}, its schema) arrives in the next
     * generation, framed like every other change.
     *
     * @throws io.tidemark.core.TidemarkException {@code INVALID_QUERY} naming the construct and its position,
     *     {@code UNKNOWN_COLUMN} or {@code NOT_FOUND} (unknown table) with the name and position,
     *     {@code ALREADY_EXISTS} when the id is in use, {@code INVALID_STATE} when closed
     */
    void register(QueryConfig query);

    /**
     * Registers several queries together: no generation is cut between them, so the snapshots of all that register
     * arrive in the same generation. A client that registers its queries again after a reconnect needs this: one by
     * one, a generation could restart some of them while the others still show what the lost connection held. Each
     * query is registered as by {@link #register}; one that fails does not keep the others out.
     *
     * @return the queries that failed, by id, with what {@link #register} would have thrown; empty when all registered
     */
    Map<String, Throwable> registerAll(List<QueryConfig> queries);

    /** Drops a query; callbacks for it still queued are discarded. Unknown ids are ignored. */
    void unregister(String queryId);

    /** Result rows waiting for delivery (queued generations plus a merged one); bounded by the engine's bound. */
    int pendingRows();

    /** Drops every query and stops delivery; idempotent. */
    @Override
    void close();
}
