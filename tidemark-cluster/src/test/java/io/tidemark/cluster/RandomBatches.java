package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random batches for the codec's oracle tests: every column type, nulls (none, some, all), NaN, infinities, -0.0,
 * extreme longs and timestamps (the whole {@code long} range), unicode rtIds and texts (supplementary characters,
 * combining marks, the empty text), repeated rtIds. Built with {@link SampleBatch#fromColumns}, so values the ingest
 * validation refuses (NaN) still travel: the codec must carry whatever a batch holds.
 */
final class RandomBatches {
    private static final long[] EXTREME_LONGS = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, Long.MAX_VALUE - 1,
        Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE};
    private static final double[] ODD_DOUBLES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
        0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL};
    private static final String[] TEXTS = {"", "a", "ä", "日本語", "😀", "e\u0301", "\u0000", "tab\tnew\nline",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\"quoted\"", "back\\slash"};

    private final Random rnd;

    RandomBatches(long seed) {
        this.rnd = new Random(seed);
    }

    ArchiveDefinition definition(String name, boolean withTimestampColumns) {
        int k = 1 + rnd.nextInt(6);
        List<Column> cols = new ArrayList<>();
        ColumnType[] types = withTimestampColumns ? ColumnType.values()
                : new ColumnType[] {ColumnType.DOUBLE, ColumnType.BIGINT, ColumnType.BOOLEAN, ColumnType.VARCHAR};
        for (int c = 0; c < k; c++) {
            cols.add(new Column("c" + c, types[rnd.nextInt(types.length)]));
        }
        return new ArchiveDefinition(name, cols, null);
    }

    /** A batch of {@code def} with {@code minRows} to about 300 rows and distinct keys. */
    SampleBatch batch(ArchiveDefinition def, int minRows) {
        int n = minRows + rnd.nextInt(rnd.nextBoolean() ? 4 : 300);
        String[] pool = new String[1 + rnd.nextInt(Math.max(1, n))];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = rtId();
        }
        Set<String> keys = new HashSet<>();
        String[] rtIds = new String[n];
        long[] micros = new long[n];
        long t = timestamp();
        for (int r = 0; r < n; r++) {
            do {
                rtIds[r] = pool[rnd.nextInt(pool.length)];
                t = rnd.nextInt(4) == 0 ? timestamp() : t + rnd.nextInt(3) * (long) rnd.nextInt(1_000_000);
            } while (!keys.add(t + "/" + rtIds[r]));
            micros[r] = t;
        }
        List<Column> cols = def.columns();
        Object[][] values = new Object[cols.size()][n];
        for (int c = 0; c < cols.size(); c++) {
            int nullMode = rnd.nextInt(4); // 0 none, 1 all, 2-3 some
            for (int r = 0; r < n; r++) {
                boolean isNull = nullMode == 1 || (nullMode >= 2 && rnd.nextInt(3) == 0);
                values[c][r] = isNull ? null : value(cols.get(c).type());
            }
        }
        return SampleBatch.fromColumns(def, rtIds, micros, values);
    }

    private long timestamp() {
        return rnd.nextInt(3) == 0 ? EXTREME_LONGS[rnd.nextInt(EXTREME_LONGS.length)]
                : 1_700_000_000_000_000L + rnd.nextLong() % 100_000_000_000_000L;
    }

    private Object value(ColumnType type) {
        return switch (type) {
            case DOUBLE -> rnd.nextInt(4) == 0 ? ODD_DOUBLES[rnd.nextInt(ODD_DOUBLES.length)]
                    : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 10);
            case BIGINT, TIMESTAMP -> rnd.nextInt(4) == 0 ? EXTREME_LONGS[rnd.nextInt(EXTREME_LONGS.length)]
                    : rnd.nextLong() >> rnd.nextInt(64);
            case BOOLEAN -> rnd.nextBoolean();
            case VARCHAR -> text();
        };
    }

    String rtId() {
        String s = text();
        return s.isEmpty() ? "x" : s;
    }

    private String text() {
        if (rnd.nextBoolean()) {
            return TEXTS[rnd.nextInt(TEXTS.length)];
        }
        StringBuilder b = new StringBuilder();
        int len = rnd.nextInt(12);
        for (int i = 0; i < len; i++) {
            int cp = switch (rnd.nextInt(4)) {
                case 0 -> 0x20 + rnd.nextInt(0x5F);
                case 1 -> 0xA0 + rnd.nextInt(0xD7FF - 0xA0);
                case 2 -> 0xE000 + rnd.nextInt(0xFFFE - 0xE000);
                default -> 0x10000 + rnd.nextInt(0x10FFFF - 0x10000);
            };
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    long anyLong() {
        return rnd.nextInt(3) == 0 ? EXTREME_LONGS[rnd.nextInt(EXTREME_LONGS.length)] : rnd.nextLong();
    }

    Random random() {
        return rnd;
    }
}
