package io.tidemark.server;

import io.tidemark.client.QueryListener;
import io.tidemark.client.QuerySchema;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.client.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A {@link QueryListener} that rebuilds every query's result from the callbacks, checks the order contract (no data
 * callback outside a generation when marks are on), keeps what each query held at every aggMarkEnd, and lets a
 * test wait for a condition with a bounded wait (no sleeps: every callback signals).
 */
final class LiveRecorder implements QueryListener {
    /** The results of every query at one aggMarkEnd (or, without marks, after one data callback). */
    record Snapshot(long generation, Map<String, Map<List<Object>, List<Object>>> results, boolean reset,
            java.time.Instant at) {
        Snapshot(long generation, Map<String, Map<List<Object>, List<Object>>> results) {
            this(generation, results, false, java.time.Instant.now());
        }

        /** Equal when the generation and the results are: {@code reset} and {@code at} are for diagnosis only. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && s.generation == generation && s.results.equals(results);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(generation) * 31 + results.hashCode();
        }
    }

    private final boolean marks;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Map<List<Object>, List<Object>>> results = new LinkedHashMap<>();
    private final Map<String, QuerySchema> schemas = new HashMap<>();
    private final Map<String, Integer> snapshots = new HashMap<>();
    private final Map<String, TidemarkClientException> errors = new HashMap<>();
    private final Map<String, io.tidemark.client.QueryStatus> statuses = new HashMap<>();
    private final List<Snapshot> generations = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private long open = -1;
    /** A generation begun and never ended (its connection was lost), or -1. */
    private long abandoned = -1;
    /** Queries that got snapshotBegin in the open generation. */
    private final java.util.Set<String> resetIn = new java.util.HashSet<>();
    private int dataCallbacks;

    LiveRecorder(boolean marks) {
        this.marks = marks;
    }

    @Override
    public void aggMarkBegin(long generation) {
        update(() -> {
            // A generation begun on a connection that was lost before its aggMarkEnd is abandoned: allowed only if
            // the new one restarts every query (checked at its aggMarkEnd).
            abandoned = open;
            open = generation;
            resetIn.clear();
        });
    }

    @Override
    public void aggMarkEnd(long generation) {
        update(() -> {
            if (open != generation) {
                violations.add("aggMarkEnd(" + generation + ") closes " + open);
            }
            open = -1;
            if (abandoned != -1 && !resetIn.containsAll(results.keySet())) {
                violations.add("generation " + abandoned + " abandoned, but generation " + generation
                        + " did not restart every query");
            }
            abandoned = -1;
            // Numbers increase within a server run; after a restart they may start again, but only in a generation
            // that resets every query (the client reconnected and registered them again).
            if (!generations.isEmpty() && generation <= generations.get(generations.size() - 1).generation()
                    && !resetIn.containsAll(results.keySet())) {
                violations.add("generation " + generation + " does not increase");
            }
            generations.add(new Snapshot(generation, copy(), !resetIn.isEmpty(), java.time.Instant.now()));
        });
    }

    @Override
    public void snapshotBegin(String queryId, QuerySchema schema) {
        data(() -> {
            results.put(queryId, new LinkedHashMap<>());
            resetIn.add(queryId);
            schemas.put(queryId, schema);
            snapshots.merge(queryId, 1, Integer::sum);
        });
    }

    @Override
    public void tupleAdded(String queryId, Tuple t) {
        data(() -> results.computeIfAbsent(queryId, q -> new LinkedHashMap<>()).put(t.key(), t.values()));
    }

    @Override
    public void tupleUpdated(String queryId, Tuple t) {
        data(() -> {
            if (results.get(queryId).put(t.key(), t.values()) == null) {
                violations.add("update of a row never added: " + queryId + " " + t.key());
            }
        });
    }

    @Override
    public void tupleRemoved(String queryId, Tuple t) {
        data(() -> {
            if (results.get(queryId).remove(t.key()) == null) {
                violations.add("removal of a row never added: " + queryId + " " + t.key());
            }
        });
    }

    @Override
    public void exceptionRaised(String queryId, TidemarkClientException error) {
        update(() -> errors.put(queryId, error));
    }

    @Override
    public void queryStatusChanged(String queryId, io.tidemark.client.QueryStatus status) {
        update(() -> {
            if (marks && open == -1) {
                violations.add("a status outside a generation");
            }
            statuses.put(queryId, status);
        });
    }

    /** The last status of a query (null: never changed, so OK). */
    io.tidemark.client.QueryStatus status(String queryId) {
        lock.lock();
        try {
            return statuses.get(queryId);
        } finally {
            lock.unlock();
        }
    }

    private void data(Runnable r) {
        update(() -> {
            if (marks && open == -1) {
                violations.add("a data callback outside a generation");
            }
            r.run();
            dataCallbacks++;
            if (!marks) {
                generations.add(new Snapshot(-1, copy()));
            }
        });
    }

    private void update(Runnable r) {
        lock.lock();
        try {
            r.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Map<String, Map<List<Object>, List<Object>>> copy() {
        Map<String, Map<List<Object>, List<Object>>> c = new LinkedHashMap<>();
        results.forEach((q, rows) -> c.put(q, new LinkedHashMap<>(rows)));
        return c;
    }

    /** Waits until {@code condition} holds over this recorder, at most {@code max}; fails with {@code what}. */
    void await(Duration max, String what, Predicate<LiveRecorder> condition) {
        long deadline = System.nanoTime() + max.toNanos();
        lock.lock();
        try {
            while (!condition.test(this)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + max + " waiting for " + what + "; results "
                            + results + ", errors " + errors + ", generations " + generations.size());
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the current result of a query (null before its first snapshot). */
    Map<List<Object>, List<Object>> result(String queryId) {
        lock.lock();
        try {
            Map<List<Object>, List<Object>> r = results.get(queryId);
            return r == null ? null : new LinkedHashMap<>(r);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: what a query held at the last aggMarkEnd (the live result without marks). */
    Map<List<Object>, List<Object>> marked(String queryId) {
        if (!marks) {
            return result(queryId);
        }
        lock.lock();
        try {
            return generations.isEmpty() ? null : generations.get(generations.size() - 1).results().get(queryId);
        } finally {
            lock.unlock();
        }
    }

    QuerySchema schema(String queryId) {
        lock.lock();
        try {
            return schemas.get(queryId);
        } finally {
            lock.unlock();
        }
    }

    int snapshots(String queryId) {
        lock.lock();
        try {
            return snapshots.getOrDefault(queryId, 0);
        } finally {
            lock.unlock();
        }
    }

    TidemarkClientException error(String queryId) {
        lock.lock();
        try {
            return errors.get(queryId);
        } finally {
            lock.unlock();
        }
    }

    List<Snapshot> generations() {
        lock.lock();
        try {
            return List.copyOf(generations);
        } finally {
            lock.unlock();
        }
    }

    long lastGeneration() {
        lock.lock();
        try {
            return generations.isEmpty() ? -1 : generations.get(generations.size() - 1).generation();
        } finally {
            lock.unlock();
        }
    }

    int dataCallbacks() {
        lock.lock();
        try {
            return dataCallbacks;
        } finally {
            lock.unlock();
        }
    }

    List<String> violations() {
        lock.lock();
        try {
            return List.copyOf(violations);
        } finally {
            lock.unlock();
        }
    }
}
