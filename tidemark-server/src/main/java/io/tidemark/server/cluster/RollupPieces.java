package io.tidemark.server.cluster;

import io.tidemark.cluster.LogCodec;
import io.tidemark.cluster.LogRecord;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a committed rollup range's rows into {@code ROLLUP} records whose encoded values stay within
 * {@code cluster.max-record-bytes}. Each piece is an independent upsert of its rows, so a follower applies each as
 * it comes; the split halves a run of rows until its encoding fits. Stateless.
 */
final class RollupPieces {
    /** Room left for the piece index and count, encoded with placeholders while splitting (two varints). */
    private static final int INDEX_BYTES = 16;
    private static final BatchLimits UNLIMITED = new BatchLimits(Integer.MAX_VALUE,
            BatchLimits.DEFAULT.maxRtIdLength(), BatchLimits.DEFAULT.minTimestamp(), BatchLimits.DEFAULT.maxTimestamp(),
            Integer.MAX_VALUE);

    private RollupPieces() {}

    /**
     * The records of {@code rows} (at least one row; reader values of the rollup archive {@code view}), in row order.
     *
     * @throws TidemarkException {@code TOO_LARGE} when one row alone encodes over {@code maxBytes}
     */
    static List<LogRecord.Rollup> split(ArchiveDefinition view, long version, Instant from, Instant to,
            List<Sample> rows, int maxBytes) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a ROLLUP record needs rows");
        }
        long fromMicros = Micros.toMicros(from);
        long toMicros = Micros.toMicros(to);
        List<SampleBatch> chunks = new ArrayList<>();
        chunk(view, version, fromMicros, toMicros, rows, maxBytes - INDEX_BYTES, chunks);
        List<LogRecord.Rollup> out = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            out.add(new LogRecord.Rollup(version, fromMicros, toMicros, i, chunks.size(), chunks.get(i)));
        }
        return out;
    }

    private static void chunk(ArchiveDefinition view, long version, long from, long to, List<Sample> rows, int limit,
            List<SampleBatch> out) {
        SampleBatch batch = SampleBatch.validate(view, rows, UNLIMITED);
        int size = LogCodec.encode(new LogRecord.Rollup(version, from, to, 0, 1, batch)).value().length;
        if (size <= limit) {
            out.add(batch);
            return;
        }
        if (rows.size() == 1) {
            throw new TidemarkException(ErrorCode.TOO_LARGE, "rollup archive '" + view.name() + "': one row of "
                    + rows.get(0).rtId() + " at " + rows.get(0).timestamp() + " encodes to " + size + " bytes, over "
                    + "the log's limit (cluster.max-record-bytes, less " + INDEX_BYTES + " bytes): raise the limit");
        }
        int half = rows.size() / 2;
        chunk(view, version, from, to, rows.subList(0, half), limit, out);
        chunk(view, version, from, to, rows.subList(half, rows.size()), limit, out);
    }
}
