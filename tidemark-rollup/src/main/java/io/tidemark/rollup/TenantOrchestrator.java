package io.tidemark.rollup;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.PublicError;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupStore;
import io.tidemark.store.RollupState;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link RollupOrchestrator} of one tenant. Holds no mutable state of its own besides its meters. */
final class TenantOrchestrator implements RollupOrchestrator {
    private static final Logger LOG = LoggerFactory.getLogger(TenantOrchestrator.class);
    /** Errors are stored and audited; a driver's message can be long, the first part says what went wrong. */
    private static final int MAX_ERROR_LENGTH = 2000;

    private final Store store;
    private final RollupStore runtime;
    private final TenantId tenant;
    private final Clock clock;
    private final RollupMetrics metrics;
    private final RollupRunner runner;
    private final Rewinder rewinder;

    TenantOrchestrator(Store store, TenantId tenant, Clock clock, OrchestratorConfig config, RollupMetrics metrics,
            RollupListener listener) {
        this.store = store;
        this.runtime = store.rollups();
        this.tenant = tenant;
        this.clock = clock;
        this.metrics = metrics;
        this.runner = new RollupRunner(runtime, clock, config, metrics, listener);
        this.rewinder = new Rewinder(store, tenant, clock);
    }

    @Override
    public TenantId tenant() {
        return tenant;
    }

    @Override
    public int tick() {
        List<RollupInfo> rollups;
        try {
            rollups = DependencyOrder.sort(runtime.rollups(tenant));
        } catch (RuntimeException e) {
            metrics.catalogFailure();
            LOG.warn("tenant {}: cannot list rollups, skipping this tick: {}", tenant, e.toString());
            return 0;
        }
        metrics.retain(rollups.stream().map(r -> r.plan().definition().name()).collect(Collectors.toSet()));
        int total = 0;
        for (RollupInfo listed : rollups) {
            metrics.watermark(listed.plan().definition().name(), listed.state().watermark());
            metrics.stale(listed.plan().definition().name(), listed.state());
            if (eligible(listed.state())) {
                total += run(listed);
            }
        }
        return total;
    }

    @Override
    public int processRollup(RollupId id) {
        return run(require(id));
    }

