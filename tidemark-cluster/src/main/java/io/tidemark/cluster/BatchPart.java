package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.SampleBatch;
import java.util.Objects;

/**
 * One archive's rows in a {@code BATCH} record: the archive's name, its definition version (the store's
 * {@code archives.seq}, which changes when an archive is deleted and created again) and the validated rows. The
 * record carries no column names: a reader resolves the definition by (archive, version) from the store and hands it
 * to {@link #rows(ArchiveDefinition)}. Immutable and thread-safe.
 */
public final class BatchPart {
    private final String archive;
    private final long version;
    private final int rowCount;
    private final SampleBatch rows;
    private final byte[] encoded;
    private final int from;
    private final int to;
    private final String origin;

    private BatchPart(String archive, long version, int rowCount, SampleBatch rows, byte[] encoded, int from, int to,
            String origin) {
        this.archive = archive;
        this.version = version;
        this.rowCount = rowCount;
        this.rows = rows;
        this.encoded = encoded;
        this.from = from;
        this.to = to;
        this.origin = origin;
    }

    /**
     * A part to append: the rows of {@code rows.archive()} validated against its definition version {@code version}.
     *
     * @throws IllegalArgumentException for an empty batch (a part holds at least one row)
     */
    public static BatchPart of(long version, SampleBatch rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.size() == 0) {
            throw new IllegalArgumentException("archive '" + rows.archive().name()
                    + "': a BATCH part needs at least one row");
        }
        return new BatchPart(rows.archive().name(), version, rows.size(), rows, null, 0, 0, null);
    }

    /** A decoded part: its rows stay encoded until {@link #rows} is given the definition. */
    static BatchPart decoded(String archive, long version, int rowCount, byte[] encoded, int from, int to,
            String origin) {
        return new BatchPart(archive, version, rowCount, null, encoded, from, to, origin);
    }

    public String archive() {
        return archive;
    }

    /** The archive's definition version the rows were validated against. */
    public long version() {
        return version;
    }

    public int rowCount() {
        return rowCount;
    }

    /**
     * The rows as a batch of {@code definition}, which the caller resolved by ({@link #archive()},
     * {@link #version()}). Decodes on every call for a decoded part.
     *
     * @throws LogFormatException when the definition is of another archive or its columns' count or types differ
     *     from the encoded ones, or the rows do not decode; the message names the record's topic, partition and
     *     offset
     */
    public SampleBatch rows(ArchiveDefinition definition) {
        Objects.requireNonNull(definition, "definition");
        if (!definition.name().equals(archive)) {
            throw new LogFormatException(where(), "a part of archive '" + archive + "' cannot be read as archive '"
                    + definition.name() + "'");
        }
        if (rows != null) {
            if (!rows.archive().equals(definition)) {
                throw new LogFormatException(where(), "archive '" + archive + "': the part was built for "
                        + rows.archive().columns() + ", not " + definition.columns());
            }
            return rows;
        }
        try {
            return Rows.decode(definition, new Wire.In(encoded, from, to), true);
        } catch (IllegalArgumentException e) {
            throw new LogFormatException(origin, "archive '" + archive + "' version " + version + ": "
                    + e.getMessage(), e);
        }
    }

    /** The rows as built, for encoding; null for a decoded part. */
    SampleBatch built() {
        return rows;
    }

    private String where() {
        return origin != null ? origin : "(not yet appended)";
    }

    @Override
    public String toString() {
        return "BatchPart[" + archive + " v" + version + ", " + rowCount + " rows]";
    }
}
