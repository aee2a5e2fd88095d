package io.tidemark.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated batch in columnar form, ready for a store's bulk path. Built only by {@link #validate} or a
 * {@link Builder}: every value
 * has its column's Java type ({@code Double}, {@code Long}, {@code Boolean}, {@code String} or null), timestamps
 * are epoch microseconds, and a key {@code (timestamp, rtId)} occurs once (the last occurrence wins, as a re-sent
 * sample replaces the stored one).
 */
public final class SampleBatch {
    private static final int MAX_REPORTED_ERRORS = 10;

    private final ArchiveDefinition archive;
    private final String[] rtIds;
    private final long[] micros;
    private final Object[][] values;

    private SampleBatch(ArchiveDefinition archive, String[] rtIds, long[] micros, Object[][] values) {
        this.archive = archive;
        this.rtIds = rtIds;
        this.micros = micros;
        this.values = values;
    }

    public ArchiveDefinition archive() {
        return archive;
    }

    public int size() {
        return rtIds.length;
    }

    public String rtId(int row) {
        return rtIds[row];
    }

    /** The timestamp in microseconds since the epoch. */
    public long micros(int row) {
        return micros[row];
    }

    /** The value of column {@code col} (index into {@link ArchiveDefinition#columns()}) in {@code row}. */
    public Object value(int row, int col) {
        return values[col][row];
    }

    /** The smallest timestamp in the batch, in microseconds; {@code Long.MAX_VALUE} for an empty batch. */
    public long minMicros() {
        long m = Long.MAX_VALUE;
        for (long t : micros) {
            m = Math.min(m, t);
        }
        return m;
    }

