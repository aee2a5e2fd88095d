package io.tidemark.live;

import io.tidemark.core.TidemarkException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds every query's result only from the callbacks it receives, and records protocol violations (a mark out of
 * place, an update of a row it does not hold, a row sent twice in one generation). Thread-safe.
 */
public final class RecordingListener implements LiveListener {
    public final List<String> violations = new ArrayList<>();
    public final List<Long> marks = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final Map<String, Map<List<Object>, List<Object>>> results = new HashMap<>();
    final Map<String, QuerySchema> schemas = new HashMap<>();
    public final Map<String, TidemarkException> errors = new HashMap<>();
    /** Each query's result as of each aggMarkEnd, keyed by generation. */
    public final Map<Long, Map<String, Map<List<Object>, List<Object>>>> atMark = new LinkedHashMap<>();
    private boolean inGeneration;
    private final Map<String, java.util.Set<List<Object>>> seenThisGeneration = new HashMap<>();
    private String inSnapshot;
    private final java.util.function.BiConsumer<Long, RecordingListener> onMark;

    public RecordingListener() {
        this((g, l) -> {});
    }

    /** {@code onMark} runs at each aggMarkEnd, on the delivery thread, with the listener's lock held. */
    RecordingListener(java.util.function.BiConsumer<Long, RecordingListener> onMark) {
        this.onMark = onMark;
    }

    @Override
    public synchronized void aggMarkBegin(long generation) {
        events.add("begin " + generation);
        if (inGeneration) {
            violations.add("aggMarkBegin inside a generation");
        }
        inGeneration = true;
        seenThisGeneration.clear();
    }

    @Override
    public synchronized void snapshotBegin(String queryId, QuerySchema schema) {
        events.add("snapshotBegin " + queryId);
        results.put(queryId, new HashMap<>());
        schemas.put(queryId, schema);
        inSnapshot = queryId;
    }

    @Override
    public synchronized void tupleAdded(String queryId, Tuple tuple) {
        events.add("added " + queryId + " " + tuple);
        once(queryId, tuple);
        Map<List<Object>, List<Object>> r = result(queryId);
        if (r.put(tuple.key(), tuple.values()) != null) {
            violations.add("tupleAdded for a row already held: " + queryId + " " + tuple);
        }
    }

    @Override
    public synchronized void snapshotEnd(String queryId) {
        events.add("snapshotEnd " + queryId);
        if (!queryId.equals(inSnapshot)) {
            violations.add("snapshotEnd without snapshotBegin: " + queryId);
        }
        inSnapshot = null;
    }

    @Override
    public synchronized void tupleUpdated(String queryId, Tuple tuple) {
        events.add("updated " + queryId + " " + tuple);
        once(queryId, tuple);
        if (result(queryId).put(tuple.key(), tuple.values()) == null) {
            violations.add("tupleUpdated for a row not held: " + queryId + " " + tuple);
        }
    }

    @Override
    public synchronized void tupleRemoved(String queryId, Tuple tuple) {
        events.add("removed " + queryId + " " + tuple);
        once(queryId, tuple);
        if (result(queryId).remove(tuple.key()) == null) {
            violations.add("tupleRemoved for a row not held: " + queryId + " " + tuple);
        }
    }

    @Override
    public synchronized void aggMarkEnd(long generation) {
        events.add("end " + generation);
        if (!inGeneration) {
            violations.add("aggMarkEnd without aggMarkBegin");
        }
        if (!marks.isEmpty() && marks.get(marks.size() - 1) >= generation) {
            violations.add("generation " + generation + " after " + marks.get(marks.size() - 1));
        }
        inGeneration = false;
        marks.add(generation);
        Map<String, Map<List<Object>, List<Object>>> copy = new HashMap<>();
        results.forEach((q, r) -> copy.put(q, new HashMap<>(r)));
        atMark.put(generation, copy);
        onMark.accept(generation, this);
    }

    @Override
    public synchronized void queryStatusChanged(String queryId, QueryStatus status) {
        statuses.put(queryId, status);
        events.add("status " + queryId + " " + status.state());
    }

    /** The last status each query was given (absent: never changed, so OK). */
    final Map<String, QueryStatus> statuses = new HashMap<>();

    @Override
    public synchronized void exceptionRaised(String queryId, TidemarkException error) {
        events.add("exception " + queryId + " " + error);
        errors.put(queryId, error);
        results.remove(queryId);
    }

    public synchronized Map<List<Object>, List<Object>> resultOf(String queryId) {
        return new HashMap<>(results.getOrDefault(queryId, Map.of()));
    }

    public synchronized long lastMark() {
        return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    }

    synchronized List<String> drainEvents() {
        List<String> out = new ArrayList<>(events);
        events.clear();
        return out;
    }

    private Map<List<Object>, List<Object>> result(String queryId) {
        return results.computeIfAbsent(queryId, k -> new HashMap<>());
    }

    /** Without marks there is no generation to check against. */
    private void once(String queryId, Tuple t) {
        if (inGeneration && !seenThisGeneration.computeIfAbsent(queryId, k -> new java.util.HashSet<>()).add(t.key())) {
            violations.add("row sent twice in one generation: " + queryId + " " + t);
        }
    }
}
