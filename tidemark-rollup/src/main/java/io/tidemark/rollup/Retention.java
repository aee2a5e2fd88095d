package io.tidemark.rollup;

import io.tidemark.core.Bucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupState;
import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far each archive's retention may go: the rule the {@link OrchestratorHost} deletes by, and what the server
 * shows. Rows of an archive older than {@code now − retention} are deleted, except what a rollup still needs:
 * <ul>
 *   <li>for every rollup reading the archive directly, everything from the start of the bucket holding its
 *       watermark (without one, its first bucket; with neither, every row) and from its oldest stale range. A FAILED,
 *       frozen, DISABLED or lagging rollup therefore holds retention where it stands: it is <em>blocked</em>, and
 *       says so ({@link RetentionStatus#blockedBy()});</li>
 *   <li>whole buckets only, of the archive itself when it is a rollup archive and of every rollup reading it, so a
 *       late sample just above the horizon always finds the rest of its bucket;</li>
 *   <li>for a rollup archive that other rollups read: nothing that a late sample of the raw archive at the root of
 *       its chain could still re-aggregate (newer than the root's {@code now − min(retention, maxLateness)}; every
 *       bucket when the root has neither), since re-aggregating a bucket of the rollups above it from partly
 *       deleted rows would lose data.</li>
 * </ul>
 * The store applies the first rule again under its lock when it deletes ({@link
 * io.tidemark.store.ArchiveStore#deleteExpired}), so a rollup that moved meanwhile cannot be overtaken.
 */
public final class Retention {
    private Retention() {}

    /** What a rollup still needs of its source, and why. {@code from} null: any row. */
    private record Need(Instant from, String reason) {}

    /**
     * The retention of every archive of the tenant that has one, in creation order; reads the archives, the rollups
     * and the stale ranges of the rollups reading such archives.
     */
    public static List<RetentionStatus> statuses(Store store, TenantId tenant, Instant now) {
        List<ArchiveInfo> archives = store.archives().archives(tenant);
        if (archives.stream().noneMatch(a -> a.retention() != null)) {
            return List.of();
        }
        List<RollupInfo> rollups = store.rollups().rollups(tenant);
        Map<String, ArchiveInfo> byName = new LinkedHashMap<>();
        archives.forEach(a -> byName.put(a.name(), a));
        List<RetentionStatus> out = new ArrayList<>();
        for (ArchiveInfo a : archives) {
            if (a.retention() != null) {
                out.add(status(store, a, byName, rollups, now));
            }
        }
        return out;
    }

    private static RetentionStatus status(Store store, ArchiveInfo a, Map<String, ArchiveInfo> byName,
            List<RollupInfo> rollups, Instant now) {
        Instant horizon = a.retentionHorizon(now);
        RollupDefinition own = a.definition().rollup();
        Instant target = own == null ? horizon : own.bucket().floor(horizon);
        Need late = own == null ? null : lateData(root(a, byName), now);
        Instant bound = target;
        boolean unbounded = false;
        List<RetentionStatus.Blocker> blockers = new ArrayList<>();
        for (RollupInfo d : DependencyOrder.dependants(rollups, a.name())) {
            Bucket bucket = d.plan().definition().bucket();
            Need need = need(store, d);
            if (late != null && need.from() != null && (late.from() == null || late.from().isBefore(need.from()))) {
                need = new Need(late.from() == null ? null : bucket.floor(late.from()), late.reason());
            }
            String name = d.plan().definition().name();
            if (need.from() == null) {
                unbounded = true;
                blockers.add(new RetentionStatus.Blocker(name, need.reason(), null));
                continue;
            }
            if (need.from().isBefore(bucket.floor(target))) {
                blockers.add(new RetentionStatus.Blocker(name, need.reason(), need.from()));
            }
            Instant mine = bucket.floor(need.from().isBefore(target) ? need.from() : target);
            bound = mine.isBefore(bound) ? mine : bound;
        }
        return new RetentionStatus(a.name(), a.retention(), horizon, unbounded ? null : bound, blockers);
    }

    /** The oldest row of its source a rollup may still read, floored to its bucket. */
    private static Need need(Store store, RollupInfo d) {
        RollupState s = d.state();
        RollupDefinition def = d.plan().definition();
        String why = s.status() == RollupStatus.FAILED ? "FAILED"
                : s.frozen() ? "frozen"
                : s.status() != RollupStatus.ACTIVATED ? s.status().name()
                : "behind";
        Instant from = s.watermark() != null ? s.watermark() : def.startAt();
        if (from == null) {
            return new Need(null, why + ", no watermark yet (it may still read every row)");
        }
        String reason = why + (s.watermark() != null ? ", watermark " + s.watermark() : ", starts at " + from);
        if (s.staleRanges() > 0) {
            for (StaleRange r : store.rollups().staleRanges(s.id())) {
                if (r.from().isBefore(from)) {
                    from = r.from();
                    reason = why + ", stale range from " + r.from() + " waiting to be re-aggregated";
                }
            }
        }
        return new Need(def.bucket().floor(from), reason);
    }

    /**
     * What late samples of the root raw archive may still re-aggregate: from {@code now − min(retention,
     * maxLateness)} on; any bucket (from null) when it has neither.
     */
    private static Need lateData(ArchiveInfo root, Instant now) {
        Duration d = root.retention();
        if (root.maxLateness() != null && (d == null || root.maxLateness().compareTo(d) < 0)) {
            d = root.maxLateness();
        }
        if (d == null) {
            return new Need(null, "late samples of raw archive '" + root.name() + "' may re-aggregate any bucket "
                    + "(it has neither retention nor maxLateness)");
        }
        Instant from = now.minus(d);
        return new Need(from, "late samples of raw archive '" + root.name() + "' may re-aggregate buckets from "
                + from);
    }

    /** The raw archive at the root of a rollup archive's chain. */
    private static ArchiveInfo root(ArchiveInfo a, Map<String, ArchiveInfo> byName) {
        ArchiveInfo at = a;
        for (int i = 0; i <= byName.size() && at.definition().isRollup(); i++) {
            at = byName.get(at.definition().rollup().source());
        }
        return at;
    }
}