    /**
     * The batches one after another as one batch, as if written one by one in this order: a key repeated across them
     * keeps its last occurrence. Every batch must be of the same archive definition (they were validated against it).
     *
     * @throws IllegalArgumentException for an empty list or batches of different archive definitions
     */
    public static SampleBatch concat(List<SampleBatch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches to concatenate");
        }
        SampleBatch first = batches.get(0);
        if (batches.size() == 1) {
            return first;
        }
        int n = 0;
        for (SampleBatch b : batches) {
            if (!b.archive.equals(first.archive)) {
                throw new IllegalArgumentException("batches of archives '" + first.archive.name() + "' and '"
                        + b.archive.name() + "' (or of two definitions of one) cannot be concatenated");
            }
            n += b.size();
        }
        String[] rt = new String[n];
        long[] mi = new long[n];
        Object[][] vals = new Object[first.values.length][n];
        int at = 0;
        for (SampleBatch b : batches) {
            int k = b.size();
            System.arraycopy(b.rtIds, 0, rt, at, k);
            System.arraycopy(b.micros, 0, mi, at, k);
            for (int c = 0; c < vals.length; c++) {
                System.arraycopy(b.values[c], 0, vals[c], at, k);
            }
            at += k;
        }
        return dedupe(new SampleBatch(first.archive, rt, mi, vals));
    }

    /**
     * A batch that was validated elsewhere and travelled in columnar form (cluster mode decodes it from the log):
     * {@code values[c][row]} is column {@code c} of {@link ArchiveDefinition#columns()}. Checks the shape and that
     * every value has its column's Java type ({@code Double}, {@code Long}, {@code Boolean}, {@code String}; a
     * {@code TIMESTAMP} column holds {@code Long} microseconds) or is null, and that keys are distinct; does not
     * apply {@link BatchLimits} again. The arrays are taken as they are, not copied: the caller must not change them.
     *
     * @throws IllegalArgumentException when the shape, a value's type or a repeated key does not fit
     */
    public static SampleBatch fromColumns(ArchiveDefinition archive, String[] rtIds, long[] micros, Object[][] values) {
        int n = rtIds.length;
        List<Column> cols = archive.columns();
        if (micros.length != n || values.length != cols.size()) {
            throw new IllegalArgumentException("archive '" + archive.name() + "': " + n + " rtIds, " + micros.length
                    + " timestamps and " + values.length + " columns for " + cols.size() + " declared columns");
        }
        for (int r = 0; r < n; r++) {
            if (rtIds[r] == null) {
                throw new IllegalArgumentException("archive '" + archive.name() + "': row " + r + " has no rtId");
            }
        }
        for (int c = 0; c < values.length; c++) {
            requireColumn(archive, cols.get(c), values[c], n);
        }
        if (findSuperseded(micros, rtIds) != null) {
            throw new IllegalArgumentException("archive '" + archive.name() + "': a (timestamp, rtId) key repeats");
        }
        return new SampleBatch(archive, rtIds, micros, values);
    }

    private static void requireColumn(ArchiveDefinition archive, Column col, Object[] column, int n) {
        if (column.length != n) {
            throw new IllegalArgumentException("archive '" + archive.name() + "': column '" + col.name() + "' has "
                    + column.length + " values for " + n + " rows");
        }
        Class<?> type = switch (col.type()) {
            case DOUBLE -> Double.class;
            case BIGINT, TIMESTAMP -> Long.class;
            case BOOLEAN -> Boolean.class;
            case VARCHAR -> String.class;
        };
        for (Object v : column) {
            if (v != null && v.getClass() != type) {
                throw new IllegalArgumentException("archive '" + archive.name() + "': column '" + col.name()
                        + "' of type " + col.type() + " holds a " + v.getClass().getSimpleName());
            }
        }
    }

    /**
     * Same archive definition, and the same rows in the same order with equal values ({@link Double#equals}: NaN
     * equals NaN, 0.0 does not equal -0.0).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatch b && archive.equals(b.archive) && java.util.Arrays.equals(micros, b.micros)
                && java.util.Arrays.equals(rtIds, b.rtIds) && java.util.Arrays.deepEquals(values, b.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * archive.hashCode() + java.util.Arrays.hashCode(micros)) + java.util.Arrays.hashCode(rtIds);
    }

    @Override
    public String toString() {
        return "SampleBatch[" + archive.name() + ", " + size() + " rows]";
    }

    /**
     * Validates the whole batch before anything is written. Runs the samples through {@link #builder}: one
     * validation code path for sample lists and for readers that parse straight into columns.
     *
     * @throws BatchRejectedException naming up to ten bad rows (row, column, reason)
     */
    public static SampleBatch validate(ArchiveDefinition archive, List<Sample> samples, BatchLimits limits) {
        if (samples.size() > limits.maxRows()) {
            throw tooManyRows(archive, samples.size(), limits);
        }
        Builder b = new Builder(archive, limits, samples.size());
        for (Sample s : samples) {
            if (s == null) {
                b.nullRow();
                continue;
            }
            b.row().rtId(s.rtId()).timestamp(s.timestamp());
            if (b.skipping() || s.values() == null) {
                continue;
            }
            for (Map.Entry<String, Object> e : s.values().entrySet()) {
                int c = b.columnIndex(e.getKey());
                if (c < 0) {
                    b.unknown(e.getKey());
                } else {
                    b.set(c, e.getValue());
                }
            }
        }
        return b.build();
    }

    private static BatchRejectedException tooManyRows(ArchiveDefinition archive, int rows, BatchLimits limits) {
        return new BatchRejectedException(archive.name(), List.of(new BatchRejectedException.RowError(
                limits.maxRows() + 1, null, "batch has " + rows + " rows, more than the limit of "
                        + limits.maxRows() + "; split it")));
    }

    /** A builder that validates rows as they are added, straight into columns. */
    public static Builder builder(ArchiveDefinition archive, BatchLimits limits) {
        return new Builder(archive, limits, 1024);
    }

    /**
     * Builds a {@link SampleBatch} row by row, with the checks, coercions, error texts and row numbers of
     * {@link #validate}: start a row with {@link #row()} (or {@link #row(String, long)}), give its rtId,
     * timestamp and values in any order (a value given twice keeps the last), then {@link #build()}. Errors are
     * collected per row and reported in the order {@code validate} reports them (rtId, timestamp, unknown columns
     * by name, then the archive's columns in order); past ten errors, further rows are only counted. Not
     * thread-safe.
     */
    public static final class Builder {
        private final ArchiveDefinition archive;
        private final BatchLimits limits;
        private final Column[] cols;
        private final Map<String, Integer> index;
        private final long minMicros;
        private final long maxMicros;
        private final List<BatchRejectedException.RowError> errors = new ArrayList<>();
        private String[] rtIds;
        private long[] micros;
        private Object[][] values;
        private int n;
        // the current row (index n - 1)
        private boolean open;
        private boolean skip;
        private boolean isNull;
        private String rtId;
        private boolean hasTs;
        private String tsError;
        private final String[] colErrors;
        private List<String> unknown;

        private Builder(ArchiveDefinition archive, BatchLimits limits, int capacity) {
            this.archive = archive;
            this.limits = limits;
            this.cols = archive.columns().toArray(new Column[0]);
            this.index = new HashMap<>();
            for (int c = 0; c < cols.length; c++) {
                index.put(cols[c].name(), c);
            }
            this.minMicros = ceilMicros(limits.minTimestamp());
            this.maxMicros = ceilMicros(limits.maxTimestamp());
            int cap = Math.max(16, capacity);
            rtIds = new String[cap];
            micros = new long[cap];
            values = new Object[cols.length][cap];
            colErrors = new String[cols.length];
        }

        public ArchiveDefinition archive() {
            return archive;
        }

        /** The index of column {@code name} in {@link ArchiveDefinition#columns()}, or -1 if it has none. */
        public int columnIndex(String name) {
            Integer c = index.get(name);
            return c == null ? -1 : c;
        }

        /** Rows started so far. */
        public int rows() {
            return n;
        }

        /** Starts the next row, with no rtId, timestamp or values yet. */
        public Builder row() {
            finishRow();
            if (n == rtIds.length) {
                int cap = n * 2;
                rtIds = java.util.Arrays.copyOf(rtIds, cap);
                micros = java.util.Arrays.copyOf(micros, cap);
                for (int c = 0; c < values.length; c++) {
                    values[c] = java.util.Arrays.copyOf(values[c], cap);
                }
            }
            n++;
            open = true;
            skip = errors.size() >= MAX_REPORTED_ERRORS;
            isNull = false;
            rtId = null;
            hasTs = false;
            tsError = null;
            java.util.Arrays.fill(colErrors, null);
            unknown = null;
            return this;
        }

        /** Starts the next row with its rtId and timestamp (epoch microseconds). */
        public Builder row(String rtId, long micros) {
            return row().rtId(rtId).micros(micros);
        }

        /** True when the current row will not be looked at because ten errors are already known. */
        public boolean skipping() {
            return skip;
        }

        public Builder rtId(String rtId) {
            this.rtId = rtId;
            return this;
        }

        /** The timestamp in epoch microseconds. */
        public Builder micros(long t) {
            hasTs = true;
            if (t < minMicros || t >= maxMicros) {
                tsError = rangeError(Micros.fromMicros(t));
            } else {
                tsError = null;
                micros[n - 1] = t;
            }
            return this;
        }

        /** The timestamp; null counts as missing. */
        public Builder timestamp(Instant t) {
            if (t == null) {
                hasTs = false;
                tsError = null;
            } else if (t.isBefore(limits.minTimestamp()) || !t.isBefore(limits.maxTimestamp())) {
                hasTs = true;
                tsError = rangeError(t);
            } else {
                hasTs = true;
                tsError = null;
                micros[n - 1] = Micros.toMicros(t);
            }
            return this;
        }

        private String rangeError(Instant t) {
            return "timestamp " + t + " is outside the accepted range [" + limits.minTimestamp() + ", "
                    + limits.maxTimestamp() + ")";
        }

        /** The value of column {@code c} (from {@link #columnIndex}) in the current row; null is allowed. */
        public Builder set(int c, Object v) {
            if (!skip) {
                colErrors[c] = coerce(cols[c], v, values, c, n - 1, limits);
                if (colErrors[c] != null) {
                    values[c][n - 1] = null;
                }
            }
            return this;
        }

        /** {@link #set} for a double, without boxing it twice. */
        public Builder setDouble(int c, double d) {
            if (skip) {
                return this;
            }
            if (cols[c].type() != ColumnType.DOUBLE) {
                return set(c, d);
            }
            if (Double.isFinite(d)) {
                colErrors[c] = null;
                values[c][n - 1] = d;
            } else {
                colErrors[c] = nonFinite(d);
                values[c][n - 1] = null;
            }
            return this;
        }

        /** A value for a column the archive does not have, in the current row. */
        public Builder unknown(String name) {
            if (!skip) {
                unknown = unknown != null ? unknown : new ArrayList<>();
                if (!unknown.contains(name)) {
                    unknown.add(name);
                }
            }
            return this;
        }

        /** A row that is missing as a whole ({@code validate}'s null sample). */
        void nullRow() {
            row();
            isNull = true;
        }

        private void finishRow() {
            if (!open) {
                return;
            }
            open = false;
            if (skip) {
                return;
            }
            int row = n;
            if (isNull) {
                errors.add(new BatchRejectedException.RowError(row, null, "sample is null"));
                return;
            }
            if (rtId == null || rtId.isEmpty()) {
                errors.add(new BatchRejectedException.RowError(row, "rtId", "rtId is missing or empty"));
            } else if (rtId.length() > limits.maxRtIdLength()) {
                errors.add(new BatchRejectedException.RowError(row, "rtId", "rtId has " + rtId.length()
                        + " characters, more than " + limits.maxRtIdLength()));
            }
            if (!hasTs) {
                errors.add(new BatchRejectedException.RowError(row, "timestamp", "timestamp is missing"));
            } else if (tsError != null) {
                errors.add(new BatchRejectedException.RowError(row, "timestamp", tsError));
            }
            rtIds[row - 1] = rtId;
            if (unknown != null) {
                java.util.Collections.sort(unknown);
                for (String key : unknown) {
                    errors.add(new BatchRejectedException.RowError(row, key, "archive '" + archive.name()
                            + "' has no such column; its columns are "
                            + archive.columns().stream().map(Column::name).toList()));
                }
            }
            for (int c = 0; c < cols.length; c++) {
                if (colErrors[c] != null) {
                    errors.add(new BatchRejectedException.RowError(row, cols[c].name(), colErrors[c]));
                }
            }
        }

        /**
         * The validated batch; a key repeated in it keeps its last occurrence.
         *
         * @throws BatchRejectedException naming up to ten bad rows, exactly as {@link #validate} would
         */
        public SampleBatch build() {
            finishRow();
            if (n > limits.maxRows()) {
                throw tooManyRows(archive, n, limits);
            }
            if (!errors.isEmpty()) {
                // A row can add several errors, so the per-row check alone can overshoot the limit.
                throw new BatchRejectedException(archive.name(),
                        new ArrayList<>(errors.subList(0, Math.min(errors.size(), MAX_REPORTED_ERRORS))));
            }
            Object[][] vals = new Object[values.length][];
            for (int c = 0; c < vals.length; c++) {
                vals[c] = values[c].length == n ? values[c] : java.util.Arrays.copyOf(values[c], n);
            }
            return dedupe(new SampleBatch(archive, rtIds.length == n ? rtIds : java.util.Arrays.copyOf(rtIds, n),
                    micros.length == n ? micros : java.util.Arrays.copyOf(micros, n), vals));
        }

        /** The smallest whole microsecond at or after {@code t}, saturated to the long range. */
        private static long ceilMicros(Instant t) {
            try {
                long m = Micros.toMicros(t);
                return t.getNano() % 1000 != 0 ? Math.addExact(m, 1) : m;
            } catch (ArithmeticException e) {
                return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
        }
    }

    /** Stores the coerced value; returns why it was refused, or null. */
    private static String coerce(Column col, Object v, Object[][] values, int c, int r, BatchLimits limits) {
        if (v == null) {
            values[c][r] = null;
            return null;
        }
        switch (col.type()) {
            case DOUBLE -> {
                if (!(v instanceof Number num)) {
                    return mismatch(col, v);
                }
                double d = num.doubleValue();
                if (!Double.isFinite(d)) {
                    return nonFinite(d);
                }
                values[c][r] = d;
            }
            case BIGINT -> {
                Long l = asLong(v);
                if (l == null) {
                    return mismatch(col, v);
                }
                values[c][r] = l;
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean)) {
                    return mismatch(col, v);
                }
                values[c][r] = v;
            }
            case VARCHAR -> {
                if (!(v instanceof String str)) {
                    return mismatch(col, v);
                }
                if (str.length() > limits.maxStringLength()) {
                    return "text has " + str.length() + " characters, more than " + limits.maxStringLength();
                }
                values[c][r] = str;
            }
            default -> {
                return mismatch(col, v);
            }
        }
        return null;
    }

    private static String nonFinite(double d) {
        return "value " + d + " is not a finite number (NaN and infinity are refused)";
    }

    private static Long asLong(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return d.longValue();
        }
        if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        return null;
    }

    private static String mismatch(Column col, Object v) {
        String shown = v instanceof String s ? "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"" : v.toString();
        return "expected " + col.type() + ", got " + v.getClass().getSimpleName() + " " + shown;
    }

    /** Keeps the last occurrence of each (timestamp, rtId), at the position of that last occurrence. */
    private static SampleBatch dedupe(SampleBatch b) {
        boolean[] superseded = findSuperseded(b.micros, b.rtIds);
        if (superseded == null) {
            return b;
        }
        int n = b.size();
        int m = 0;
        for (boolean sup : superseded) {
            m += sup ? 0 : 1;
        }
        String[] rt = new String[m];
        long[] mi = new long[m];
        Object[][] vals = new Object[b.values.length][m];
        int k = 0;
        for (int r = 0; r < n; r++) {
            if (superseded[r]) {
                continue;
            }
            rt[k] = b.rtIds[r];
            mi[k] = b.micros[r];
            for (int c = 0; c < vals.length; c++) {
                vals[c][k] = b.values[c][r];
            }
            k++;
        }
        return new SampleBatch(b.archive, rt, mi, vals);
    }

    /**
     * Marks every row whose key occurs again later in the batch; null when all keys are distinct. In a batch in time
     * order (the usual one: a gateway sends its samples as they come) a repeated key lies within one run of equal
     * timestamps, so each run is checked on its own in a table that fits in cache; any other batch goes through
     * one table for all its rows.
     */
    private static boolean[] findSuperseded(long[] micros, String[] rtIds) {
        int n = micros.length;
        for (int r = 1; r < n; r++) {
            if (micros[r] < micros[r - 1]) {
                return findSupersededAnyOrder(micros, rtIds);
            }
        }
        boolean[] superseded = null;
        int[] slots = new int[16];
        for (int from = 0, to; from < n; from = to) {
            to = from + 1;
            while (to < n && micros[to] == micros[from]) {
                to++;
            }
            if (to - from == 1) {
                continue;
            }
            int cap = Integer.highestOneBit((to - from) * 2 - 1) << 1;
            if (slots.length < cap) {
                slots = new int[cap];
            } else {
                java.util.Arrays.fill(slots, 0, cap, 0);
            }
            int mask = cap - 1;
            for (int r = from; r < to; r++) {
                int h = mix(rtIds[r].hashCode()) & mask;
                while (true) {
                    int at = slots[h] - 1;
                    if (at < 0) {
                        slots[h] = r + 1;
                        break;
                    }
                    if (rtIds[at].equals(rtIds[r])) {
                        superseded = superseded != null ? superseded : new boolean[n];
                        superseded[at] = true;
                        slots[h] = r + 1;
                        break;
                    }
                    h = (h + 1) & mask;
                }
            }
        }
        return superseded;
    }

    /**
     * {@link #findSuperseded} for a batch in no particular order. An open-addressing table of row numbers: this runs
     * on every such ingest batch, so it allocates two arrays, not a map entry per row.
     */
    private static boolean[] findSupersededAnyOrder(long[] micros, String[] rtIds) {
        int n = micros.length;
        int mask = Integer.highestOneBit(Math.max(2, n) * 2) * 2 - 1;
        int[] slots = new int[mask + 1];
        boolean[] superseded = null;
        for (int r = 0; r < n; r++) {
            int h = mix(micros[r] * 31 + rtIds[r].hashCode()) & mask;
            while (true) {
                int at = slots[h] - 1;
                if (at < 0) {
                    slots[h] = r + 1;
                    break;
                }
                if (micros[at] == micros[r] && rtIds[at].equals(rtIds[r])) {
                    superseded = superseded != null ? superseded : new boolean[n];
                    superseded[at] = true;
                    slots[h] = r + 1;
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        return superseded;
    }

    private static int mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return (int) x;
    }
}
