package io.tidemark.live;

import io.tidemark.core.Micros;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A row query: the admitted rows, projected. Keyed by the table's key ({@link RowKey} on recent, rtId on latest).
 * Without LIMIT, the first change of a key in a generation records the key's previous tuple, and {@link #collect}
 * compares it with the current one (so a row changed many times is sent once). With ORDER BY … LIMIT, the admitted
 * rows are kept sorted and {@link #collect} diffs the first {@code limit} with those last published.
 */
final class RowOperator extends Operator {
    private final Map<Object, Object[]> rows = new HashMap<>();
    private final Map<Object, Tuple> before = newBeforeMap();
    private final TreeMap<Sorted, Object[]> sorted;
    private final Map<Object, Sorted> sortedByKey;
    private Map<Object, Tuple> published = new LinkedHashMap<>();
    private boolean dirty;

    @SuppressWarnings("unchecked")
    RowOperator(Plan plan) {
        super(plan, null);
        if (plan.hasLimit()) {
            Comparator<Object> keyOrder = plan.latest() ? (a, b) -> ((String) a).compareTo((String) b)
                    : (a, b) -> ((RowKey) a).compareTo((RowKey) b);
            sorted = new TreeMap<>(sortOrder(keyOrder));
            sortedByKey = new HashMap<>();
        } else {
            sorted = null;
            sortedByKey = null;
        }
    }

    private Object keyOf(Object[] row) {
        return plan.latest() ? row[0] : RowKey.of(row);
    }

    @Override
    void apply(Object[] old, Object[] neu) {
        Object key = keyOf(old != null ? old : neu);
        if (sorted != null) {
            applySorted(key, neu);
            return;
        }
        if (tracking && !before.containsKey(key)) {
            Object[] prev = rows.get(key);
            before.put(key, prev == null ? ABSENT : tuple(key, prev));
        }
        if (neu == null) {
            rows.remove(key);
        } else {
            rows.put(key, neu);
        }
    }

    private void applySorted(Object key, Object[] neu) {
        Sorted prev = sortedByKey.remove(key);
        if (prev != null) {
            sorted.remove(prev);
        }
        if (neu != null) {
            Sorted s = new Sorted(sortValues(neu), key);
            sorted.put(s, neu);
            sortedByKey.put(key, s);
        }
        dirty = true;
    }

    @Override
    List<Change> collect() {
        if (sorted != null) {
            if (!dirty) {
                return List.of();
            }
            dirty = false;
            Map<Object, Tuple> now = firstN(sorted, plan.limit(), this::tuple);
            List<Change> changes = diff(published, now);
            published = now;
            return changes;
        }
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<Object, Tuple> e : before.entrySet()) {
            Object[] row = rows.get(e.getKey());
            Change c = change(e.getValue(), row == null ? ABSENT : tuple(e.getKey(), row));
            if (c != null) {
                changes.add(c);
            }
        }
        before.clear();
        return changes;
    }

    @Override
    List<Tuple> snapshot() {
        if (sorted != null) {
            return List.copyOf(published.values());
        }
        List<Tuple> out = new ArrayList<>(rows.size());
        rows.forEach((k, row) -> out.add(tuple(k, row)));
        return out;
    }

    private Tuple tuple(Object[] row) {
        return tuple(keyOf(row), row);
    }

    private Tuple tuple(Object key, Object[] row) {
        List<Object> k = key instanceof RowKey rk
                ? List.of(Micros.fromMicros(rk.micros()), rk.rtId()) : List.of(key);
        return new Tuple(k, external(project(row)));
    }
}
