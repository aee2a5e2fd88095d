package io.tidemark.store;

/**
 * A cancel switch for one {@link TenantSql} statement that works before its cursor exists: the caller makes one, passes
 * it to {@link TenantSql#query(TenantId, SqlQuery, SqlCancel)} or {@link TenantSql#describe}, and may call
 * {@link #cancel()} from any thread at any time — while the engine is still executing (DuckDB runs the whole statement
 * before the first row), while rows stream, or before the statement started (it then fails at once with 57014).
 *
 * <p>Thread-safe. One switch serves one statement; a cancel is final.
 */
public final class SqlCancel {
    private Runnable action;
    private boolean cancelled;

    /** Stops the statement as soon as the engine allows; idempotent, never throws. */
    public void cancel() {
        Runnable a;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            a = action;
        }
        if (a != null) {
            a.run();
        }
    }

    /** Whether {@link #cancel()} was called. */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Called by the store: {@code stop} is what cancelling means now (e.g. {@code Statement::cancel}); run at once when
     * already cancelled. {@code stop} must not throw and must not block long.
     */
    public void onCancel(Runnable stop) {
        boolean now;
        synchronized (this) {
            action = stop;
            now = cancelled;
        }
        if (now) {
            stop.run();
        }
    }
}
