package io.tidemark.server.sql;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The SQL endpoint's meters: {@code tidemark.sql.statements} by outcome ({@code ok}, {@code refused} — the guard said
 * no —, {@code cancelled} — a cancel or the statement timeout —, {@code error}), {@code tidemark.sql.rows} sent,
 * {@code tidemark.sql.errors} by SQLSTATE; {@code tidemark.sql.connections} is a gauge the endpoint registers.
 * Thread-safe.
 */
final class SqlMetrics {
    static final String STATEMENTS = "tidemark.sql.statements";
    static final String ROWS = "tidemark.sql.rows";
    static final String ERRORS = "tidemark.sql.errors";
    static final String CONNECTIONS = "tidemark.sql.connections";

    private final MeterRegistry meters;

    SqlMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void ok(long rows) {
        meters.counter(STATEMENTS, "outcome", "ok").increment();
        if (rows > 0) {
            meters.counter(ROWS).increment(rows);
        }
    }

    /** A statement (or its description) that failed with {@code sqlState}, after {@code rows} rows were sent. */
    void failed(String sqlState, boolean refused, long rows) {
        String outcome = refused ? "refused" : SqlErrors.QUERY_CANCELED.equals(sqlState) ? "cancelled" : "error";
        meters.counter(STATEMENTS, "outcome", outcome).increment();
        meters.counter(ERRORS, "sqlstate", sqlState).increment();
        if (rows > 0) {
            meters.counter(ROWS).increment(rows);
        }
    }
}
