package io.tidemark.live;

import java.util.Arrays;

/**
 * The changes one call made to one live table, in order: change {@code i} replaced {@code old(i)} by {@code neu(i)}
 * (either may be null). Operators take a whole batch at once, one operator after the other, instead of every operator
 * per row; an operator that can ({@link AggregateOperator}) runs column loops over primitive copies of the cells it
 * reads, gathered here once per batch and shared by all operators. Reused from batch to batch (no allocation once
 * warm); confined to the tenant lock.
 */
final class ChangeBatch {
    private Object[][] olds = new Object[64][];
    private Object[][] neus = new Object[64][];
    private int size;
    private int oldRows;
    private int newRows;
    /**
     * Gathered columns per side (0 old, 1 new), at {@code 2 * cell index + (as long ? 1 : 0)}; kept from batch to batch
     * with their arrays (so gathering allocates nothing once warm), {@link Column#ready} in this batch only.
     */
    private Column[][] columns = new Column[2][16];
    private int[][][] ids = new int[2][4][];
    private boolean[][] idsReady = new boolean[2][4];
    /** Per side and dictionary: the greatest id of a row, MAX_VALUE if a row has none (-1 when no row). */
    private int[][] maxIds = new int[2][4];
    /** The slot of a row's group ids ({@link KeyDictionary#stamped}). */
    private final int idsSlot;

    ChangeBatch(int idsSlot) {
        this.idsSlot = idsSlot;
    }

    /**
     * A numeric column of one side gathered into primitives ({@code longs} or {@code doubles}, the other null):
     * present[i] is false for a null cell or no row. The arrays may be longer than the batch.
     */
    static final class Column {
        long[] longs;
        double[] doubles;
        boolean[] present = new boolean[0];
        /** False when some cell was not of the expected Java type: callers then take the row-at-a-time path. */
        boolean usable;
        /** Gathered in the current batch. */
        boolean ready;
    }

    void clear() {
        Arrays.fill(olds, 0, size, null);
        Arrays.fill(neus, 0, size, null);
        size = 0;
        oldRows = 0;
        newRows = 0;
        for (Column[] side : columns) {
            for (Column c : side) {
                if (c != null) {
                    c.ready = false;
                }
            }
        }
        for (boolean[] side : idsReady) {
            Arrays.fill(side, false);
        }
    }

    void add(Object[] old, Object[] neu) {
        if (size == olds.length) {
            olds = Arrays.copyOf(olds, size * 2);
            neus = Arrays.copyOf(neus, size * 2);
        }
        olds[size] = old;
        neus[size] = neu;
        size++;
        oldRows += old == null ? 0 : 1;
        newRows += neu == null ? 0 : 1;
    }

    /** Whether some change of the side (0 old, 1 new) has a row. */
    boolean hasRows(int side) {
        return (side == 0 ? oldRows : newRows) > 0;
    }

    int size() {
        return size;
    }

    Object[] old(int i) {
        return olds[i];
    }

    Object[] neu(int i) {
        return neus[i];
    }

    private Object[][] side(int side) {
        return side == 0 ? olds : neus;
    }

    /**
     * The cells at {@code index} of one side as {@code long}s (BIGINT cells, {@code Long}) or {@code double}s (DOUBLE
     * cells, {@code Double}), gathered on first use in this batch.
     */
    Column column(int side, int index, boolean asLong) {
        int at = 2 * index + (asLong ? 1 : 0);
        Column[] cs = columns[side];
        if (at >= cs.length) {
            columns[side] = cs = Arrays.copyOf(cs, at + 1);
        }
        Column c = cs[at];
        if (c == null) {
            c = new Column();
            cs[at] = c;
        }
        if (!c.ready) {
            gather(side(side), index, asLong, c);
            c.ready = true;
        }
        return c;
    }

    private void gather(Object[][] rows, int index, boolean asLong, Column c) {
        if (c.present.length < size) {
            int n = Math.max(size, 2 * c.present.length);
            c.present = new boolean[n];
            c.longs = asLong ? new long[n] : null;
            c.doubles = asLong ? null : new double[n];
        }
        c.usable = true;
        boolean[] present = c.present;
        for (int i = 0; i < size; i++) {
            Object[] row = rows[i];
            Object v = row == null ? null : row[index];
            present[i] = v != null;
            if (v == null) {
                continue;
            }
            if (asLong && v instanceof Long l) {
                c.longs[i] = l;
            } else if (!asLong && v instanceof Double d) {
                c.doubles[i] = d;
            } else {
                c.usable = false;
                return;
            }
        }
    }

    /** The group ids of one side stamped by the dictionary {@code number}; -1 for no row or no id. */
    int[] ids(int side, int number) {
        if (number >= ids[side].length) {
            ids[side] = Arrays.copyOf(ids[side], number + 1);
            idsReady[side] = Arrays.copyOf(idsReady[side], number + 1);
            maxIds[side] = Arrays.copyOf(maxIds[side], number + 1);
        }
        int[] out = ids[side][number];
        if (idsReady[side][number]) {
            return out;
        }
        if (out == null || out.length < size) {
            out = new int[Math.max(size, 64)];
            ids[side][number] = out;
        }
        Object[][] rows = side(side);
        int max = -1;
        boolean missing = false;
        for (int i = 0; i < size; i++) {
            Object[] row = rows[i];
            int id = row == null ? -1 : KeyDictionary.stamped(row, idsSlot, number);
            out[i] = id;
            max = Math.max(max, id);
            missing |= row != null && id < 0;
        }
        maxIds[side][number] = missing ? Integer.MAX_VALUE : max;
        idsReady[side][number] = true;
        return out;
    }

    /**
     * The greatest id in {@link #ids}{@code (side, number)} (which must have been called in this batch); MAX_VALUE if
     * a row of the side has no id; -1 if the side has no row.
     */
    int maxId(int side, int number) {
        return maxIds[side][number];
    }
}
