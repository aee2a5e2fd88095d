package io.tidemark.live;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscriber and its outbox. The engine offers each generation's output under the tenant lock (a cheap hand-off);
 * a drain task on the subscriber's executor delivers it. Past {@code maxPendingRows} queued rows, further generations
 * are merged into one, delivered with the newest number once the queue has drained: the queue never holds more than
 * the bound plus one generation, and the merged generation no more than the queries' results.
 */
final class OutboxSubscription implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxSubscription.class);

    private final DefaultLiveEngine engine;
    final TenantState tenant;
    private final Set<String> capabilities;
    private final LiveListener listener;
    private final Executor executor;
    private final boolean marks;
    private final int maxPendingRows;
    /** Guarded by the tenant lock. */
    final Map<String, QueryHandle> queries = new HashMap<>();

    // Guarded by this.
    private final ArrayDeque<GenerationOutput> queue = new ArrayDeque<>();
    private GenerationOutput merged;
    private int queuedRows;
    private boolean scheduled;
    private volatile boolean closed;

    OutboxSubscription(DefaultLiveEngine engine, TenantState tenant, Set<String> capabilities, LiveListener listener,
            Executor executor, int maxPendingRows) {
        this.engine = engine;
        this.tenant = tenant;
        this.capabilities = Set.copyOf(capabilities);
        this.listener = listener;
        this.executor = executor;
        this.marks = this.capabilities.contains(Capabilities.AGG_MARK_END);
        this.maxPendingRows = maxPendingRows;
    }

    @Override
    public Set<String> capabilities() {
        return capabilities;
    }

    @Override
    public void register(QueryConfig query) {
        engine.register(this, query);
    }

    @Override
    public java.util.Map<String, Throwable> registerAll(java.util.List<QueryConfig> queries) {
        return engine.registerAll(this, queries);
    }

    @Override
    public void unregister(String queryId) {
        engine.unregister(this, queryId);
        synchronized (this) {
            for (GenerationOutput g : queue) {
                queuedRows -= g.remove(queryId);
            }
            if (merged != null) {
                merged.remove(queryId);
            }
        }
    }

    @Override
    public synchronized int pendingRows() {
        return queuedRows + (merged == null ? 0 : merged.rows());
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        engine.close(this);
        synchronized (this) {
            queue.clear();
            merged = null;
            queuedRows = 0;
        }
    }

    /**
     * Takes a generation's output; never blocks on delivery.
     *
     * @return whether a drain must be scheduled ({@link #schedule()}, outside the tenant lock)
     */
    synchronized boolean offer(GenerationOutput out) {
        if (closed) {
            return false;
        }
        if (merged != null) {
            merged.absorb(out);
        } else if (!queue.isEmpty() && queuedRows + out.rows() > maxPendingRows) {
            merged = out;
        } else {
            queue.add(out);
            queuedRows += out.rows();
        }
        if (scheduled) {
            return false;
        }
        scheduled = true;
        return true;
    }

    void schedule() {
        try {
            executor.execute(this::drain);
        } catch (RuntimeException e) {
            LOG.error("live: cannot schedule delivery for a subscriber of tenant {}", tenant.id, e);
            synchronized (this) {
                scheduled = false;
            }
        }
    }

    /**
     * Delivers one generation, then hands the rest back to the executor as a new task. One generation per task lets
     * an executor that applies back-pressure (the server's socket gate) stop between generations: what it holds back
     * stays here, bounded by {@code maxPendingRows} and then merged, instead of all being delivered at once.
     */
    private void drain() {
        GenerationOutput next;
        synchronized (this) {
            next = queue.poll();
            if (next != null) {
                queuedRows -= next.rows();
            } else {
                next = merged;
                merged = null;
            }
            if (next == null || closed) {
                scheduled = false;
                return;
            }
        }
        next.deliver(listener, marks, e -> LOG.warn("live: a listener of tenant {} threw", tenant.id, e));
        synchronized (this) {
            if (queue.isEmpty() && merged == null || closed) {
                scheduled = false;
                return;
            }
        }
        schedule();
    }
}
