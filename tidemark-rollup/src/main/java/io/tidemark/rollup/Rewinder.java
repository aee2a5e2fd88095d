package io.tidemark.rollup;

import io.tidemark.core.Bucket;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Rewinds a rollup's watermark and, top-down, those of its dependants; see {@link RollupOrchestrator}. */
final class Rewinder {
    private final Store store;
    private final TenantId tenant;
    private final Clock clock;

    Rewinder(Store store, TenantId tenant, Clock clock) {
        this.store = store;
        this.tenant = tenant;
        this.clock = clock;
    }

    void rewind(RollupInfo info, Instant toBucketEnd, String actor) {
        RollupDefinition def = info.plan().definition();
        Instant target = def.bucket().floor(toBucketEnd);
        Instant watermark = info.state().watermark();
        String name = def.name();
        if (watermark == null) {
            throw new TidemarkException(ErrorCode.INVALID_REWIND, "cannot rewind rollup '" + name
                    + "': it has not committed any bucket yet, so there is nothing to re-aggregate");
        }
        if (target.isAfter(watermark)) {
            throw new TidemarkException(ErrorCode.INVALID_REWIND, "cannot rewind rollup '" + name + "' to " + target
                    + " (" + toBucketEnd + " truncated to a bucket boundary): that is ahead of its watermark "
                    + watermark + "; a rewind only moves back, to " + watermark + " or earlier");
        }
        Instant first = firstBucket(def);
        if (first != null && target.isBefore(first)) {
            throw new TidemarkException(ErrorCode.INVALID_REWIND, "cannot rewind rollup '" + name + "' to " + target
                    + ": it starts at " + first + " (startAt); rewind to " + first + " or later");
        }
        requireRetainedSource(def, target);
        store.rollups().setWatermark(info.state().id(), target);
        audit(name, actor, "rewound watermark from " + watermark + " to " + target + " (requested " + toBucketEnd
                + ")");
        cascade(name, target, actor, store.rollups().rollups(tenant));
    }

    /** Rewinds the dependants of {@code source}, now at {@code changedFrom}, whose watermark lies past it. */
    private void cascade(String source, Instant changedFrom, String actor, List<RollupInfo> all) {
        for (RollupInfo dependant : DependencyOrder.dependants(all, source)) {
            RollupDefinition def = dependant.plan().definition();
            Instant watermark = dependant.state().watermark();
            Instant target = latest(def.bucket().floor(changedFrom), firstBucket(def));
            if (watermark == null || !watermark.isAfter(target)) {
                continue;
            }
            store.rollups().setWatermark(dependant.state().id(), target);
            audit(def.name(), actor, "rewound watermark from " + watermark + " to " + target + " because its source"
                    + " rollup '" + source + "' was rewound to " + changedFrom);
            cascade(def.name(), target, actor, all);
        }
    }

    /**
     * A rewind below the source's retention horizon would re-aggregate buckets from rows retention may already have
     * deleted, replacing complete buckets with partial ones.
     */
    private void requireRetainedSource(RollupDefinition def, Instant target) {
        ArchiveInfo source = store.archives().requireArchive(tenant, def.source());
        Instant horizon = source.retentionHorizon(clock.instant());
        if (horizon != null && target.isBefore(horizon)) {
            throw new TidemarkException(ErrorCode.INVALID_REWIND, "cannot rewind rollup '" + def.name() + "' to "
                    + target + ": its source '" + def.source() + "' keeps rows for " + source.retention()
                    + ", so rows before " + horizon + " may be deleted and re-aggregating there would lose data; "
                    + "rewind to " + def.bucket().ceil(horizon) + " or later");
        }
    }

    private static Instant firstBucket(RollupDefinition def) {
        Bucket bucket = def.bucket();
        return def.startAt() == null ? null : bucket.floor(def.startAt());
    }

    private static Instant latest(Instant a, Instant b) {
        return b == null || a.isAfter(b) ? a : b;
    }

    private void audit(String rollup, String actor, String message) {
        store.audit().append(AuditEntry.of(tenant, clock.instant(), AuditKind.ROLLUP_REWOUND, rollup, actor, message));
    }
}
