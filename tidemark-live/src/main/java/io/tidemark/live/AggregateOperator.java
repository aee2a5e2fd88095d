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
    /** The aggregates that keep state of their own: every one but COUNT(*) without FILTER. */
    private final Accumulator[] accumulators;
    /**
     * Per aggregate of the plan, its index in {@link #accumulators}, or -1 for COUNT(*) without FILTER, which is the
     * group's row count ({@link #rows}) and so costs nothing of its own.
     */
    private final int[] resultOf;
    private long[] rows = new long[16];
    /** Per group the tuple last published (or due to be, for a brand-new operator); null when not in the result. */
    private Tuple[] published = new Tuple[16];
    private boolean[] dirty = new boolean[16];
    private int[] dirtyIds = new int[16];
    private int dirtyCount;
    private final TreeMap<Sorted, Integer> sorted;
    private Sorted[] sortedById;
    private Map<Object, Tuple> publishedTop = new LinkedHashMap<>();
    /** The WHERE a column at a time, or null when this operator takes batches row by row. */
    private final BatchPredicate batchWhere;
    private boolean[] oldPass = new boolean[0];
    private boolean[] newPass = new boolean[0];
    private int[] zeroIds = new int[0];

    AggregateOperator(Plan plan, KeyDictionary keys) {
        super(plan, keys);
        global = keys == null;
        List<Plan.Aggregate> aggregates = plan.aggregates();
        resultOf = new int[aggregates.size()];
        List<Accumulator> own = new ArrayList<>();
        for (int i = 0; i < resultOf.length; i++) {
            Plan.Aggregate a = aggregates.get(i);
            if (a.function() == Plan.Function.COUNT_STAR && a.filter() == null) {
                resultOf[i] = -1;
            } else {
                resultOf[i] = own.size();
                own.add(Accumulator.of(a));
            }
        }
        accumulators = own.toArray(Accumulator[]::new);
        if (plan.hasLimit()) {
            sorted = new TreeMap<>(sortOrder((a, b) -> Values.LISTS.compare(castKey(a), castKey(b))));
            sortedById = new Sorted[16];
        } else {
            sorted = null;
        }
        boolean batchable = plan.where() == null || BatchPredicate.of(plan.where()) != null;
        for (Accumulator a : accumulators) {
            batchable &= a.batchable();
        }
        batchWhere = !batchable ? null : plan.where() == null ? ALL : BatchPredicate.of(plan.where());
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

    /** Admits every row there is. */
    private static final BatchPredicate ALL = new BatchPredicate() {
        @Override
        boolean eval(ChangeBatch batch, int side, boolean[] pass) {
            for (int i = 0; i < batch.size(); i++) {
                pass[i] = (side == 0 ? batch.old(i) : batch.neu(i)) != null;
            }
            return true;
        }
    };

    /**
     * A batch one column loop at a time: the WHERE over each side, then the row counts, then each aggregate. Same
     * result as row by row ({@link Accumulator#applyBatch} keeps the order where it matters); any row the fast path
     * cannot take as is (a cell of an unexpected type, a row whose group key failed) sends the whole batch row by
     * row, before anything changed, so failures happen exactly as there.
     */
    @Override
    void onChanges(ChangeBatch batch) {
        if (batchWhere == null || failure != null || !tracking) {
            super.onChanges(batch);
            return;
        }
        int n = batch.size();
        if (oldPass.length < n) {
            oldPass = new boolean[n];
            newPass = new boolean[n];
        }
        boolean hasOld = batch.hasRows(0);
        boolean hasNew = batch.hasRows(1);
        boolean[] op = oldPass;
        boolean[] np = newPass;
        if ((hasOld && !batchWhere.eval(batch, 0, op)) || (hasNew && !batchWhere.eval(batch, 1, np))
                || !inWindow(batch, hasOld ? op : null, hasNew ? np : null)) {
            super.onChanges(batch);
            return;
        }
        int[] oldIds = hasOld ? ids(batch, 0) : null;
        int[] newIds = hasNew ? ids(batch, 1) : null;
        ChangeBatch.Column[] oldArgs = new ChangeBatch.Column[accumulators.length];
        ChangeBatch.Column[] newArgs = new ChangeBatch.Column[accumulators.length];
        for (int a = 0; a < accumulators.length; a++) {
            oldArgs[a] = hasOld ? accumulators[a].batchInput(batch, 0) : null;
            newArgs[a] = hasNew ? accumulators[a].batchInput(batch, 1) : null;
            if ((oldArgs[a] != null && !oldArgs[a].usable) || (newArgs[a] != null && !newArgs[a].usable)) {
                super.onChanges(batch);
                return;
            }
        }
        int maxId = Math.max(maxId(batch, 0, n, op, oldIds), maxId(batch, 1, n, np, newIds));
        if (maxId == Integer.MAX_VALUE) {
            super.onChanges(batch);
            return;
        }
        ensure(maxId);
        if (hasOld && hasNew) {
            applyBoth(n, op, oldIds, oldArgs, np, newIds, newArgs);
        } else if (hasOld) {
            applySide(n, op, oldIds, oldArgs, -1);
        } else if (hasNew) {
            applySide(n, np, newIds, newArgs, 1);
        }
    }

    /**
     * At least the greatest id of a passing row; MAX_VALUE if a passing row has no id (its key failed); -1 for none.
     * The batch knows the greatest id of all its rows (shared by the operators), so the passing rows are scanned only
     * when some row of the side has no id.
     */
    private int maxId(ChangeBatch batch, int side, int n, boolean[] pass, int[] ids) {
        if (ids == null) {
            return -1;
        }
        if (global) {
            return 0;
        }
        int all = batch.maxId(side, keys.number);
        if (all != Integer.MAX_VALUE) {
            return all;
        }
        int max = -1;
        for (int i = 0; i < n; i++) {
            if (pass[i]) {
                int id = ids[i];
                if (id < 0) {
                    return Integer.MAX_VALUE;
                }
                max = Math.max(max, id);
            }
        }
        return max;
    }

    /** A side-only batch: the first aggregate's loop also counts the groups' rows (one pass instead of two). */
    private void applySide(int n, boolean[] pass, int[] ids, ChangeBatch.Column[] args, int sign) {
        if (accumulators.length == 0) {
            for (int i = 0; i < n; i++) {
                if (pass[i]) {
                    count(ids[i], sign);
                }
            }
            return;
        }
        accumulators[0].applySide(n, ids, pass, args[0], sign, this);
        for (int a = 1; a < accumulators.length; a++) {
            accumulators[a].applySide(n, ids, pass, args[a], sign, null);
        }
    }

    /** Counts an admitted row of a side-only batch into its group ({@code sign} 1 or -1) and marks the group dirty. */
    void count(int id, int sign) {
        rows[id] += sign;
        if (!dirty[id]) {
            addDirty(id);
        }
    }

    private void applyBoth(int n, boolean[] op, int[] oldIds, ChangeBatch.Column[] oldArgs, boolean[] np, int[] newIds,
            ChangeBatch.Column[] newArgs) {
        long[] rows = this.rows;
        for (int i = 0; i < n; i++) {
            if (op[i]) {
                markDirty(oldIds[i]);
                rows[oldIds[i]]--;
            }
            if (np[i]) {
                markDirty(newIds[i]);
                rows[newIds[i]]++;
            }
        }
        for (int a = 0; a < accumulators.length; a++) {
            accumulators[a].applyBatch(n, oldIds, op, oldArgs[a], newIds, np, newArgs[a]);
        }
    }

    /** Drops rows before the time window from both sides; true (the window needs no cells of unexpected type). */
    private boolean inWindow(ChangeBatch batch, boolean[] op, boolean[] np) {
        if (minMicros == Long.MIN_VALUE) {
            return true;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (op != null && op[i]) {
                op[i] = (Long) batch.old(i)[1] >= minMicros;
            }
            if (np != null && np[i]) {
                np[i] = (Long) batch.neu(i)[1] >= minMicros;
            }
        }
        return true;
    }

    private int[] ids(ChangeBatch batch, int side) {
        if (!global) {
            return batch.ids(side, keys.number);
        }
        if (zeroIds.length < batch.size()) {
            zeroIds = new int[batch.size()];
        }
        return zeroIds;
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
        if (!dirty[id]) {
            addDirty(id);
        }
    }

    /** Marks a group dirty that is not; its id is within the arrays. */
    private void addDirty(int id) {
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
        Object[] r = new Object[key.size() + resultOf.length];
        for (int i = 0; i < key.size(); i++) {
            r[i] = key.get(i);
        }
        for (int i = 0; i < resultOf.length; i++) {
            r[key.size() + i] = resultOf[i] < 0 ? (Object) rows[id] : accumulators[resultOf[i]].result(id);
        }
        return r;
    }

    /** The group's result tuple, or ABSENT when it is not in the result. */
    private Tuple tuple(int id) {
        return tuple(id, null);
    }

    /**
     * The group's result tuple, or ABSENT when it is not in the result. {@code before} (may be null) is the tuple
     * published for the id: an id names one key for as long as the group is in the result (a dictionary frees an id
     * only at a cut after its last row left, and then the group was absent at that cut's collect), so its key list
     * is reused instead of converted again.
     */
    private Tuple tuple(int id, Tuple before) {
        if (!present(id)) {
            return ABSENT;
        }
        List<Object> external;
        if (before != null) {
            external = before.key();
        } else {
            List<Object> key = key(id);
            List<Expr> keyExprs = plan.groupBy();
            Object[] k = new Object[key.size()];
            for (int i = 0; i < k.length; i++) {
                k[i] = Values.external(key.get(i), keyExprs.get(i).type());
            }
            external = Arrays.asList(k);
        }
        return new Tuple(external, external(project(groupRow(id))));
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
            Tuple now = tuple(id, published[id]);
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
