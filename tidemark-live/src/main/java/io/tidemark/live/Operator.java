package io.tidemark.live;

import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Maintains one query's result incrementally over one live table, shared by every registered query with the same
 * plan. The table calls {@link #onChange} for each row it replaces, inserts or removes; at a cut the engine calls
 * {@link #collect} for the net changes since the previous cut, and {@link #snapshot} for new registrations.
 * Confined to the tenant's lock.
 */
abstract class Operator {
    /** Marks "the key was not in the result" in before-images. */
    static final Tuple ABSENT = new Tuple(List.of(), List.of());

    final Plan plan;
    final List<QueryHandle> handles = new ArrayList<>();
    private final List<ColumnType> outputTypes;
    /** Rows with a smaller timestamp are outside the query's time window; MIN_VALUE without a window. */
    long minMicros = Long.MIN_VALUE;
    /** False while the operator is filled at registration: nothing is "changed" for a brand-new result. */
    boolean tracking;
    TidemarkException failure;
    /** The shared GROUP BY dictionary of a grouped aggregate; null otherwise. */
    final KeyDictionary keys;

    Operator(Plan plan, KeyDictionary keys) {
        this.plan = plan;
        this.keys = keys;
        this.outputTypes = plan.schema().columns().stream().map(QuerySchema.OutputColumn::type).toList();
    }

    /** An operator for {@code plan}, filled from the table's rows; {@code nowMicros} places the time window. */
    static Operator create(Plan plan, LiveTables tables, long nowMicros) {
        Operator op;
        if (!plan.isAggregate()) {
            op = new RowOperator(plan);
        } else {
            KeyDictionary keys = plan.groupBy().isEmpty() ? null : tables.keyDictionary(plan.latest(), plan.groupBy());
            op = new AggregateOperator(plan, keys);
        }
        if (plan.window() != null) {
            op.minMicros = plan.window().minMicros(nowMicros);
        }
        tables.forEachRow(plan.latest(), row -> op.onChange(null, row));
        op.tracking = true;
        return op;
    }

    final boolean admits(Object[] row) {
        // Evaluated per query and change: keep it free of allocation (cells are boxed already, predicates return the
        // Boolean constants).
        return (Long) row[1] >= minMicros && (plan.where() == null || Expr.isTrue(plan.where(), row));
    }

    /** One table change: {@code old} replaced by {@code neu}; either may be null (insert, delete). */
    final void onChange(Object[] old, Object[] neu) {
        if (failure != null) {
            return;
        }
        try {
            boolean was = old != null && admits(old);
            boolean is = neu != null && admits(neu);
            if (was || is) {
                apply(was ? old : null, is ? neu : null);
            }
        } catch (TidemarkException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new TidemarkException(ErrorCode.INVALID_QUERY, "the query failed on a row: " + e, e);
        }
    }

    /** The changes of one batch, in order; the default takes them one row at a time. */
    void onChanges(ChangeBatch batch) {
        for (int i = 0; i < batch.size() && failure == null; i++) {
            onChange(batch.old(i), batch.neu(i));
        }
    }

    /**
     * Moves the time window to {@code nowMicros}, retracting the rows that left it. Visits only those rows, through
     * the table's time index.
     *
     * @return whether any row left the result's input
     */
    final boolean advanceWindow(long nowMicros, TimeIndex byTime) {
        if (plan.window() == null || failure != null) {
            return false;
        }
        long to = plan.window().minMicros(nowMicros);
        if (to <= minMicros) {
            return false;
        }
        boolean[] any = {false};
        byTime.range(minMicros, to, row -> {
            if (failure == null && admits(row)) {
                onChange(row, null);
                any[0] = true;
            }
        });
        minMicros = to;
        return any[0];
    }

    /** Applies a change of the admitted rows: {@code old} left, {@code neu} entered (either may be null). */
    abstract void apply(Object[] old, Object[] neu);

    /** The net changes since the previous collect; the operator then counts them as published. */
    abstract List<Change> collect();

    /** The whole current (published) result. */
    abstract List<Tuple> snapshot();

    /** Converts internal output cells to a tuple's values. */
    final List<Object> external(Object[] cells) {
        Object[] out = new Object[cells.length];
        for (int i = 0; i < cells.length; i++) {
            out[i] = Values.external(cells[i], outputTypes.get(i));
        }
        return java.util.Arrays.asList(out);
    }

    final Object[] project(Object[] row) {
        List<Expr> p = plan.projections();
        Object[] out = new Object[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).eval(row);
        }
        return out;
    }

    /** The change from {@code before} to {@code after} for one key, or null if there is none. */
    static Change change(Tuple before, Tuple after) {
        if (before == ABSENT) {
            return after == ABSENT ? null : new Change(Change.Kind.ADDED, after);
        }
        if (after == ABSENT) {
            return new Change(Change.Kind.REMOVED, before);
        }
        return Values.sameLists(before.values(), after.values()) ? null : new Change(Change.Kind.UPDATED, after);
    }

    /** The changes that turn {@code before} into {@code after}; both map a key to its tuple. */
    static List<Change> diff(Map<Object, Tuple> before, Map<Object, Tuple> after) {
        List<Change> out = new ArrayList<>();
        for (Map.Entry<Object, Tuple> e : before.entrySet()) {
            Change c = change(e.getValue(), after.getOrDefault(e.getKey(), ABSENT));
            if (c != null) {
                out.add(c);
            }
        }
        for (Map.Entry<Object, Tuple> e : after.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                out.add(new Change(Change.Kind.ADDED, e.getValue()));
            }
        }
        return out;
    }

    /** An entry in ORDER BY order: the sort values, then the result key to break ties. */
    record Sorted(Object[] values, Object key) {}

    /** ORDER BY … with explicit NULLS FIRST / LAST (default last), ties broken by the result key. */
    final Comparator<Sorted> sortOrder(Comparator<Object> keyOrder) {
        List<Plan.OrderKey> keys = plan.orderBy();
        return (a, b) -> {
            for (int i = 0; i < keys.size(); i++) {
                Object x = a.values[i];
                Object y = b.values[i];
                Plan.OrderKey k = keys.get(i);
                int c;
                if (x == null || y == null) {
                    c = x == y ? 0 : (x == null) == k.nullsFirst() ? -1 : 1;
                } else {
                    c = k.descending() ? Values.compare(y, x) : Values.compare(x, y);
                }
                if (c != 0) {
                    return c;
                }
            }
            return keyOrder.compare(a.key, b.key);
        };
    }

    final Object[] sortValues(Object[] row) {
        List<Plan.OrderKey> keys = plan.orderBy();
        Object[] out = new Object[keys.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = keys.get(i).expr().eval(row);
        }
        return out;
    }

    /** The first {@code limit} entries of {@code sorted}, as key → tuple in order. */
    static <V> Map<Object, Tuple> firstN(NavigableMap<Sorted, V> sorted, long limit,
            java.util.function.Function<V, Tuple> tuple) {
        Map<Object, Tuple> out = new LinkedHashMap<>();
        for (Map.Entry<Sorted, V> e : sorted.entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.put(e.getKey().key(), tuple.apply(e.getValue()));
        }
        return out;
    }

    static <K> Map<K, Tuple> newBeforeMap() {
        return new HashMap<>();
    }
}
