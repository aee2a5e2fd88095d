package io.tidemark.server.ingest;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.server.ingest.fast.FastCsv;
import io.tidemark.server.ingest.fast.FastNdjson;
import java.io.InputStream;

/** The fast paths alone, offered a body as the readers offer it: read whole, and only when complete. */
final class FastPaths {
    private FastPaths() {}

    /** What {@link FastNdjson} gives for the body: the line of each row, or null when it gives up. */
    static int[] ndjson(ArchiveDefinition archive, InputStream in, int maxRows) {
        Body body = Body.read(in);
        return body.complete() ? FastNdjson.read(archive, body.bytes, body.length, maxRows, new Rows.ToSamples())
                : null;
    }

    /** What {@link FastCsv} gives for the body: the line of each row, or null when it gives up. */
    static int[] csv(ArchiveDefinition archive, InputStream in, int maxRows) {
        Body body = Body.read(in);
        return body.complete() ? FastCsv.read(archive, body.bytes, body.length, maxRows, new Rows.ToSamples(),
                names -> CsvReader.targets(archive, names)) : null;
    }
}
