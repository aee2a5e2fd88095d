package io.tidemark.rollup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Where an archive's retention stands at one instant; computed by {@link Retention#statuses}.
 *
 * @param archive the archive (raw or rollup)
 * @param retention how long its rows are kept
 * @param horizon {@code now − retention}: rows older than this are expired, samples older than this are refused
 * @param deletableBefore rows below this may be deleted now: the horizon (for a rollup archive floored to its
 *     bucket, so only whole buckets go), lowered to what its rollups still need; null when a rollup may still read
 *     any row, so nothing can be deleted
 * @param blockedBy the rollups holding retention back by at least one of their buckets, with why; empty when
 *     retention can reach its horizon
 */
public record RetentionStatus(String archive, Duration retention, Instant horizon, Instant deletableBefore,
        List<Blocker> blockedBy) {

    /**
     * A rollup that holds an archive's retention back.
     *
     * @param rollup the rollup (a direct dependant of the archive)
     * @param reason why, for people: "FAILED", "frozen", "no watermark yet", "watermark 2025-…", "stale range from …",
     *     or late data that may still re-aggregate old buckets
     * @param neededFrom the oldest row it still needs, or null when it may need any row
     */
    public record Blocker(String rollup, String reason, Instant neededFrom) {}

    public RetentionStatus {
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(horizon, "horizon");
        blockedBy = List.copyOf(blockedBy);
    }

    /** Whether some rollup holds retention back below its horizon. */
    public boolean blocked() {
        return !blockedBy.isEmpty();
    }
}
