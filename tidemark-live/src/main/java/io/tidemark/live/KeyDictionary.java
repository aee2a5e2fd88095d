package io.tidemark.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * Dense int ids for the GROUP BY values of one table's rows, shared by every aggregate operator on that table with
 * the same GROUP BY expressions: a sample's key is computed and looked up once when it enters the table, whatever the
 * number of queries, and the id is stamped into the row (in one of its trailing slots, see {@link #stamped}), so
 * operators and retraction read it back without hashing.
 * Operators keep their per-group state in arrays indexed by the id.
 *
 * <p>An id lives while some row of the table has its key (reference counted), and until the next cut
 * ({@link #endCut}) after the last such row left: within a generation a key keeps one id and an id names one key, so
 * an operator's published row for an id is always that key's. Guarded by the tenant lock.
 */
final class KeyDictionary {
    final List<Expr> exprs;
    /** Where this dictionary stamps ids in a row's id array; unique among the live dictionaries of an archive. */
    final int number;
    /** The slot of a row's ids: see {@link #stamped}. */
    private final int idsSlot;
    /** The slot of a row's {@link LiveTables.Series}, which remembers the key its last row had. */
    private final int seriesSlot;
    /** The stamp of a row whose key failed. */
    private static final Integer MISSING = -1;
    /** Operators using this dictionary; it is dropped when the last one goes. */
    int users;

    private static final class Slot {
        final int id;
        final Object key;
        int refs;

        Slot(int id, Object key) {
            this.id = id;
            this.key = key;
        }
    }

    private final HashMap<Object, Slot> slots = new HashMap<>();
    private Slot[] byId = new Slot[16];
    /** Boxed ids, one object per id, for {@link #stamp}. */
    private Integer[] boxed = new Integer[16];
    private List<Object>[] keys = newKeys(16);
    private int next;
    private int[] free = new int[16];
    private int freeCount;
    /** Slots whose count reached 0 in this generation: freed at the cut unless their key came back. */
    private final ArrayList<Slot> pendingFree = new ArrayList<>();

    KeyDictionary(List<Expr> exprs, int number, int idsSlot, int seriesSlot) {
        this.exprs = List.copyOf(exprs);
        this.number = number;
        this.idsSlot = idsSlot;
        this.seriesSlot = seriesSlot;
    }

    @SuppressWarnings("unchecked")
    private static List<Object>[] newKeys(int n) {
        return (List<Object>[]) new List<?>[n];
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
        int id = stamped(row, idsSlot, number);
        if (id < 0) {
            lookupKey(row);
            throw new IllegalStateException("the group key of a row could not be evaluated");
        }
        return id;
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

    /**
     * A row with this key entered the table: count it and stamp its id into the row. A series' rows mostly keep their
     * key, so the series remembers the slot of its last row's key, and a row with that key (still live) skips the
     * hash lookup. The remembered slot may be a dropped dictionary's that had this number, with an id past this
     * one's ids: only a slot this dictionary holds counts.
     */
    void retain(Object[] row) {
        Object k;
        try {
            k = lookupKey(row);
        } catch (RuntimeException e) {
            // No id: operators admitting the row fail when they ask for it (see id).
            stamp(row, -1);
            return;
        }
        LiveTables.Series series = (LiveTables.Series) row[seriesSlot];
        Slot s = (Slot) series.groupSlot(number);
        if (s == null || s.id >= byId.length || byId[s.id] != s || !Objects.equals(s.key, k)) {
            s = slots.get(k);
            if (s == null) {
                s = allocate(k);
                slots.put(k, s);
            }
            series.groupSlot(number, s);
        }
        s.refs++;
        stamp(row, s.id);
    }

    /**
     * The id dictionary {@code number} stamped into a row in the table ({@code -1}: its key failed). The slot holds
     * the id as a boxed {@code Integer} (one per id, shared by the rows) while only dictionary 0 has stamped the row,
     * which is the common case of one GROUP BY per table, and an {@code int[]} indexed by dictionary number once
     * another has: so a row costs no array of its own for its ids.
     */
    static int stamped(Object[] row, int idsSlot, int number) {
        Object ids = row[idsSlot];
        if (ids instanceof Integer only) {
            return number == 0 ? only : -1;
        }
        return ((int[]) ids)[number];
    }

    private void stamp(Object[] row, int id) {
        Object ids = row[idsSlot];
        if (number == 0 && !(ids instanceof int[])) {
            row[idsSlot] = id < 0 ? MISSING : boxed[id];
            return;
        }
        int[] all;
        if (ids instanceof int[] a) {
            all = a.length > number ? a : Arrays.copyOf(a, number + 1);
        } else {
            all = new int[number + 1];
            all[0] = ids instanceof Integer only ? only : -1;
        }
        all[number] = id;
        row[idsSlot] = all;
    }

    /** A row with this key left the table. */
    void release(Object[] row) {
        int id = stamped(row, idsSlot, number);
        if (id < 0) {
            return;
        }
        Slot s = byId[id];
        if (--s.refs > 0) {
            return;
        }
        // Kept until the cut: a key that leaves and comes back within a generation keeps its id, so an operator
        // compares the key's new result with what it published for it.
        pendingFree.add(s);
    }

    private Slot allocate(Object k) {
        int id = freeCount > 0 ? free[--freeCount] : next++;
        if (id >= keys.length) {
            keys = Arrays.copyOf(keys, Math.max(16, keys.length * 2));
            byId = Arrays.copyOf(byId, keys.length);
            boxed = Arrays.copyOf(boxed, keys.length);
        }
        if (boxed[id] == null) {
            boxed[id] = id;
        }
        keys[id] = exprs.size() == 1 ? java.util.Collections.singletonList(k) : castList(k);
        Slot s = new Slot(id, k);
        byId[id] = s;
        return s;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object k) {
        return (List<Object>) k;
    }

    /** After a cut's output is collected: ids freed during the generation may be reused. */
    void endCut() {
        for (Slot s : pendingFree) {
            if (s.refs > 0 || byId[s.id] != s) {
                continue;
            }
            slots.remove(s.key);
            keys[s.id] = null;
            byId[s.id] = null;
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = s.id;
        }
        pendingFree.clear();
    }
}
