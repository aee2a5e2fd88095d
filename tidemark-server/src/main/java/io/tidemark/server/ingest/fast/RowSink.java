package io.tidemark.server.ingest.fast;

/**
 * Where a fast path hands the rows of a body it read: the calls the reference reader makes for the same text, in the
 * same order (a row, its rtId and timestamp if given, then its values). Implemented by the reference readers' sink.
 */
public interface RowSink {
    /** Starts the next row. */
    void row();

    void rtId(String rtId);

    /** A timestamp in epoch microseconds. */
    void micros(long micros);

    /**
     * A value of the archive's column {@code col} named {@code name}: a {@code Long}, {@code String},
     * {@code Boolean} or null.
     */
    void value(String name, int col, Object v);

    /** A {@code DOUBLE} value, without boxing. */
    void doubleValue(String name, int col, double d);
}
