package io.tidemark.store;

import io.tidemark.core.SampleBatch;
import java.time.Instant;
import java.util.Objects;

/**
 * One {@code BATCH} record of the ingest log as the writer hands it to the store: a batch validated by the node that
 * accepted it, against the archive's definition {@code archiveVersion} ({@link ArchiveInfo#version()}), at
 * {@code acceptedAt} (the node's clock when it validated the batch; maxLateness is evaluated against it).
 *
 * @param offset the record's offset in its partition
 */
public record LogBatch(long offset, SampleBatch batch, long archiveVersion, Instant acceptedAt) {
    public LogBatch {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
    }

    /** The archive the batch is for. */
    public String archive() {
        return batch.archive().name();
    }
}
