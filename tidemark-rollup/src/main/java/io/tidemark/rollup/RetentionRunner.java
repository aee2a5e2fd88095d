package io.tidemark.rollup;

import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.TenantId;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.RetentionRequest;
import io.tidemark.store.RetentionResult;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes one tenant's expired rows, once per host round, after the tenant's rollups advanced: for each archive with
 * a retention, up to {@link RetentionConfig#maxStatementsPerRound()} range deletes of at most
 * {@link RetentionConfig#maxSpanPerStatement()} each, below {@link RetentionStatus#deletableBefore()}. Reports
 * blocked retention by metric every round and in the audit trail when the set of blocking rollups changes (kept in
 * memory: after a restart a blocked archive is reported once more). Never throws. Not thread-safe: the host calls
 * it from its round, under the round lock.
 */
final class RetentionRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionRunner.class);

    private final Store store;
    private final TenantId tenant;
    private final Clock clock;
    private final RetentionConfig config;
    private final RetentionMetrics metrics;
    /** The blocking rollups last audited, by archive; absent or empty when not blocked. */
    private final Map<String, Set<String>> audited = new HashMap<>();

    RetentionRunner(Store store, TenantId tenant, Clock clock, RetentionConfig config, MeterRegistry registry) {
        this.store = store;
        this.tenant = tenant;
        this.clock = clock;
        this.config = config;
        this.metrics = new RetentionMetrics(registry, tenant.value());
    }

    /** @return the rows deleted */
    long run() {
        List<RetentionStatus> statuses;
        try {
            statuses = Retention.statuses(store, tenant, clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("tenant {}: cannot read archives and rollups for retention, skipping it this round: {}", tenant,
                    e.toString());
            return 0;
        }
        Set<String> names = statuses.stream().map(RetentionStatus::archive).collect(Collectors.toSet());
        metrics.retain(names);
        audited.keySet().retainAll(names);
        long rows = 0;
        for (RetentionStatus s : statuses) {
            metrics.status(s);
            reportBlocked(s);
            if (s.deletableBefore() != null) {
                rows += delete(s);
            }
        }
        return rows;
    }

    private long delete(RetentionStatus s) {
        long rows = 0;
        int statements = 0;
        Instant from = null;
        Instant to = null;
        long start = System.nanoTime();
        try {
            while (statements < config.maxStatementsPerRound()) {
                RetentionResult r = store.archives().deleteExpired(new RetentionRequest(tenant, s.archive(),
                        s.deletableBefore(), config.maxSpanPerStatement()));
                statements++;
                if (r.from() != null) {
                    rows += r.rows();
                    from = from == null ? r.from() : from;
                    to = r.to();
                }
                if (!r.more()) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            metrics.failure(s.archive());
            LOG.warn("tenant {}: retention delete of archive {} failed after {} rows; the next round goes on: {}",
                    tenant, s.archive(), rows, e.toString());
        }
        metrics.deleted(s.archive(), rows);
        if (from != null) {
            audit(AuditKind.RETENTION_RUN, s.archive(), "deleted " + rows + " rows older than the retention "
                    + s.retention() + " in [" + from + ", " + to + ") with " + statements + " statements taking "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        }
        return rows;
    }

    private void reportBlocked(RetentionStatus s) {
        Set<String> now = new TreeSet<>();
        s.blockedBy().forEach(b -> now.add(b.rollup()));
        Set<String> before = audited.getOrDefault(s.archive(), Set.of());
        if (now.equals(before)) {
            return;
        }
        boolean recorded;
        if (now.isEmpty()) {
            recorded = audit(AuditKind.RETENTION_UNBLOCKED, s.archive(), "retention " + s.retention() + " is no longer held "
                    + "back by rollups (was by " + before + ")");
        } else {
            String why = s.blockedBy().stream().map(b -> "'" + b.rollup() + "' (" + b.reason() + ")")
                    .collect(Collectors.joining(", "));
            recorded = audit(AuditKind.RETENTION_BLOCKED, s.archive(), "retention " + s.retention() + " is held back below "
                    + "its horizon " + s.horizon() + " by " + why + "; rows from "
                    + (s.deletableBefore() == null ? "the beginning" : s.deletableBefore().toString())
                    + " on are kept until they move on");
        }
        if (recorded) {
            audited.put(s.archive(), now); // else the next round tries again
        }
    }

    private boolean audit(AuditKind kind, String archive, String message) {
        try {
            store.audit().append(AuditEntry.of(tenant, clock.instant(), kind, archive, RollupOrchestrator.ACTOR,
                    message));
            return true;
        } catch (RuntimeException e) {
            LOG.warn("tenant {}: archive {}: {}, but it could not be audited: {}", tenant, archive, message,
                    e.toString());
            return false;
        }
    }
}
