package io.tidemark.server.sql;

import io.tidemark.sql.SqlException;
import io.tidemark.store.SqlCancel;
import io.tidemark.store.SqlStatementException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One statement from its start until its cursor closes: the cancel switch (a client's cancel and the statement timeout
 * both pull it), the tenant's statement slot it holds, and its outcome for the metrics, recorded once.
 *
 * <p>Threading: made and finished by the connection's thread; {@link #cancel()} and the timeout run on others.
 */
final class RunningStatement {
    final SqlCancel cancel = new SqlCancel();
    private final Duration timeout;
    /** Frees the tenant's slot and forgets the statement in its session. */
    private final Runnable releaseSlot;
    private final SqlMetrics metrics;
    private final ScheduledFuture<?> timer;
    private volatile boolean timedOut;
    private String failedState;
    private boolean refused;
    private boolean finished;

    RunningStatement(Duration timeout, ScheduledExecutorService timers, Runnable releaseSlot, SqlMetrics metrics) {
        this.timeout = timeout;
        this.releaseSlot = releaseSlot;
        this.metrics = metrics;
        this.timer = timers.schedule(() -> {
            timedOut = true;
            cancel.cancel();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A client's CancelRequest. */
    void cancel() {
        cancel.cancel();
    }

    /** Whether a cancel or the timeout stopped it; the cursor then reports 57014 whatever the engine said. */
    boolean stopped() {
        return cancel.isCancelled();
    }

    /** The error the client sees for a store failure, recorded as this statement's outcome. */
    SqlException fail(SqlStatementException e) {
        if (stopped()) {
            return fail(SqlErrors.cancelled(timedOut, timeout, e));
        }
        // A 57014 nobody here asked for is the engine's own timeout (PostgreSQL's statement_timeout, DuckDB's query
        // timeout), which the store sets to the same sql.statement-timeout.
        return fail(SqlErrors.of(e, SqlErrors.QUERY_CANCELED.equals(e.sqlState()), timeout));
    }

    /** Records {@code e} as this statement's outcome (the first failure counts) and answers it. */
    SqlException fail(SqlException e) {
        if (failedState == null) {
            failedState = e.sqlState();
        }
        return e;
    }

    /** Marks the outcome as a refusal by the guard (for the metrics). */
    SqlException refuse(SqlException e) {
        refused = true;
        return fail(e);
    }

    /** Ends the statement: stops the timer, frees the slot, counts the outcome. Idempotent. */
    void finish(long rows) {
        if (finished) {
            return;
        }
        finished = true;
        timer.cancel(false);
        releaseSlot.run();
        if (failedState == null) {
            metrics.ok(rows);
        } else {
            metrics.failed(failedState, refused, rows);
        }
    }
}