    @Override
    public void rewindWatermark(RollupId id, Instant toBucketEnd, String actor) {
        Objects.requireNonNull(toBucketEnd, "toBucketEnd");
        if (actor == null || actor.isBlank()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "a rewind needs an actor for the audit trail");
        }
        rewinder.rewind(require(id), toBucketEnd, actor);
    }

    private RollupInfo require(RollupId id) {
        if (!id.tenant().equals(tenant)) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "no rollup '" + id.name() + "' in tenant " + tenant);
        }
        return runtime.rollup(id);
    }

    private static boolean eligible(RollupState state) {
        return state.status() == RollupStatus.ACTIVATED && !state.frozen();
    }

    /**
     * Runs one rollup with a fresh state read and records the outcome. Catches everything a rollup can throw, so
     * one rollup never stops the others. A failure to read the rollup (the catalog, not one of its statements) is
     * not this rollup's failure: it is logged and counted per tenant, and the rollup is simply skipped this tick
     * (issue 10, item 4: such errors once counted against whichever rollup happened to run next).
     */
    private int run(RollupInfo listed) {
        RollupId id = listed.state().id();
        RollupInfo info;
        try {
            info = runtime.rollup(id);
        } catch (RuntimeException e) {
            metrics.catalogFailure();
            LOG.warn("tenant {}: cannot read rollup {}, skipping it this tick: {}", tenant, id.name(), e.toString());
            return 0;
        }
        Progress progress = new Progress();
        try {
            metrics.watermark(id.name(), info.state().watermark());
            metrics.stale(id.name(), info.state());
            if (eligible(info.state())) {
                int budget = runner.recompute(info, progress);
                runner.advance(info, progress, budget);
            }
        } catch (RuntimeException e) {
            onFailure(id, listed.plan().definition().maxFailures(), e);
        }
        summarize(id, progress);
        summarizeLate(id, progress);
        return progress.buckets + progress.staleBuckets;
    }

    /**
     * Records a failed run. The error goes through {@link PublicError}: the full exception (driver message, SQL)
     * is logged under an error id, and {@code lastError} and the audit entries — which tenants read — carry only the
     * code, a plain message and that id. A {@code STORE_UNAVAILABLE} is not the rollup's failure: nothing is
     * recorded (the store could not take it anyway), and the rollup carries on from its watermark when the store
     * answers again. Nor is a {@code LOG_UNAVAILABLE} (cluster mode: the listener could not append the committed
     * buckets to the ingest log): an outage of the log must not turn rollups {@code FAILED} either.
     */
    private void onFailure(RollupId id, int maxFailures, RuntimeException e) {
        PublicError reported = PublicError.report("rollup " + id, e);
        String error = describe(reported);
        metrics.of(id.name()).failures().increment();
        if (reported.code() == ErrorCode.STORE_UNAVAILABLE) {
            LOG.warn("rollup {}: the store is unavailable; not counted as a failure, the rollup resumes from its "
                    + "watermark when the store answers (error id {})", id, reported.errorId());
            return;
        }
        if (reported.code() == ErrorCode.LOG_UNAVAILABLE) {
            LOG.warn("rollup {}: the ingest log is unavailable; not counted as a failure, the rollup resumes from its "
                    + "watermark when the log answers (error id {})", id, reported.errorId());
            return;
        }
        try {
            RollupState after = runtime.recordFailure(id, error, maxFailures);
            LOG.warn("rollup {}: statement failed ({} of {} allowed): {}", id, after.consecutiveFailures(),
                    maxFailures, error);
            audit(AuditKind.ROLLUP_FAILURE, id, "statement failed (" + after.consecutiveFailures() + " of "
                    + maxFailures + " consecutive failures allowed); watermark kept at "
                    + (after.watermark() == null ? "none (nothing committed yet)" : after.watermark()) + ": " + error);
            if (after.status() != RollupStatus.FAILED) {
                return;
            }
            LOG.error("rollup {} is FAILED after {} consecutive failures and will be skipped until retried: {}", id,
                    after.consecutiveFailures(), error);
            audit(AuditKind.ROLLUP_FAILED_ALERT, id, "rollup is FAILED after " + after.consecutiveFailures()
                    + " consecutive failures and is skipped until an operator retries it; last error: " + error);
        } catch (RuntimeException recordError) {
            LOG.error("rollup {}: statement failed ({}) and the failure could not be recorded", id, error,
                    recordError);
        }
    }

    /** One ROLLUP_RUN entry per rollup per tick that committed anything. */
    private void summarize(RollupId id, Progress p) {
        if (p.buckets == 0) {
            return;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(p.statementNanos);
        String message = "committed " + p.buckets + " buckets, " + p.rows + " rows in [" + p.from + ", " + p.to
                + ") with " + p.statements + " statements taking " + millis + " ms";
        try {
            audit(AuditKind.ROLLUP_RUN, id, message);
        } catch (RuntimeException e) {
            LOG.warn("rollup {}: {}, but the run summary could not be audited: {}", id, message, e.toString());
        }
    }

    /** One LATE_REAGGREGATION entry per rollup per tick that re-aggregated stale buckets. */
    private void summarizeLate(RollupId id, Progress p) {
        if (p.staleStatements == 0) {
            return;
        }
        List<String> spans = p.staleSpans;
        String shown = spans.size() <= 10 ? String.join(", ", spans)
                : String.join(", ", spans.subList(0, 10)) + " and " + (spans.size() - 10) + " more";
        String message = "re-aggregated " + p.staleBuckets + " stale buckets, " + p.staleRows + " rows in "
                + spans.size() + " ranges " + shown + " with " + p.staleStatements + " statements taking "
                + TimeUnit.NANOSECONDS.toMillis(p.staleNanos) + " ms";
        try {
            audit(AuditKind.LATE_REAGGREGATION, id, message);
        } catch (RuntimeException e) {
            LOG.warn("rollup {}: {}, but it could not be audited: {}", id, message, e.toString());
        }
    }

    private void audit(AuditKind kind, RollupId id, String message) {
        store.audit().append(AuditEntry.of(tenant, clock.instant(), kind, id.name(), ACTOR, message));
    }

    /** What a tenant sees of a failed run ({@code lastError}, audit entries): {@link PublicError#text()}, capped. */
    static String describe(PublicError e) {
        String text = e.text();
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH) + "…";
    }
}
