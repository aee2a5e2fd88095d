package io.tidemark.rollup;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.RollupState;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Operator actions on the rollups of one tenant. Every action that changes something is recorded in the audit
 * trail with its actor; an action that changes nothing (freezing a frozen rollup) succeeds without an entry.
 * Rollups are named without their tenant; another tenant's rollup is {@code NOT_FOUND}. Thread-safe; every method
 * blocks on store I/O and returns the rollup's state afterwards.
 */
public final class RollupAdmin {
    private final Store store;
    private final TenantId tenant;
    private final Clock clock;
    private final RollupOrchestrator orchestrator;

    /**
     * @param orchestrator the tenant's orchestrator, which performs rewinds
     */
    public RollupAdmin(Store store, RollupOrchestrator orchestrator, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
        this.tenant = orchestrator.tenant();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The current state of the rollup. */
    public RollupState state(String rollup) {
        return store.rollups().state(id(rollup));
    }

    /**
     * {@code CREATED} or {@code DISABLED} → {@code ACTIVATED}, with the rollup archive. A {@code FAILED} rollup is
     * resumed with {@link #retry}, not activated.
     *
     * @throws TidemarkException {@code INVALID_STATE} for a FAILED rollup
     */
    public RollupState activate(String rollup, String actor) {
        requireActor(actor);
        RollupState s = state(rollup);
        if (s.status() == RollupStatus.ACTIVATED) {
            return s;
        }
        activateWithArchive(rollup, s, actor);
        return state(rollup);
    }

    /**
     * {@link #activate} for a rollup archive the caller has already read ({@code archive}): returns the archive as
     * the activation left it, without reading it again; {@code archive} itself when the rollup is already
     * ACTIVATED. Same errors as {@link #activate}.
     */
    public ArchiveInfo activateArchive(ArchiveInfo archive, String actor) {
        requireActor(actor);
        RollupState s = state(archive.name());
        if (s.status() == RollupStatus.ACTIVATED) {
            return archive;
        }
        return activateWithArchive(archive.name(), s, actor);
    }

    /** Activates a rollup that is not ACTIVATED, with its archive, and audits it; refuses a FAILED one. */
    private ArchiveInfo activateWithArchive(String rollup, RollupState s, String actor) {
        if (s.status() == RollupStatus.FAILED) {
            throw new TidemarkException(ErrorCode.INVALID_STATE, "rollup '" + rollup + "' is FAILED ("
                    + s.lastError() + "); fix the cause, then retry it instead of activating it");
        }
        ArchiveInfo activated = store.archives().activateArchive(tenant, rollup);
        audit(rollup, AuditKind.ROLLUP_ACTIVATED, actor, "activated (was " + s.status() + ")");
        return activated;
    }

    /** {@code ACTIVATED} or {@code FAILED} → {@code DISABLED}, with the rollup archive; it stops advancing. */
    public RollupState disable(String rollup, String actor) {
        requireActor(actor);
        RollupState s = state(rollup);
        if (s.status() == RollupStatus.DISABLED) {
            return s;
        }
        if (s.status() == RollupStatus.CREATED) {
            throw new TidemarkException(ErrorCode.INVALID_STATE,
                    "rollup '" + rollup + "' is CREATED, not active; activate it first or leave it");
        }
        store.archives().disableArchive(tenant, rollup);
        return audited(rollup, AuditKind.ROLLUP_DISABLED, actor, "disabled (was " + s.status() + ")");
    }

    /** Stops the rollup from advancing without changing its status, e.g. during maintenance of its source. */
    public RollupState freeze(String rollup, String actor) {
        return setFrozen(rollup, true, actor);
    }

    /** Lets a frozen rollup advance again; the next tick catches up. */
    public RollupState unfreeze(String rollup, String actor) {
        return setFrozen(rollup, false, actor);
    }

    /**
     * {@code FAILED} → {@code ACTIVATED} with the failure counter reset; the next tick resumes from the watermark,
     * which a failure never moves.
     *
     * @throws TidemarkException {@code INVALID_STATE} unless the rollup is FAILED
     */
    public RollupState retry(String rollup, String actor) {
        requireActor(actor);
        RollupState s = state(rollup);
        if (s.status() != RollupStatus.FAILED) {
            throw new TidemarkException(ErrorCode.INVALID_STATE,
                    "rollup '" + rollup + "' is " + s.status() + ", not FAILED; only a FAILED rollup can be retried");
        }
        store.rollups().setStatus(id(rollup), RollupStatus.ACTIVATED);
        return audited(rollup, AuditKind.ROLLUP_RETRIED, actor, "retried after " + s.consecutiveFailures()
                + " consecutive failures; last error: " + s.lastError());
    }

    /** Rewinds the watermark; see {@link RollupOrchestrator#rewindWatermark(RollupId, Instant, String)}. */
    public RollupState rewind(String rollup, Instant toBucketEnd, String actor) {
        requireActor(actor);
        orchestrator.rewindWatermark(id(rollup), toBucketEnd, actor);
        return state(rollup);
    }

    private RollupState setFrozen(String rollup, boolean frozen, String actor) {
        requireActor(actor);
        RollupState s = state(rollup);
        if (s.frozen() == frozen) {
            return s;
        }
        store.rollups().setFrozen(id(rollup), frozen);
        return audited(rollup, frozen ? AuditKind.ROLLUP_FROZEN : AuditKind.ROLLUP_UNFROZEN, actor,
                frozen ? "frozen at watermark " + s.watermark() : "unfrozen at watermark " + s.watermark());
    }

    private RollupState audited(String rollup, AuditKind kind, String actor, String message) {
        audit(rollup, kind, actor, message);
        return state(rollup);
    }

    private void audit(String rollup, AuditKind kind, String actor, String message) {
        store.audit().append(AuditEntry.of(tenant, clock.instant(), kind, rollup, actor, message));
    }

    private RollupId id(String rollup) {
        return new RollupId(tenant, rollup);
    }

    private static void requireActor(String actor) {
        if (actor == null || actor.isBlank()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "an operator action needs an actor (user or token name) for the audit trail");
        }
    }
}
