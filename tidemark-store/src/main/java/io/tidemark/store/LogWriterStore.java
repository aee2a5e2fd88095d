package io.tidemark.store;

import io.tidemark.core.TenantId;
import java.util.List;

/**
 * The store side of the cluster's log writer (docs/scale-out.md, "Writers: log → store, exactly once"): each
 * tenant's position in the ingest log, kept in the tenant's own schema, and the one transaction that writes a
 * tenant's records and moves its position together, so that a record is written by the one transaction that moves
 * the position past it — a replay, a new owner of the partition or a zombie writer write nothing twice.
 *
 * <p>Only PostgreSQL (the cluster's store) implements it; on other engines {@link Store#logWriter()} throws
 * {@code INVALID_STATE}. Thread-safe; every method blocks on I/O. Unknown tenant: {@code NOT_FOUND}.
 */
public interface LogWriterStore {

    /** The tenant's position, as committed. */
    LogPosition position(TenantId tenant);

    /**
     * Writes one tenant's records of one poll in <b>one</b> transaction, all or nothing:
     * <ol>
     *   <li>the compare-and-set of the position from {@code (partition, expectedOffset)} — or from the position of a
     *       tenant never written through the log, {@link LogPosition#START} — to {@code (partition, endOffset)}; it
     *       also takes the position row's lock, so two writers of one tenant queue there. When it matches no row the
     *       transaction rolls back and the answer is {@link LogWriteResult.Moved} with the position found;</li>
     *   <li>each batch checked against its archive as the transaction reads it: gone ({@code not_found}), another
     *       definition version ({@code recreated}), not ACTIVATED ({@code not_activated}) or a sample below the
     *       retention horizon by the store's clock ({@code retention}) refuses that record alone — all its parts
     *       (batches with the same offset) together, recorded once;</li>
     *   <li>the other batches written as {@link ArchiveStore#write(TenantId, List)} writes them (the dependants'
     *       shared lock, the engine's write, late-data marking, {@code LATE_SKIPPED}), with one difference:
     *       maxLateness is measured back from the batch's {@link LogBatch#acceptedAt()}, not the store's clock — a
     *       batch is not skipped for having waited in the log. Batches of one archive are written as one, later ones
     *       winning on a repeated key; their samples are measured from the earliest acceptance instant among them
     *       (so a sample is re-aggregated, never skipped, where their instants disagree);</li>
     *   <li>every rejection (the writer's and the store's) inserted into {@code "_log_rejects"} with one
     *       {@link AuditKind#LOG_REJECTED} entry each (archive, reason, sample count, time range).</li>
     * </ol>
     * A concurrent transaction aborting this one (deadlock, serialization) runs it again, a bounded number of times.
     *
     * @return {@link LogWriteResult.Written} or {@link LogWriteResult.Moved}
     * @throws io.tidemark.core.TidemarkException {@code INVALID_STATE} when the tenant's position counts another
     *     partition (the topic's partition count changed); {@code STORE_UNAVAILABLE} / {@code STORE_ERROR} as every
     *     store call (nothing written: retry with the same arguments)
     */
    LogWriteResult write(LogWrite write);

    /** The tenant's recorded rejections, in offset order, at most {@code limit}, from {@code fromOffset} on. */
    List<LogRejection> rejections(TenantId tenant, long fromOffset, int limit);

    /**
     * Reads what a live node needs to join {@code tenant}, in <b>one</b> {@code REPEATABLE READ} snapshot (one
     * tenant's schema): its position, its archives, and for each archive the stored rows at or after
     * {@code floor.apply(archive)} (null: the archive's rows are not read) — preceded by the newest row of each rtId
     * that has none since the floor, so that {@code latest.<archive>} holds every rtId ever stored (docs/scale-out.md,
     * "latest at join", option b: this part reads the whole archive) — oldest first, each part at most
     * {@code maxRowsPerArchive}. Nothing is locked or written.
     *
     * @throws io.tidemark.core.TidemarkException {@code STORE_UNAVAILABLE} / {@code STORE_ERROR} as every store call
     */
    LogJoin join(TenantId tenant, java.util.function.Function<ArchiveInfo, java.time.Instant> floor,
            int maxRowsPerArchive);
}
