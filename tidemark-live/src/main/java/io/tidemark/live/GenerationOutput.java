package io.tidemark.live;

import io.tidemark.core.TidemarkException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one subscriber receives for one generation: per query a snapshot, its changes, or its final error. Built under
 * the tenant lock, then owned by the subscriber's outbox. Generations merge ({@link #absorb}) into their net effect
 * for a slow subscriber.
 */
final class GenerationOutput {
    long generation;
    private final Map<String, QueryOutput> queries = new LinkedHashMap<>();
    private int rows;

    GenerationOutput(long generation) {
        this.generation = generation;
    }

    /**
     * One query's part; {@code schema} non-null for a snapshot, {@code error} non-null for a final error. The changes
     * are the operator's list, shared (read-only) by every subscriber of the query; only a merge ({@link #absorb})
     * copies them into a map of its own.
     */
    static final class QueryOutput {
        QuerySchema schema;
        TidemarkException error;
        /** A status change as of this generation, delivered after the rows; null if none. */
        QueryStatus status;
        private List<Change> shared = List.of();
        private Map<List<Object>, Change> own;

        int size() {
            return own != null ? own.size() : shared.size();
        }

        Iterable<Change> changes() {
            return own != null ? own.values() : shared;
        }

        Map<List<Object>, Change> own() {
            if (own == null) {
                own = new LinkedHashMap<>();
                for (Change c : shared) {
                    own.put(c.tuple().key(), c);
                }
                shared = null;
            }
            return own;
        }
    }

    Map<String, QueryOutput> queries() {
        return queries;
    }

    int rows() {
        return rows;
    }

    boolean isEmpty() {
        return queries.isEmpty();
    }

    /** A snapshot: {@code added} holds one ADDED change per result row (shared, not modified). */
    void snapshot(String queryId, QuerySchema schema, List<Change> added) {
        QueryOutput q = new QueryOutput();
        q.schema = schema;
        q.shared = added;
        put(queryId, q);
    }

    /** Changes of one generation, each key once (the operator's list, shared, not modified). */
    void changes(String queryId, List<Change> changes) {
        QueryOutput q = new QueryOutput();
        q.shared = changes;
        put(queryId, q);
    }

    /** The query's status changed as of this generation (added to its part, or a part of its own). */
    void status(String queryId, QueryStatus status) {
        QueryOutput q = queries.get(queryId);
        if (q == null) {
            q = new QueryOutput();
            put(queryId, q);
        }
        q.status = status;
    }

    void error(String queryId, TidemarkException error) {
        QueryOutput q = new QueryOutput();
        q.error = error;
        put(queryId, q);
    }

    private void put(String queryId, QueryOutput q) {
        QueryOutput prev = queries.put(queryId, q);
        rows += q.size() + 1 - (prev == null ? 0 : prev.size() + 1);
    }

    /** Drops a query's part (it was unregistered); returns the rows removed. */
    int remove(String queryId) {
        QueryOutput q = queries.remove(queryId);
        int n = q == null ? 0 : q.size() + 1;
        rows -= n;
        return n;
    }

    /**
     * Folds a later generation into this one, leaving the net change from before this one to after {@code later},
     * numbered as {@code later}: a later snapshot or error replaces what was there; later changes apply to an earlier
     * snapshot's rows, or conflate with earlier changes key by key.
     */
    void absorb(GenerationOutput later) {
        generation = later.generation;
        for (Map.Entry<String, QueryOutput> e : later.queries.entrySet()) {
            QueryOutput next = e.getValue();
            QueryOutput mine = queries.get(e.getKey());
            if (mine == null || next.schema != null || next.error != null) {
                if (mine != null && next.status == null && next.error == null) {
                    next.status = mine.status; // a status change not yet delivered stays
                }
                put(e.getKey(), next);
            } else if (mine.error == null) {
                int before = mine.size();
                fold(mine, next);
                rows += mine.size() - before;
                if (next.status != null) {
                    mine.status = next.status;
                }
            }
        }
    }

    private static void fold(QueryOutput mine, QueryOutput next) {
        Map<List<Object>, Change> changes = mine.own();
        for (Change c : next.changes()) {
            List<Object> key = c.tuple().key();
            Change prev = changes.get(key);
            if (mine.schema != null) {
                // A snapshot holds the rows themselves: apply the change to them.
                if (c.kind() == Change.Kind.REMOVED) {
                    changes.remove(key);
                } else {
                    changes.put(key, new Change(Change.Kind.ADDED, c.tuple()));
                }
                continue;
            }
            Change merged = prev == null ? c : Change.conflate(prev, c);
            if (merged == null) {
                changes.remove(key);
            } else {
                changes.put(key, merged);
            }
        }
    }

    /** Calls the listener for this generation's content, framed by marks when {@code marks}. */
    void deliver(LiveListener l, boolean marks, java.util.function.Consumer<RuntimeException> onError) {
        call(() -> {
            if (marks) {
                l.aggMarkBegin(generation);
            }
        }, onError);
        for (Iterator<Map.Entry<String, QueryOutput>> it = queries.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, QueryOutput> e = it.next();
            deliverQuery(l, e.getKey(), e.getValue(), onError);
        }
        call(() -> {
            if (marks) {
                l.aggMarkEnd(generation);
            }
        }, onError);
    }

    private static void deliverQuery(LiveListener l, String id, QueryOutput q, java.util.function.Consumer<RuntimeException> onError) {
        if (q.error != null) {
            call(() -> l.exceptionRaised(id, q.error), onError);
            return;
        }
        if (q.schema != null) {
            call(() -> l.snapshotBegin(id, q.schema), onError);
        }
        for (Change c : q.changes()) {
            call(() -> {
                switch (c.kind()) {
                    case ADDED -> l.tupleAdded(id, c.tuple());
                    case UPDATED -> l.tupleUpdated(id, c.tuple());
                    case REMOVED -> l.tupleRemoved(id, c.tuple());
                }
            }, onError);
        }
        if (q.schema != null) {
            call(() -> l.snapshotEnd(id), onError);
        }
        if (q.status != null) {
            call(() -> l.queryStatusChanged(id, q.status), onError);
        }
    }

    private static void call(Runnable r, java.util.function.Consumer<RuntimeException> onError) {
        try {
            r.run();
        } catch (RuntimeException e) {
            onError.accept(e);
        }
    }
}
