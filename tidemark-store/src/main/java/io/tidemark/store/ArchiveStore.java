package io.tidemark.store;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Archives and their samples. Every method is scoped to one tenant; another tenant's archive is reported as
 * {@code NOT_FOUND}, exactly like one that does not exist.
 */
public interface ArchiveStore {

    /** Creates a raw archive in state CREATED. {@code ALREADY_EXISTS} if the name is taken. */
    ArchiveInfo createArchive(TenantId tenant, ArchiveDefinition definition);

    /**
     * Validates the rollup against its source and the tenant's rollup graph (unknown source, cycle, columns,
     * functions, bucket alignment), then creates its archive and its runtime state, both CREATED.
     */
    RollupPlan createRollupArchive(TenantId tenant, RollupDefinition definition);

    /** CREATED or DISABLED → ACTIVATED; for a rollup archive, its rollup status too. */
    ArchiveInfo activateArchive(TenantId tenant, String archive);

    /** ACTIVATED → DISABLED; for a rollup archive, its rollup status too. */
    ArchiveInfo disableArchive(TenantId tenant, String archive);

    /** Drops the archive and its rows. {@code IN_USE} while a rollup reads it. */
    void deleteArchive(TenantId tenant, String archive);

    Optional<ArchiveInfo> archive(TenantId tenant, String archive);

    /** The archive, or {@code NOT_FOUND}. */
    ArchiveInfo requireArchive(TenantId tenant, String archive);

    List<ArchiveInfo> archives(TenantId tenant);

    /**
     * Validates and writes a batch atomically: either every sample is durable when this returns, or none is written
     * and a {@link io.tidemark.core.BatchRejectedException} names the first bad rows. A sample whose
     * {@code (timestamp, rtId)} exists replaces the stored one. Only ACTIVATED raw archives accept samples.
     *
     * <p><b>Late data.</b> A sample below the protected watermark of a rollup that reads this archive directly (the
     * greater of its watermark and the end of an aggregate committed but not yet published) makes the rollup's
     * bucket holding it stale, recorded as a {@link StaleRange} in the same transaction as the sample. A re-sent
     * sample equal to the stored one, column by column, changes nothing and marks nothing.
     *
     * @return the number of distinct samples written
     */
    int write(TenantId tenant, String archive, List<Sample> samples);

    /** Writes an already validated batch; same contract as {@link #write(TenantId, String, List)}. */
    int write(TenantId tenant, SampleBatch batch);

    /**
     * Writes already validated batches of one tenant in <b>one</b> transaction: either all are durable when this
     * returns, or none is written. Batches may be of several archives, and several of one archive; those of one
     * archive are written as one batch in list order, so a key in two of them ends with the later one's values, as if
     * written one after the other. Each batch is checked as {@link #write(TenantId, SampleBatch)} checks one (the
     * archive ACTIVATED and unchanged since validation, the retention horizon), before anything is written.
     * Late-data marking as for one batch.
     *
     * @return the number of distinct samples written (a key in several batches of one archive counts once)
     */
    int write(TenantId tenant, List<SampleBatch> batches);

    /**
     * Sets how late a sample of a raw archive may be and still make rollup buckets stale: a sample older than
     * {@code now − maxLateness} (now by the store's clock) is stored, but the buckets it falls in are not
     * re-aggregated, and the batch appends one {@code LATE_SKIPPED} audit entry with the count and range skipped.
     *
     * @param maxLateness a positive duration, or null for unlimited (the default)
     * @return the archive with the new setting; {@code NOT_FOUND}, or {@code INVALID_ARGUMENT} for a rollup
     *     archive or a duration that is not positive
     */
    ArchiveInfo setMaxLateness(TenantId tenant, String archive, Duration maxLateness);

    /**
     * Sets how long an archive's rows are kept, for a raw archive or a rollup archive: rows older than
     * {@code now − retention} are deleted by {@link #deleteExpired} (which the rollup host calls) once no rollup
     * needs them, and a sample older than that is refused at ingest ({@code INVALID_BATCH}, nothing written), never
     * stored or dropped silently.
     *
     * @param retention a positive duration, or null to keep rows forever (the default)
     * @return the archive with the new setting; {@code NOT_FOUND}, or {@code INVALID_ARGUMENT} for a duration that
     *     is not positive
     */
    ArchiveInfo setRetention(TenantId tenant, String archive, Duration retention);

    /**
     * Deletes the oldest rows of an archive below {@code request.before()}, in one transaction and one range
     * {@code DELETE} on the time index: from the oldest row, at most {@code maxSpan} wide.
     *
     * <p><b>Never what a rollup still needs.</b> Under the same shared lock on the direct dependants' state rows an
     * ingest takes (so no aggregate or recompute of a dependant runs meanwhile), the bound is lowered, for every
     * rollup reading this archive directly, to the start of the bucket holding its watermark (never its pending
     * one), or its first bucket ({@code startAt}) without one, and to its oldest stale range, and always to a start
     * of its buckets (whole buckets go, so a late sample just above the bound finds the rest of its bucket); a
     * dependant with neither watermark nor {@code startAt} may read any row, and nothing is deleted. Whatever a
     * dependant's status (FAILED, frozen, DISABLED), it holds retention where it stands. The archive's own {@code retention} is not
     * read here: the caller decides the bound.
     *
     * @return what was deleted; {@code NOT_FOUND} for an unknown archive
     */
    RetentionResult deleteExpired(RetentionRequest request);

    /** Rows in the range, ordered by timestamp then rtId; values by stored column name. */
    List<Sample> read(TenantId tenant, ReadRequest request);

    /**
     * The archive's sample count and the time its samples span, read from the store now (not cached). Cheap on
     * every engine: the oldest and newest timestamps come from the time index; the count is exact on DuckDB and, on
     * PostgreSQL, exact up to {@value #EXACT_COUNT_UP_TO} rows and estimated above (see {@link ArchiveStats}).
     *
     * @return the statistics; {@code NOT_FOUND} for an unknown archive
     */
    ArchiveStats archiveStats(TenantId tenant, String archive);

    /** Up to this many rows, {@link #archiveStats} counts exactly on every engine. */
    long EXACT_COUNT_UP_TO = 100_000;
}
