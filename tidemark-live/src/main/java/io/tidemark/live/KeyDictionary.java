package io.tidemark.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * Dense int ids for the GROUP BY values of one table's rows, shared by every aggregate operator on that table with
 * the same GROUP BY expressions: a sample's key is computed and looked up once, whatever the number of queries, and
 * operators keep their per-group state in arrays indexed by the id.
 *
 * <p>An id lives while some row of the table has its key (reference counted), and until the next cut
 * ({@link #endCut}) after the last such row left: within a generation a key keeps one id and an id names one key, so
 * an operator's published row for an id is always that key's. Guarded by the tenant lock.
 */
final class KeyDictionary {
    final List<Expr> exprs;
    /** Operators using this dictionary; it is dropped when the last one goes. */
    int users;

    private static final class Slot {
        final int id;
        int refs;

        Slot(int id) {
            this.id = id;
        }
    }

    private final HashMap<Object, Slot> slots = new HashMap<>();
    private List<Object>[] keys = newKeys(16);
    private int next;
    private int[] free = new int[16];
    private int freeCount;
    /** Slots whose count reached 0 in this generation: freed at the cut unless their key came back. */
    private final ArrayList<Slot> pendingFree = new ArrayList<>();
    /**
     * Two-entry memo: the operators sharing this dictionary ask for the ids of the same old and new row one after
     * another, so each key is looked up once per change, not once per query.
     */
    private Object[] memoRow;
    private Slot memoSlot;
    private Object[] memoRow2;
    private Slot memoSlot2;

    KeyDictionary(List<Expr> exprs) {
        this.exprs = List.copyOf(exprs);
    }

    @SuppressWarnings("unchecked")
    private static List<Object>[] newKeys(int n) {
        return (List<Object>[]) new List<?>[n];
    }

    /** Ids are below this. */
    int capacity() {
        return next;
    }

    /** The key's values (internal cells) of a live id. */
    List<Object> key(int id) {
        return keys[id];
    }

    /**
     * The id of a row's key; the row must be in the table. Throws what evaluating the key throws (a BIGINT overflow),
     * which fails only the operators that admit the row, as if each had evaluated its key itself.
     */
    int id(Object[] row) {
        Slot s = slot(row);
        if (s == null) {
            lookupKey(row);
            throw new IllegalStateException("the group key of a row that is not in the table");
        }
        return s.id;
    }

    private Slot slot(Object[] row) {
        if (row == memoRow) {
            return memoSlot;
        }
        if (row == memoRow2) {
            return memoSlot2;
        }
        Slot s = slots.get(lookupKey(row));
        remember(row, s);
        return s;
    }

    private void remember(Object[] row, Slot s) {
        memoRow2 = memoRow;
        memoSlot2 = memoSlot;
        memoRow = row;
        memoSlot = s;
    }

    private void forget() {
        memoRow = null;
        memoSlot = null;
        memoRow2 = null;
        memoSlot2 = null;
    }

    private Object lookupKey(Object[] row) {
        if (exprs.size() == 1) {
            return exprs.get(0).eval(row);
        }
        Object[] k = new Object[exprs.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = exprs.get(i).eval(row);
        }
        return Arrays.asList(k);
    }

    /** A row with this key entered the table. */
    void retain(Object[] row) {
        Slot s = row == memoRow ? memoSlot : row == memoRow2 ? memoSlot2 : null;
        if (s == null) {
            Object k;
            try {
                k = lookupKey(row);
            } catch (RuntimeException e) {
                // No id: operators admitting the row fail when they ask for it (see id).
                remember(row, null);
                return;
            }
            s = slots.get(k);
            if (s == null) {
                s = new Slot(allocate(k));
                slots.put(k, s);
            }
            remember(row, s);
        }
        s.refs++;
    }

    /** A row with this key left the table. */
    void release(Object[] row) {
        Slot s;
        try {
            s = slot(row);
        } catch (RuntimeException e) {
            return;
        }
        if (s == null || --s.refs > 0) {
            return;
        }
        // Kept until the cut: a key that leaves and comes back within a generation keeps its id, so an operator
        // compares the key's new result with what it published for it.
        pendingFree.add(s);
    }

    private int allocate(Object k) {
        int id = freeCount > 0 ? free[--freeCount] : next++;
        if (id >= keys.length) {
            keys = Arrays.copyOf(keys, Math.max(16, keys.length * 2));
        }
        keys[id] = exprs.size() == 1 ? java.util.Collections.singletonList(k) : castList(k);
        return id;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object k) {
        return (List<Object>) k;
    }

    /** After a cut's output is collected: ids freed during the generation may be reused. */
    void endCut() {
        for (Slot s : pendingFree) {
            if (s.refs > 0 || keys[s.id] == null) {
                continue;
            }
            int id = s.id;
            slots.remove(exprs.size() == 1 ? keys[id].get(0) : keys[id]);
            keys[id] = null;
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = id;
        }
        pendingFree.clear();
        forget();
    }
}
