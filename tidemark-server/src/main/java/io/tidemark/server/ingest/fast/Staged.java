package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import java.util.Arrays;

/**
 * Rows a fast path read, held in columns until the whole body is known to lie in its subset, then handed to a
 * {@link RowSink} with the calls the Jackson path makes for the same text (a value given twice keeps the last,
 * as the sink would). Not thread-safe.
 */
final class Staged {
    static final byte ABSENT = 0;
    /** {@link RowSink#doubleValue}. */
    static final byte DOUBLE = 1;
    /** {@link RowSink#value} with a {@code Long}. */
    static final byte LONG = 2;
    /** {@link RowSink#value} with null. */
    static final byte NULL = 3;
    /** {@link RowSink#value} with a {@code String} or {@code Boolean}. */
    static final byte OBJECT = 4;

    private final String[] names;
    private int n;
    private int endLine;
    private int[] lines;
    private String[] rtIds;
    private long[] micros;
    private boolean[] hasTs;
    private final byte[][] kinds;
    private final double[][] doubles;
    private final long[][] longs;
    private final Object[][] objects;

    Staged(ArchiveDefinition archive) {
        int cols = archive.columns().size();
        names = new String[cols];
        for (int c = 0; c < cols; c++) {
            names[c] = archive.columns().get(c).name();
        }
        int cap = 1024;
        lines = new int[cap];
        rtIds = new String[cap];
        micros = new long[cap];
        hasTs = new boolean[cap];
        kinds = new byte[cols][cap];
        doubles = new double[cols][];
        longs = new long[cols][];
        objects = new Object[cols][];
    }

    int rows() {
        return n;
    }

    /** The line the parser stopped on (the first line after the range it read). */
    int endLine() {
        return endLine;
    }

    void endLine(int line) {
        endLine = line;
    }

    /** The archive's column indexes in order, for {@link #replay(RowSink, int[])}. */
    int[] columnOrder() {
        int[] order = new int[kinds.length];
        for (int c = 0; c < order.length; c++) {
            order[c] = c;
        }
        return order;
    }

    /** Starts the next row, which begins on {@code line}; returns its index. */
    int row(int line) {
        if (n == lines.length) {
            int cap = n * 2;
            lines = Arrays.copyOf(lines, cap);
            rtIds = Arrays.copyOf(rtIds, cap);
            micros = Arrays.copyOf(micros, cap);
            hasTs = Arrays.copyOf(hasTs, cap);
            for (int c = 0; c < kinds.length; c++) {
                kinds[c] = Arrays.copyOf(kinds[c], cap);
                doubles[c] = doubles[c] == null ? null : Arrays.copyOf(doubles[c], cap);
                longs[c] = longs[c] == null ? null : Arrays.copyOf(longs[c], cap);
                objects[c] = objects[c] == null ? null : Arrays.copyOf(objects[c], cap);
            }
        }
        lines[n] = line;
        return n++;
    }

    void rtId(int r, String rtId) {
        rtIds[r] = rtId;
    }

    void micros(int r, long t) {
        micros[r] = t;
        hasTs[r] = true;
    }

    /** No timestamp (CSV's empty field), as the reference reader's {@code Rows.timestamp(null)}: no call at all. */
    void noTimestamp(int r) {
        hasTs[r] = false;
    }

    void doubleValue(int r, int c, double d) {
        if (doubles[c] == null) {
            doubles[c] = new double[lines.length];
        }
        doubles[c][r] = d;
        kinds[c][r] = DOUBLE;
    }

    void longValue(int r, int c, long v) {
        if (longs[c] == null) {
            longs[c] = new long[lines.length];
        }
        longs[c][r] = v;
        kinds[c][r] = LONG;
    }

    void nullValue(int r, int c) {
        kinds[c][r] = NULL;
    }

    void objectValue(int r, int c, Object v) {
        if (objects[c] == null) {
            objects[c] = new Object[lines.length];
        }
        objects[c][r] = v;
        kinds[c][r] = OBJECT;
    }

    /** The line each row began on. */
    int[] lines() {
        return Arrays.copyOf(lines, n);
    }

    /**
     * Hands every row to {@code rows}, values in the order of the column indexes in {@code order} (CSV's header
     * order, so a {@code Sample}'s map is filled as the Jackson path fills it).
     */
    void replay(RowSink rows, int[] order) {
        for (int r = 0; r < n; r++) {
            rows.row();
            if (rtIds[r] != null) {
                rows.rtId(rtIds[r]);
            }
            if (hasTs[r]) {
                rows.micros(micros[r]);
            }
            for (int c : order) {
                switch (kinds[c][r]) {
                    case DOUBLE -> rows.doubleValue(names[c], c, doubles[c][r]);
                    case LONG -> rows.value(names[c], c, longs[c][r]);
                    case NULL -> rows.value(names[c], c, null);
                    case OBJECT -> rows.value(names[c], c, objects[c][r]);
                    default -> {
                        // not given in this row
                    }
                }
            }
        }
    }
}
