package io.tidemark.store;

/** What an audit entry records. Names are stored as text and are part of the public contract. */
public enum AuditKind {
    ARCHIVE_CREATED,
    ARCHIVE_ACTIVATED,
    ARCHIVE_DISABLED,
    ARCHIVE_DELETED,
    /** A setting of an archive changed (e.g. its {@code maxLateness}); carries the old and the new value. */
    ARCHIVE_CONFIGURED,
    ROLLUP_CREATED,
    ROLLUP_ACTIVATED,
    ROLLUP_DISABLED,
    ROLLUP_FROZEN,
    ROLLUP_UNFROZEN,
    /** One failed statement. */
    ROLLUP_FAILURE,
    /** The rollup reached maxFailures and is now FAILED; carries the error. */
    ROLLUP_FAILED_ALERT,
    ROLLUP_RETRIED,
    ROLLUP_REWOUND,
    /** One summary per rollup per tick that committed anything: buckets, rows, range, time. */
    ROLLUP_RUN,
    /** One summary per rollup per tick that re-aggregated stale buckets after late data: ranges, rows, time. */
    LATE_REAGGREGATION,
    /**
     * A batch held samples older than its archive's {@code maxLateness}: stored, but their buckets are not
     * re-aggregated; carries the count and the time range skipped.
     */
    LATE_SKIPPED,
    /**
     * The cluster's log writer did not write a batch it had acknowledged (archive deleted, disabled, recreated, or
     * samples below its retention horizon): carries the log offset, the reason, the sample count and the time range.
     * Appended in the transaction that moved the tenant's log position past it.
     */
    LOG_REJECTED,
    /** One summary per archive per host round that deleted rows older than its retention: rows, range, statements. */
    RETENTION_RUN,
    /**
     * An archive's retention became held back below its horizon by rollups that still need older rows (lagging,
     * FAILED, frozen, without a watermark, with old stale ranges): names them and why. Appended when the set of
     * blocking rollups changes, not every round.
     */
    RETENTION_BLOCKED,
    /** An archive's retention no longer held back by any rollup. */
    RETENTION_UNBLOCKED
}
