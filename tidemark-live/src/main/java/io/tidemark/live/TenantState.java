package io.tidemark.live;

import io.tidemark.core.TenantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/** One tenant's live state: tables, shared operators, subscribers and the generation clock. */
final class TenantState {
    /**
     * The log time of a tenant not cut yet: the beginning of time, so every applied row stays in {@code recent} and
     * every time window admits it until the first cut applies its {@code asOf}. Far enough from {@link Long#MIN_VALUE}
     * that subtracting a window or an interval cannot overflow.
     */
    static final long NO_LOG_TIME = Long.MIN_VALUE / 4;

    final TenantId id;
    /** Taken by ingest, the cut and registration: a batch is wholly in or out of a generation. */
    final ReentrantLock lock = new ReentrantLock();
    final Map<String, LiveTables> archives = new HashMap<>();
    /** Operators by {@link Plan#shareKey()}: queries with the same plan share one. */
    final Map<String, Operator> operators = new LinkedHashMap<>();
    /** Failed operators replaced by a new registration of the same plan; their queries still hear of the failure. */
    final List<Operator> replacedFailures = new ArrayList<>();
    final List<OutboxSubscription> subscriptions = new ArrayList<>();
    volatile long generation = LiveEngine.NO_GENERATION;
    /**
     * Log-time mode only: the greatest number passed to {@code cut(tenant, generation, asOf)}, whether or not it cut a
     * generation; the next cut must be above it.
     */
    long lastCut = LiveEngine.NO_GENERATION;
    /**
     * Log-time mode only: the tenant's clock, the greatest {@code asOf} of its cuts, in micros;
     * {@link #NO_LOG_TIME} before its first cut.
     */
    long logMicros = NO_LOG_TIME;
    /** Something may have changed since the last cut. */
    boolean changed;

    TenantState(TenantId id) {
        this.id = id;
    }

    long bytes() {
        long b = 0;
        for (LiveTables t : archives.values()) {
            b += t.bytes;
        }
        return b;
    }
}
