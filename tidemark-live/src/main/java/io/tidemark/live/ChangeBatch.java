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
    /** Columns gathered so far in this batch, per side (0 old, 1 new); indexed by cell index, null until asked. */
    private Column[][] columns = new Column[2][8];
    private int[][][] ids = new int[2][4][];
    private boolean[][] idsReady = new boolean[2][4];
    /** Per side and dictionary: the greatest id of a row, MAX_VALUE if a row has none (-1 when no row). */
    private int[][] maxIds = new int[2][4];
    /** The slot of a row's {@code int[]}: its size, then one id per dictionary number. */
    private final int metaSlot;

    ChangeBatch(int metaSlot) {
        this.metaSlot = metaSlot;
    }

    /** A numeric column of one side gathered into primitives: present[i] is false for a null cell or no row. */
    static final class Column {
        long[] longs;
        double[] doubles;
        boolean[] present;
        /** False when some cell was not of the expected Java type: callers then take the row-at-a-time path. */
        boolean usable;
    }

    void clear() {
        Arrays.fill(olds, 0, size, null);
        Arrays.fill(neus, 0, size, null);
        size = 0;
        oldRows = 0;
        newRows = 0;
        for (Column[] side : columns) {
            Arrays.fill(side, null);
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
        Column[] cs = columns[side];
        if (index >= cs.length) {
            columns[side] = cs = Arrays.copyOf(cs, index + 1);
        }
        Column c = cs[index];
        if (c != null && (asLong ? c.longs != null : c.doubles != null)) {
            return c;
        }
        c = gather(side(side), index, asLong, c);
        cs[index] = c;
        return c;
    }

    private Column gather(Object[][] rows, int index, boolean asLong, Column previous) {
        Column c = previous != null ? previous : new Column();
        c.present = new boolean[size];
        c.usable = true;
        if (asLong) {
            c.longs = new long[size];
        } else {
            c.doubles = new double[size];
        }
        for (int i = 0; i < size; i++) {
            Object[] row = rows[i];
            Object v = row == null ? null : row[index];
            if (v == null) {
                continue;
            }
            if (asLong && v instanceof Long l) {
                c.longs[i] = l;
            } else if (!asLong && v instanceof Double d) {
                c.doubles[i] = d;
            } else {
                c.usable = false;
                return c;
            }
            c.present[i] = true;
        }
        return c;
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
            int id = row == null ? -1 : ((int[]) row[metaSlot])[1 + number];
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
