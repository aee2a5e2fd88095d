package io.tidemark.server.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.rollup.RollupCommit;
import io.tidemark.rollup.RollupListener;
import io.tidemark.server.cluster.ClusterNode;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode's {@link RollupListener} (docs/scale-out.md, "Committed buckets in live tables"): reads the committed
 * range back from the store once, as readers see it ({@link ReadBack#read}), and appends it as {@code ROLLUP} records
 * ({@link ClusterNode#appendRollup}, split to fit {@code cluster.max-record-bytes}); every node — this one too —
 * applies them to the rollup archive's live tables at the cut that passes them ({@link LogLive}), so nothing is
 * applied here. Returns only once the log acknowledged every piece, before the watermark moves.
 *
 * <p>A failure on the forward path is thrown: the watermark stays and the next tick writes and appends the buckets
 * again ({@link RollupListener}). A recompute never moves the watermark and has consumed its stale range once it
 * committed, so a throw alone would lose the recomputed buckets for the live tables: it is retried with backoff
 * (100 ms doubling to 2 s) while another attempt ends within three produce timeouts of the first; then the range is
 * marked stale again ({@link io.tidemark.store.RollupStore#markStale}), so the next run recomputes and appends it
 * again, and the failure is logged at ERROR, counted ({@code tidemark.cluster.rollup.append.failed},
 * {@code path=recompute}) and thrown (a {@code LOG_UNAVAILABLE} is not the rollup's failure; the throw ends the
 * rollup's run, so a log outage costs each run one retry window, not a loop). Only when the store does not take the
 * mark either are the buckets lost for the live tables: logged at ERROR and counted
 * ({@code tidemark.cluster.rollup.recompute.lost}). Runs on the rollup host's thread. Thread-safe.
 */
final class RollupAppender implements RollupListener {
    private static final Logger LOG = LoggerFactory.getLogger(RollupAppender.class);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final Store store;
    private final ReadBack readBack;
    private final ClusterNode cluster;
    private final Duration retryBound;
    private final Counter forwardFailed;
    private final Counter recomputeFailed;
    private final Counter recomputeLost;
    private final Counter records;

    RollupAppender(Store store, ReadBack readBack, ClusterNode cluster, MeterRegistry meters) {
        this.store = store;
        this.readBack = readBack;
        this.cluster = cluster;
        this.retryBound = cluster.settings().produceTimeout().multipliedBy(3);
        this.forwardFailed = failedCounter(meters, "forward");
        this.recomputeFailed = failedCounter(meters, "recompute");
        this.recomputeLost = Counter.builder("tidemark.cluster.rollup.recompute.lost").description("recomputed "
                + "rollup ranges that could neither be appended as ROLLUP records nor marked stale again: lost for the "
                + "live tables until a later commit covers their buckets").register(meters);
        this.records = Counter.builder("tidemark.cluster.rollup.records").description("ROLLUP records this node "
                + "appended to the log (pieces of committed rollup ranges)").register(meters);
    }

    private static Counter failedCounter(MeterRegistry meters, String path) {
        return Counter.builder("tidemark.cluster.rollup.append.failed").tag("path", path)
                .description("committed rollup ranges that could not be appended as ROLLUP records (the log did not "
                        + "take them, or the read-back failed); their buckets are stored").register(meters);
    }

    @Override
    public void committed(RollupCommit c) {
        if (!c.recompute()) {
            try {
                append(c);
            } catch (RuntimeException e) {
                forwardFailed.increment();
                LOG.atWarn().addKeyValue("tenant", c.id().tenant().value()).addKeyValue("rollup", c.id().name())
                        .addKeyValue("from", c.from()).addKeyValue("to", c.to()).addKeyValue("error", e.toString())
                        .log("cluster: cannot append the committed rollup buckets to the log; the watermark stays and "
                                + "the next tick writes them again");
                throw e;
            }
            return;
        }
        appendRetrying(c);
    }

    /**
     * A recompute: retried while the log (or the store read) is unavailable, as long as another attempt — the
     * backoff and one produce timeout — ends within {@link #retryBound} of the call.
     */
    private void appendRetrying(RollupCommit c) {
        long deadline = System.nanoTime() + retryBound.toNanos();
        long attempt = cluster.settings().produceTimeout().toNanos();
        long backoff = FIRST_BACKOFF_MS;
        while (true) {
            try {
                append(c);
                return;
            } catch (TidemarkException e) {
                boolean retry = e.code() == ErrorCode.LOG_UNAVAILABLE || e.code() == ErrorCode.STORE_UNAVAILABLE;
                boolean fits = System.nanoTime() + backoff * 1_000_000 + attempt <= deadline;
                if (!retry || !fits || !pause(backoff)) {
                    throw notAppended(c, e);
                }
                LOG.atWarn().addKeyValue("tenant", c.id().tenant().value()).addKeyValue("rollup", c.id().name())
                        .addKeyValue("from", c.from()).addKeyValue("to", c.to()).addKeyValue("retry_in_ms", backoff)
                        .addKeyValue("error", e.toString())
                        .log("cluster: cannot append the recomputed rollup buckets to the log; retrying");
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } catch (RuntimeException e) {
                throw notAppended(c, e);
            }
        }
    }

    /**
     * The recompute's append failed for good: marks its range stale again so the next run recomputes and appends it;
     * returns the append's failure for the caller to throw (with the mark's failure suppressed, if any).
     */
    private RuntimeException notAppended(RollupCommit c, RuntimeException e) {
        recomputeFailed.increment();
        try {
            store.rollups().markStale(c.id(), c.plan(), c.from(), c.to());
        } catch (RuntimeException markFailed) {
            recomputeLost.increment();
            e.addSuppressed(markFailed);
            LOG.atError().setCause(e).addKeyValue("tenant", c.id().tenant().value())
                    .addKeyValue("rollup", c.id().name()).addKeyValue("from", c.from()).addKeyValue("to", c.to())
                    .log("cluster: the recomputed rollup buckets could not be appended to the log within "
                            + retryBound + " (3 x cluster.produce-timeout), nor marked stale again in the store; "
                            + "they are stored, but the live tables of the nodes keep their older values until a "
                            + "later commit covers these buckets");
            return e;
        }
        LOG.atError().setCause(e).addKeyValue("tenant", c.id().tenant().value()).addKeyValue("rollup", c.id().name())
                .addKeyValue("from", c.from()).addKeyValue("to", c.to())
                .log("cluster: the recomputed rollup buckets could not be appended to the log within " + retryBound
                        + " (3 x cluster.produce-timeout); their range is marked stale again and will be recomputed "
                        + "and appended by the next rollup run");
        return e;
    }

    /** Reads the committed range back once and appends it; nothing when the range holds no rows. */
    private void append(RollupCommit c) {
        TenantId tenant = c.id().tenant();
        String name = c.plan().definition().name();
        Optional<ArchiveInfo> a = store.archives().archive(tenant, name);
        if (a.isEmpty() || !a.get().definition().isRollup()) {
            return; // deleted since: its ARCHIVE record ends the live queries on it
        }
        ArchiveDefinition view = ArchiveSync.readerView(a.get().definition());
        // Pages may overlap where one ends: the last row per (timestamp, rtId) stands for it.
        Map<List<Object>, Sample> rows = new LinkedHashMap<>();
        readBack.read(tenant, view, c.plan(), c.from(), c.to(),
                page -> page.forEach(s -> rows.put(List.of(s.timestamp(), s.rtId()), s)));
        if (rows.isEmpty()) {
            return;
        }
        int pieces = cluster.appendRollup(tenant, view, a.get().version(), c.from(), c.to(),
                new ArrayList<>(rows.values()));
        records.increment(pieces);
        LOG.atDebug().addKeyValue("tenant", tenant.value()).addKeyValue("rollup", name).addKeyValue("from", c.from())
                .addKeyValue("to", c.to()).addKeyValue("rows", rows.size()).addKeyValue("records", pieces)
                .log("cluster: committed rollup buckets appended to the log");
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
