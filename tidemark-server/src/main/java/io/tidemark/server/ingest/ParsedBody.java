package io.tidemark.server.ingest;

import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import java.util.List;

/**
 * What was read from a body — either {@link Sample}s or a {@link SampleBatch.Builder} holding the rows in columns,
 * not yet validated — and for each row the line it started on, so validation errors can name lines too.
 */
public record ParsedBody(List<Sample> samples, SampleBatch.Builder batch, int[] lines) {
    public ParsedBody(List<Sample> samples, int[] lines) {
        this(samples, null, lines);
    }

    public ParsedBody(SampleBatch.Builder batch, int[] lines) {
        this(null, batch, lines);
    }

    /** How many samples the body held. */
    public int received() {
        return samples != null ? samples.size() : batch.rows();
    }

    /** The line sample {@code row} (1-based) started on; 0 when unknown. */
    public int lineOf(int row) {
        return row >= 1 && row <= lines.length ? lines[row - 1] : 0;
    }
}
