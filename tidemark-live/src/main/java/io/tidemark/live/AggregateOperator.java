package io.tidemark.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GROUP BY query: per group a row count and one {@link Accumulator} per aggregate, all with retraction. The first
 * change of a group in a generation records the group's previous result tuple (or its absence, when HAVING failed
 * or the group was empty); {@link #collect} compares it with the current tuple, so HAVING adds and removes result
 * rows as values cross. With ORDER BY … LIMIT (top-N) the qualifying groups are kept sorted by their output, re-sorted
 * only when they changed, and the first {@code limit} are diffed with those last published.
 */
final class AggregateOperator extends Operator {
    private final Map<List<Object>, Group> groups = new HashMap<>();
    private final Map<List<Object>, Tuple> before = newBeforeMap();
    private final TreeMap<Sorted, Group> sorted;
    private final Map<List<Object>, Sorted> sortedByKey;
    private final boolean global;
    private Map<Object, Tuple> published = new LinkedHashMap<>();

    private final class Group {
        final List<Object> key;
        final Accumulator[] accumulators;
        long rows;

        Group(List<Object> key) {
            this.key = key;
            this.accumulators = plan.aggregates().stream().map(Accumulator::of).toArray(Accumulator[]::new);
        }

        boolean present() {
            return (global || rows > 0) && (plan.having() == null || Expr.isTrue(plan.having(), groupRow()));
        }

        Object[] groupRow() {
            Object[] r = new Object[key.size() + accumulators.length];
            for (int i = 0; i < key.size(); i++) {
                r[i] = key.get(i);
            }
            for (int i = 0; i < accumulators.length; i++) {
                r[key.size() + i] = accumulators[i].result();
            }
            return r;
        }

        /** The result tuple, or ABSENT when the group is not in the result. */
        Tuple tuple() {
            if (!present()) {
                return ABSENT;
            }
            List<Expr> keyExprs = plan.groupBy();
            Object[] k = new Object[key.size()];
            for (int i = 0; i < k.length; i++) {
                k[i] = Values.external(key.get(i), keyExprs.get(i).type());
            }
            return new Tuple(Arrays.asList(k), external(project(groupRow())));
        }
    }

    AggregateOperator(Plan plan) {
        super(plan);
        global = plan.groupBy().isEmpty();
        if (plan.hasLimit()) {
            sorted = new TreeMap<>(sortOrder((a, b) -> Values.LISTS.compare(castKey(a), castKey(b))));
            sortedByKey = new HashMap<>();
        } else {
            sorted = null;
            sortedByKey = null;
        }
        if (global) {
            // The one row of an aggregate without GROUP BY exists even over no rows (COUNT 0, SUM NULL).
            groups.put(List.of(), new Group(List.of()));
            before.put(List.of(), ABSENT);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castKey(Object k) {
        return (List<Object>) k;
    }

    private List<Object> keyOf(Object[] row) {
        List<Expr> g = plan.groupBy();
        Object[] k = new Object[g.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = g.get(i).eval(row);
        }
        return Arrays.asList(k);
    }

    @Override
    void apply(Object[] old, Object[] neu) {
        if (old != null) {
            Group g = groups.get(keyOf(old));
            touch(g.key, g);
            g.rows--;
            for (Accumulator a : g.accumulators) {
                a.remove(old);
            }
            if (g.rows == 0 && !global) {
                groups.remove(g.key);
            }
        }
        if (neu != null) {
            List<Object> key = keyOf(neu);
            Group g = groups.get(key);
            touch(key, g);
            if (g == null) {
                g = new Group(key);
                groups.put(key, g);
            }
            g.rows++;
            for (Accumulator a : g.accumulators) {
                a.add(neu);
            }
        }
    }

    /** Before the first change of a group in this generation, remembers what the client holds for it. */
    private void touch(List<Object> key, Group g) {
        if (!before.containsKey(key)) {
            before.put(key, !tracking || g == null ? ABSENT : g.tuple());
        }
    }

    @Override
    List<Change> collect() {
        if (sorted != null) {
            return collectTopN();
        }
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<List<Object>, Tuple> e : before.entrySet()) {
            Group g = groups.get(e.getKey());
            Change c = change(e.getValue(), g == null ? ABSENT : g.tuple());
            if (c != null) {
                changes.add(c);
            }
        }
        before.clear();
        return changes;
    }

    private List<Change> collectTopN() {
        if (before.isEmpty()) {
            return List.of();
        }
        for (List<Object> key : before.keySet()) {
            reposition(key);
        }
        before.clear();
        Map<Object, Tuple> now = firstN(sorted, plan.limit(), Group::tuple);
        List<Change> changes = diff(published, now);
        published = now;
        return changes;
    }

    private void reposition(List<Object> key) {
        Sorted prev = sortedByKey.remove(key);
        if (prev != null) {
            sorted.remove(prev);
        }
        Group g = groups.get(key);
        if (g == null || !g.present()) {
            return;
        }
        Sorted s = new Sorted(sortValues(g.groupRow()), key);
        sorted.put(s, g);
        sortedByKey.put(key, s);
    }

    @Override
    List<Tuple> snapshot() {
        if (sorted != null) {
            return List.copyOf(published.values());
        }
        List<Tuple> out = new ArrayList<>();
        for (Group g : groups.values()) {
            Tuple t = g.tuple();
            if (t != ABSENT) {
                out.add(t);
            }
        }
        return out;
    }
}
