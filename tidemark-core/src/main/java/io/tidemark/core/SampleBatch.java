package io.tidemark.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated batch in columnar form, ready for a store's bulk path. Built only by {@link #validate}: every value
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

    /** The largest timestamp in the batch, in microseconds; {@code Long.MIN_VALUE} for an empty batch. */
    public long maxMicros() {
        long m = Long.MIN_VALUE;
        for (long t : micros) {
            m = Math.max(m, t);
        }
        return m;
    }

    public static long toMicros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    public static Instant fromMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /**
     * Validates the whole batch before anything is written.
     *
     * @throws BatchRejectedException naming up to ten bad rows (row, column, reason)
     */
    public static SampleBatch validate(ArchiveDefinition archive, List<Sample> samples, BatchLimits limits) {
        if (samples.size() > limits.maxRows()) {
            throw new BatchRejectedException(archive.name(), List.of(new BatchRejectedException.RowError(
                    limits.maxRows() + 1, null, "batch has " + samples.size() + " rows, more than the limit of "
                            + limits.maxRows() + "; split it")));
        }
        List<BatchRejectedException.RowError> errors = new ArrayList<>();
        List<Column> cols = archive.columns();
        Map<String, Integer> index = new HashMap<>();
        for (int c = 0; c < cols.size(); c++) {
            index.put(cols.get(c).name(), c);
        }
        int n = samples.size();
        String[] rtIds = new String[n];
        long[] micros = new long[n];
        Object[][] values = new Object[cols.size()][n];
        for (int r = 0; r < n && errors.size() < MAX_REPORTED_ERRORS; r++) {
            validateRow(archive, samples.get(r), r, limits, index, rtIds, micros, values, errors);
        }
        if (!errors.isEmpty()) {
            // A row can add several errors, so the loop's check alone can overshoot the limit.
            throw new BatchRejectedException(archive.name(),
                    errors.subList(0, Math.min(errors.size(), MAX_REPORTED_ERRORS)));
        }
        return dedupe(new SampleBatch(archive, rtIds, micros, values));
    }

    private static void validateRow(ArchiveDefinition archive, Sample s, int r, BatchLimits limits,
            Map<String, Integer> index, String[] rtIds, long[] micros, Object[][] values,
            List<BatchRejectedException.RowError> errors) {
        int row = r + 1;
        if (s == null) {
            errors.add(new BatchRejectedException.RowError(row, null, "sample is null"));
            return;
        }
        String rtId = s.rtId();
        if (rtId == null || rtId.isEmpty()) {
            errors.add(new BatchRejectedException.RowError(row, "rtId", "rtId is missing or empty"));
        } else if (rtId.length() > limits.maxRtIdLength()) {
            errors.add(new BatchRejectedException.RowError(row, "rtId", "rtId has " + rtId.length()
                    + " characters, more than " + limits.maxRtIdLength()));
        }
        Instant t = s.timestamp();
        if (t == null) {
            errors.add(new BatchRejectedException.RowError(row, "timestamp", "timestamp is missing"));
        } else if (t.isBefore(limits.minTimestamp()) || !t.isBefore(limits.maxTimestamp())) {
            errors.add(new BatchRejectedException.RowError(row, "timestamp", "timestamp " + t
                    + " is outside the accepted range [" + limits.minTimestamp() + ", " + limits.maxTimestamp() + ")"));
        } else {
            micros[r] = toMicros(t);
        }
        rtIds[r] = rtId;
        if (s.values() == null) {
            return;
        }
        // Unknown columns first (by name), then the archive's columns in their order: messages are stable.
        Map<String, Object> given = s.values();
        List<String> unknown = null;
        for (String key : given.keySet()) {
            if (!index.containsKey(key)) {
                unknown = unknown != null ? unknown : new ArrayList<>();
                unknown.add(key);
            }
        }
        if (unknown != null) {
            java.util.Collections.sort(unknown);
            for (String key : unknown) {
                errors.add(new BatchRejectedException.RowError(row, key, "archive '" + archive.name()
                        + "' has no such column; its columns are "
                        + archive.columns().stream().map(Column::name).toList()));
            }
        }
        for (int c = 0; c < archive.columns().size(); c++) {
            Column col = archive.columns().get(c);
            String reason = coerce(col, given.get(col.name()), values, c, r, limits);
            if (reason != null) {
                errors.add(new BatchRejectedException.RowError(row, col.name(), reason));
            }
        }
    }

    /** Stores the coerced value; returns why it was refused, or null. */
    private static String coerce(Column col, Object v, Object[][] values, int c, int r, BatchLimits limits) {
        if (v == null) {
            return null;
        }
        switch (col.type()) {
            case DOUBLE -> {
                if (!(v instanceof Number num)) {
                    return mismatch(col, v);
                }
                double d = num.doubleValue();
                if (!Double.isFinite(d)) {
                    return "value " + d + " is not a finite number (NaN and infinity are refused)";
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
     * Marks every row whose key occurs again later in the batch; null when all keys are distinct. An
     * open-addressing table of row numbers: this runs on every ingest batch, so it allocates two arrays, not a
     * map entry per row.
     */
    private static boolean[] findSuperseded(long[] micros, String[] rtIds) {
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
