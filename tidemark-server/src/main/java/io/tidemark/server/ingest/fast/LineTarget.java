package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One measurement of a line-protocol body, as one {@link LineParser} reads it: what it maps to, the rows of its
 * valid lines in a {@link SampleBatch.Builder} (with the line each began on), and the values of the line being read,
 * staged per column until the line is known to be valid (a field given twice keeps the last). Not thread-safe.
 */
final class LineTarget {
    static final byte ABSENT = 0;
    static final byte DOUBLE = 1;
    static final byte LONG = 2;
    /** A {@code Boolean} or {@code String}. */
    static final byte OBJECT = 3;
    /** The field's value does not fit its column; {@link #objects} holds the reason. */
    static final byte REFUSED = 4;

    final String measurement;
    final LineProtocol.Resolution resolution;
    /** Whether the archive is to be created: its definition comes from the measurement's first valid line. */
    final boolean create;
    ArchiveDefinition definition;
    SampleBatch.Builder rows;
    private final BatchLimits limits;
    private int[] lines = new int[64];
    private int n;
    private byte[][] names;
    ColumnType[] types;
    private int guess;
    // the line being read
    byte[] kinds;
    double[] doubles;
    long[] longs;
    Object[] objects;
    private int[] touched;
    private int touchedCount;
    /** The line (plus one) in which each column was last given. */
    private int[] givenIn;
    private int current;

    LineTarget(String measurement, LineProtocol.Resolution resolution, BatchLimits limits) {
        this.measurement = measurement;
        this.resolution = resolution;
        this.create = resolution.create();
        this.limits = limits;
        if (resolution.archive() != null) {
            define(resolution.archive());
        }
    }

    /** Whether the measurement's lines are refused as a whole; {@link LineProtocol.Resolution#refusal()} says why. */
    boolean refused() {
        return resolution.refusal() != null;
    }

    /** The rtId tag, or null for the canonical tag set. */
    String rtIdTag() {
        return resolution.rtIdTag();
    }

    void define(ArchiveDefinition def) {
        definition = def;
        rows = SampleBatch.builder(def, limits);
        int cols = def.columns().size();
        names = new byte[cols][];
        types = new ColumnType[cols];
        for (int c = 0; c < cols; c++) {
            names[c] = def.columns().get(c).name().getBytes(StandardCharsets.UTF_8);
            types[c] = def.columns().get(c).type();
        }
        kinds = new byte[cols];
        doubles = new double[cols];
        longs = new long[cols];
        objects = new Object[cols];
        touched = new int[cols];
        givenIn = new int[cols];
    }

    /** The column spelt by the bytes {@code b[from, to)} (a key without escapes); -1 for none. */
    int column(byte[] b, int from, int to) {
        int cols = names.length;
        for (int k = 0; k < cols; k++) {
            int c = guess + k < cols ? guess + k : guess + k - cols;
            byte[] name = names[c];
            if (Arrays.equals(name, 0, name.length, b, from, to)) {
                guess = c + 1 == cols ? 0 : c + 1; // lines give their fields in the same order, as a rule
                return c;
            }
        }
        return -1;
    }

    /** The column named {@code name}; -1 for none. */
    int column(String name) {
        return rows.columnIndex(name);
    }

    /** Starts staging the next line. */
    void begin() {
        current++;
        touchedCount = 0;
    }

    private void give(int c, byte kind) {
        if (givenIn[c] != current) {
            givenIn[c] = current;
            touched[touchedCount++] = c;
        }
        kinds[c] = kind;
    }

    void stageDouble(int c, double v) {
        give(c, DOUBLE);
        doubles[c] = v;
    }

    void stageLong(int c, long v) {
        give(c, LONG);
        longs[c] = v;
    }

    void stageObject(int c, Object v) {
        give(c, OBJECT);
        objects[c] = v;
    }

    void stageRefused(int c, String reason) {
        give(c, REFUSED);
        objects[c] = reason;
    }

    /** The staged columns of this line whose value was refused, in the order first given. */
    int refusedColumns(int[] out) {
        int k = 0;
        for (int i = 0; i < touchedCount; i++) {
            if (kinds[touched[i]] == REFUSED) {
                out[k++] = touched[i];
            }
        }
        return k;
    }

    String columnName(int c) {
        return definition.columns().get(c).name();
    }

    /** Adds the staged line as the next row, which began on {@code line}. */
    void commit(String rtId, long micros, int line) {
        SampleBatch.Builder r = rows;
        r.row().rtId(rtId).micros(micros);
        for (int i = 0; i < touchedCount; i++) {
            int c = touched[i];
            switch (kinds[c]) {
                case DOUBLE -> r.setDouble(c, doubles[c]);
                case LONG -> r.set(c, longs[c]);
                default -> r.set(c, objects[c]);
            }
        }
        if (n == lines.length) {
            lines = Arrays.copyOf(lines, n * 2);
        }
        lines[n++] = line;
    }

    /** The line row {@code row} (1-based, as the builder numbers them) began on; 0 for none. */
    int lineOf(int row) {
        return row >= 1 && row <= n ? lines[row - 1] : 0;
    }
}
