package io.tidemark.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GROUP BY query. Groups are the dense ids of the table's shared {@link KeyDictionary} (one id, 0, without GROUP
 * BY); per group a row count and, per aggregate, columnar state ({@link Accumulator}) with retraction, so a change
 * costs the predicate, array updates and no allocation. A changed group is marked dirty; {@link #collect} compares
 * its current result tuple with the one last published for it, so HAVING adds and removes result rows as values
 * cross, and a group changed many times in a generation is sent once. With ORDER BY … LIMIT (top-N) the qualifying
 * groups are kept sorted by their output, re-sorted only when dirty, and the first {@code limit} are diffed with those
 * last published.
 */
final class AggregateOperator extends Operator {
    private static final List<Object> GLOBAL_KEY = List.of();

    private final boolean global;
    private final Accumulator[] accumulators;
    private long[] rows = new long[16];
    /** Per group the tuple last published (or due to be, for a brand-new operator); null when not in the result. */
    private Tuple[] published = new Tuple[16];
    private boolean[] dirty = new boolean[16];
    private int[] dirtyIds = new int[16];
    private int dirtyCount;
    private final TreeMap<Sorted, Integer> sorted;
    private Sorted[] sortedById;
    private Map<Object, Tuple> publishedTop = new LinkedHashMap<>();

    AggregateOperator(Plan plan, KeyDictionary keys) {
        super(plan, keys);
        global = keys == null;
        accumulators = plan.aggregates().stream().map(Accumulator::of).toArray(Accumulator[]::new);
        if (plan.hasLimit()) {
            sorted = new TreeMap<>(sortOrder((a, b) -> Values.LISTS.compare(castKey(a), castKey(b))));
            sortedById = new Sorted[16];
        } else {
            sorted = null;
        }
        if (global) {
            // The one row of an aggregate without GROUP BY exists even over no rows (COUNT 0, SUM NULL).
            markDirty(0);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castKey(Object k) {
        return (List<Object>) k;
    }

    private int idOf(Object[] row) {
        return global ? 0 : keys.id(row);
    }

    @Override
    void apply(Object[] old, Object[] neu) {
        if (old != null) {
            int id = idOf(old);
            markDirty(id);
            rows[id]--;
            for (Accumulator a : accumulators) {
                a.remove(id, old);
            }
            if (rows[id] == 0) {
                for (Accumulator a : accumulators) {
                    a.clear(id);
                }
            }
        }
        if (neu != null) {
            int id = idOf(neu);
            ensure(id);
            markDirty(id);
            rows[id]++;
            for (Accumulator a : accumulators) {
                a.add(id, neu);
            }
        }
    }

    private void ensure(int id) {
        if (id < rows.length) {
            return;
        }
        int n = Math.max(id + 1, rows.length * 2);
        rows = Arrays.copyOf(rows, n);
        published = Arrays.copyOf(published, n);
        dirty = Arrays.copyOf(dirty, n);
        if (sortedById != null) {
            sortedById = Arrays.copyOf(sortedById, n);
        }
        for (Accumulator a : accumulators) {
            a.ensure(n);
        }
    }

    private void markDirty(int id) {
        ensure(id);
        if (dirty[id]) {
            return;
        }
        dirty[id] = true;
        if (dirtyCount == dirtyIds.length) {
            dirtyIds = Arrays.copyOf(dirtyIds, dirtyCount * 2);
        }
        dirtyIds[dirtyCount++] = id;
    }

    private List<Object> key(int id) {
        return global ? GLOBAL_KEY : keys.key(id);
    }

    private boolean present(int id) {
        return (global || rows[id] > 0) && (plan.having() == null || Expr.isTrue(plan.having(), groupRow(id)));
    }

    private Object[] groupRow(int id) {
        List<Object> key = key(id);
        Object[] r = new Object[key.size() + accumulators.length];
        for (int i = 0; i < key.size(); i++) {
            r[i] = key.get(i);
        }
        for (int i = 0; i < accumulators.length; i++) {
            r[key.size() + i] = accumulators[i].result(id);
        }
        return r;
    }

    /** The group's result tuple, or ABSENT when it is not in the result. */
    private Tuple tuple(int id) {
        if (!present(id)) {
            return ABSENT;
        }
        List<Object> key = key(id);
        List<Expr> keyExprs = plan.groupBy();
        Object[] k = new Object[key.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = Values.external(key.get(i), keyExprs.get(i).type());
        }
        return new Tuple(Arrays.asList(k), external(project(groupRow(id))));
    }

    @Override
    List<Change> collect() {
        if (sorted != null) {
            return collectTopN();
        }
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < dirtyCount; i++) {
            int id = dirtyIds[i];
            dirty[id] = false;
            Tuple before = published[id] == null ? ABSENT : published[id];
            Tuple now = tuple(id);
            published[id] = now == ABSENT ? null : now;
            Change c = change(before, now);
            if (c != null) {
                changes.add(c);
            }
        }
        dirtyCount = 0;
        return changes;
    }

    private List<Change> collectTopN() {
        if (dirtyCount == 0) {
            return List.of();
        }
        for (int i = 0; i < dirtyCount; i++) {
            int id = dirtyIds[i];
            dirty[id] = false;
            reposition(id);
        }
        dirtyCount = 0;
        Map<Object, Tuple> now = firstN(sorted, plan.limit(), this::tuple);
        List<Change> changes = diff(publishedTop, now);
        publishedTop = now;
        return changes;
    }

    private void reposition(int id) {
        Sorted prev = sortedById[id];
        sortedById[id] = null;
        if (prev != null) {
            sorted.remove(prev);
        }
        if (!present(id)) {
            return;
        }
        Sorted s = new Sorted(sortValues(groupRow(id)), key(id));
        sorted.put(s, id);
        sortedById[id] = s;
    }

    @Override
    List<Tuple> snapshot() {
        if (sorted != null) {
            return List.copyOf(publishedTop.values());
        }
        List<Tuple> out = new ArrayList<>();
        for (Tuple t : published) {
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }
}
