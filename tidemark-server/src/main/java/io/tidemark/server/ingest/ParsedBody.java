package io.tidemark.server.ingest;

import io.tidemark.core.Sample;
import java.util.List;

/**
 * Samples read from a body, and for each the line it started on, so validation errors can name lines too.
 */
public record ParsedBody(List<Sample> samples, int[] lines) {
    /** The line sample {@code row} (1-based) started on; 0 when unknown. */
    public int lineOf(int row) {
        return row >= 1 && row <= lines.length ? lines[row - 1] : 0;
    }
}
