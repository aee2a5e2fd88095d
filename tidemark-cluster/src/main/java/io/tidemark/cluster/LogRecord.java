package io.tidemark.cluster;

import io.tidemark.core.SampleBatch;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A record of the ingest log, as {@code docs/scale-out.md} ("Records") defines it; {@link LogCodec} encodes and
 * decodes them. Immutable.
 */
public sealed interface LogRecord permits LogRecord.Batch, LogRecord.Cut, LogRecord.Rollup, LogRecord.Archive {

    /** The value of the {@code tm-type} header. */
    Type type();

    /** The record types; their names are the {@code tm-type} header's values and never change. */
    enum Type { BATCH, CUT, ROLLUP, ARCHIVE }

    /**
     * What one ingest request validated into.
     *
     * @param nodeId the ingesting node's id
     * @param acceptedAt the ingesting node's clock when it validated the batch (maxLateness is measured from it)
     * @param parts one or more, each of one archive
     */
    record Batch(String nodeId, Instant acceptedAt, List<BatchPart> parts) implements LogRecord {
        public Batch {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(acceptedAt, "acceptedAt");
            parts = List.copyOf(parts);
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a BATCH record needs at least one part");
            }
        }

        @Override
        public Type type() {
            return Type.BATCH;
        }
    }

    /**
     * A partition-wide cut, appended by the partition's writer.
     *
     * @param cutAt the appender's clock: the tenants' log time at this cut
     * @param upTo the writer has committed or rejected every record of the partition below this offset
     * @param rejected offsets below {@code upTo}, ascending, of records the store refused since the previous cut
     * @param settingsHash a hash of the appender's live settings that shape results
     */
    record Cut(Instant cutAt, long upTo, List<Long> rejected, long settingsHash) implements LogRecord {
        public Cut {
            Objects.requireNonNull(cutAt, "cutAt");
            rejected = List.copyOf(rejected);
            for (int i = 1; i < rejected.size(); i++) {
                if (rejected.get(i) <= rejected.get(i - 1)) {
                    throw new IllegalArgumentException("rejected offsets must ascend: " + rejected);
                }
            }
        }

        @Override
        public Type type() {
            return Type.CUT;
        }
    }

    /**
     * Committed rows of a rollup archive as readers see them ({@code RollupPlan.readValues}), one piece of a
     * committed bucket range; a range too large for one record is split over {@code pieces} records.
     *
     * @param version the rollup archive's definition version
     * @param fromMicros the committed range's start (inclusive)
     * @param toMicros the committed range's end (exclusive)
     * @param piece this record's index among {@code pieces}, from 0
     * @param rows the rows; {@code rows.archive()} names the rollup archive and holds the readers' columns (not the
     *     stored partials)
     */
    record Rollup(long version, long fromMicros, long toMicros, int piece, int pieces, SampleBatch rows)
            implements LogRecord {
        public Rollup {
            Objects.requireNonNull(rows, "rows");
            if (pieces < 1 || piece < 0 || piece >= pieces) {
                throw new IllegalArgumentException("piece " + piece + " of " + pieces);
            }
        }

        @Override
        public Type type() {
            return Type.ROLLUP;
        }
    }

    /** A lifecycle change of an archive, appended after its store transaction committed. */
    record Archive(String archive, long version, Change change) implements LogRecord {
        /** What happened to the archive. */
        public enum Change { CREATED, ACTIVATED, DISABLED, DELETED }

        public Archive {
            Objects.requireNonNull(archive, "archive");
            Objects.requireNonNull(change, "change");
        }

        @Override
        public Type type() {
            return Type.ARCHIVE;
        }
    }
}
