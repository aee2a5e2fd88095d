package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The columnar encoding of a batch's rows:
 *
 * <pre>
 * rows      := n:uvar  dict:uvar  rtId:string{dict}  index:uvar{n}  t0:svar  delta:svar{n-1}  k:uvar  column{k}
 * column    := type:u8  nulls:u8 (0 none, 1 all, 2 bitmap)  [bitmap: ceil(n/8) bytes, bit set = null]  values
 * values    := DOUBLE fixed64 raw bits | BIGINT, TIMESTAMP svar | BOOLEAN ceil(m/8) bytes | VARCHAR string,
 *              for the m non-null rows
 * </pre>
 *
 * Timestamp deltas wrap around the {@code long} range, so every timestamp comes back exact. The type bytes let a
 * decoder check the definition it was given against what was encoded.
 */
final class Rows {
    private static final int NO_NULLS = 0;
    private static final int ALL_NULL = 1;
    private static final int BITMAP = 2;

    private Rows() {}

    static void encode(SampleBatch b, Wire.Out out) {
        int n = b.size();
        out.uvar(n);
        Map<String, Integer> dict = new HashMap<>();
        int[] index = new int[n];
        String[] order = new String[n];
        for (int r = 0; r < n; r++) {
            String id = b.rtId(r);
            Integer at = dict.putIfAbsent(id, dict.size());
            if (at == null) {
                at = dict.size() - 1;
                order[at] = id;
            }
            index[r] = at;
        }
        out.uvar(dict.size());
        for (int i = 0; i < dict.size(); i++) {
            out.string(order[i]);
        }
        for (int r = 0; r < n; r++) {
            out.uvar(index[r]);
        }
        long prev = 0;
        for (int r = 0; r < n; r++) {
            long t = b.micros(r);
            out.svar(t - prev);
            prev = t;
        }
        List<Column> cols = b.archive().columns();
        out.uvar(cols.size());
        for (int c = 0; c < cols.size(); c++) {
            encodeColumn(b, c, cols.get(c).type(), out);
        }
    }

    private static void encodeColumn(SampleBatch b, int c, ColumnType type, Wire.Out out) {
        int n = b.size();
        out.u8(tag(type));
        int nulls = 0;
        for (int r = 0; r < n; r++) {
            nulls += b.value(r, c) == null ? 1 : 0;
        }
        if (nulls == n) {
            out.u8(ALL_NULL);
            return;
        }
        if (nulls == 0) {
            out.u8(NO_NULLS);
        } else {
            out.u8(BITMAP);
            writeBits(out, n, r -> b.value(r, c) == null);
        }
        switch (type) {
            case DOUBLE -> forEachValue(b, c, v -> out.fixed64(Double.doubleToRawLongBits((Double) v)));
            case BIGINT, TIMESTAMP -> forEachValue(b, c, v -> out.svar((Long) v));
            case VARCHAR -> forEachValue(b, c, v -> out.string((String) v));
            case BOOLEAN -> {
                boolean[] bits = new boolean[n - nulls];
                int[] m = {0};
                forEachValue(b, c, v -> bits[m[0]++] = (Boolean) v);
                writeBits(out, bits.length, i -> bits[i]);
            }
        }
    }

    private static void forEachValue(SampleBatch b, int c, java.util.function.Consumer<Object> f) {
        for (int r = 0; r < b.size(); r++) {
            Object v = b.value(r, c);
            if (v != null) {
                f.accept(v);
            }
        }
    }

    private static void writeBits(Wire.Out out, int n, java.util.function.IntPredicate bit) {
        for (int from = 0; from < n; from += 8) {
            int byteValue = 0;
            for (int i = 0; i < 8 && from + i < n; i++) {
                byteValue |= bit.test(from + i) ? 1 << i : 0;
            }
            out.u8(byteValue);
        }
    }

    private static boolean[] readBits(Wire.In in, int n) {
        boolean[] bits = new boolean[n];
        for (int from = 0; from < n; from += 8) {
            int byteValue = in.u8();
            for (int i = 0; i < 8 && from + i < n; i++) {
                bits[from + i] = (byteValue & (1 << i)) != 0;
            }
        }
        return bits;
    }

    /**
     * The rows as a batch of {@code def}; the whole input must be consumed.
     *
     * @throws IllegalArgumentException when the input does not decode, or its columns do not match {@code def}
     */
    static SampleBatch decode(ArchiveDefinition def, Wire.In in, boolean requireRows) {
        int n = in.count(in.remaining(), "row count");
        if (requireRows && n == 0) {
            throw new IllegalArgumentException("a part holds no rows");
        }
        int d = in.count(Math.min(n, in.remaining()), "rtId dictionary size");
        String[] dict = new String[d];
        for (int i = 0; i < d; i++) {
            dict[i] = in.string();
        }
        String[] rtIds = new String[n];
        for (int r = 0; r < n; r++) {
            rtIds[r] = dict[in.count(d - 1, "rtId index")];
        }
        long[] micros = new long[n];
        long prev = 0;
        for (int r = 0; r < n; r++) {
            prev += in.svar();
            micros[r] = prev;
        }
        List<Column> cols = def.columns();
        int k = in.count(in.remaining(), "column count");
        if (k != cols.size()) {
            throw new IllegalArgumentException("encoded with " + k + " columns, the definition has " + cols.size()
                    + " " + cols);
        }
        Object[][] values = new Object[k][];
        for (int c = 0; c < k; c++) {
            values[c] = decodeColumn(cols.get(c), n, in);
        }
        if (!in.atEnd()) {
            throw new IllegalArgumentException(in.remaining() + " bytes left after the rows");
        }
        return SampleBatch.fromColumns(def, rtIds, micros, values);
    }

    private static Object[] decodeColumn(Column col, int n, Wire.In in) {
        int tag = in.u8();
        if (tag != tag(col.type())) {
            throw new IllegalArgumentException("column '" + col.name() + "' was encoded as type tag " + tag
                    + ", the definition says " + col.type());
        }
        int nulls = in.u8();
        Object[] out = new Object[n];
        if (nulls == ALL_NULL) {
            return out;
        }
        if (nulls != NO_NULLS && nulls != BITMAP) {
            throw new IllegalArgumentException("column '" + col.name() + "': unknown null marker " + nulls);
        }
        boolean[] isNull = nulls == BITMAP ? readBits(in, n) : new boolean[n];
        int m = 0;
        for (boolean b : isNull) {
            m += b ? 0 : 1;
        }
        boolean[] bools = col.type() == ColumnType.BOOLEAN ? readBits(in, m) : null;
        for (int r = 0, v = 0; r < n; r++) {
            if (isNull[r]) {
                continue;
            }
            out[r] = switch (col.type()) {
                case DOUBLE -> Double.longBitsToDouble(in.fixed64());
                case BIGINT, TIMESTAMP -> in.svar();
                case VARCHAR -> in.string();
                case BOOLEAN -> bools[v++];
            };
        }
        return out;
    }

    static int tag(ColumnType t) {
        return switch (t) {
            case DOUBLE -> 1;
            case BIGINT -> 2;
            case BOOLEAN -> 3;
            case VARCHAR -> 4;
            case TIMESTAMP -> 5;
        };
    }

    static ColumnType type(int tag) {
        for (ColumnType t : ColumnType.values()) {
            if (tag(t) == tag) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown column type tag " + tag);
    }
}
