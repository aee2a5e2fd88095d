package io.tidemark.live;

/** The key of a recent row, ordered by time then rtId; {@code rtId ""} sorts before every real rtId. */
record RowKey(long micros, String rtId) implements Comparable<RowKey> {
    static RowKey of(Object[] row) {
        return new RowKey((Long) row[1], (String) row[0]);
    }

    /** The smallest key at {@code micros}, for range bounds. */
    static RowKey floor(long micros) {
        return new RowKey(micros, "");
    }

    @Override
    public int compareTo(RowKey o) {
        int c = Long.compare(micros, o.micros);
        return c != 0 ? c : rtId.compareTo(o.rtId);
    }
}
