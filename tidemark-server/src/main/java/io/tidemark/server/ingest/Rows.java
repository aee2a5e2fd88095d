package io.tidemark.server.ingest;

import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Micros;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.server.ingest.fast.RowSink;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a reader puts the rows it parses: straight into a {@link SampleBatch.Builder} (the ingest path), or into
 * {@link Sample}s (for callers that want them). One parser feeds both, and the fast paths hand their rows here
 * as a {@link RowSink}.
 */
abstract class Rows implements RowSink {
    /** A column not resolved by the reader: the sink looks the name up. */
    static final int UNRESOLVED = -2;

    @Override
    public abstract void row();

    @Override
    public abstract void rtId(String rtId);

    /** A timestamp already at microsecond precision, in epoch microseconds. */
    @Override
    public abstract void micros(long micros);

    abstract void timestamp(Instant t);

    /** A value; {@code col} is the archive's column index, or {@link #UNRESOLVED}. */
    @Override
    public abstract void value(String name, int col, Object v);

    @Override
    public void doubleValue(String name, int col, double d) {
        value(name, col, d);
    }

    /**
     * Errors the sink found in the values so far (wrong types, unknown columns …), for a reader that stops with
     * errors of its own and must still report every bad row it read; row numbers count from 1.
     */
    List<BatchRejectedException.RowError> valueErrors() {
        return List.of();
    }

    /** Whole epoch milliseconds. */
    final void millis(long ms) {
        if (ms > Long.MAX_VALUE / 1000 || ms < Long.MIN_VALUE / 1000) {
            timestamp(Instant.ofEpochMilli(ms));
        } else {
            micros(ms * 1000);
        }
    }

    static final class ToBatch extends Rows {
        final SampleBatch.Builder b;

        ToBatch(SampleBatch.Builder b) {
            this.b = b;
        }

        @Override
        public void row() {
            b.row();
        }

        @Override
        public void rtId(String rtId) {
            b.rtId(rtId);
        }

        @Override
        public void micros(long micros) {
            b.micros(micros);
        }

        @Override
        void timestamp(Instant t) {
            b.timestamp(t);
        }

        @Override
        public void value(String name, int col, Object v) {
            int c = col == UNRESOLVED ? b.columnIndex(name) : col;
            if (c < 0) {
                b.unknown(name);
            } else {
                b.set(c, v);
            }
        }

        @Override
        public void doubleValue(String name, int col, double d) {
            int c = col == UNRESOLVED ? b.columnIndex(name) : col;
            if (c < 0) {
                b.unknown(name);
            } else {
                b.setDouble(c, d);
            }
        }

        @Override
        List<BatchRejectedException.RowError> valueErrors() {
            try {
                b.build();
                return List.of();
            } catch (BatchRejectedException e) {
                return e.errors();
            } catch (io.tidemark.core.TidemarkException e) {
                return List.of(); // too many rows: the reader reports that itself
            }
        }
    }

    static final class ToSamples extends Rows {
        final List<Sample> samples = new ArrayList<>();
        private String rtId;
        private Instant ts;
        private Map<String, Object> values;

        @Override
        public void row() {
            flush();
            rtId = null;
            ts = null;
            values = new HashMap<>(8);
        }

        @Override
        public void rtId(String rtId) {
            this.rtId = rtId;
        }

        @Override
        public void micros(long micros) {
            ts = Micros.fromMicros(micros);
        }

        @Override
        void timestamp(Instant t) {
            ts = t;
        }

        @Override
        public void value(String name, int col, Object v) {
            values.put(name, v);
        }

        List<Sample> done() {
            flush();
            return samples;
        }

        private void flush() {
            if (values != null) {
                samples.add(new Sample(rtId, ts, values));
                values = null;
            }
        }
    }
}
