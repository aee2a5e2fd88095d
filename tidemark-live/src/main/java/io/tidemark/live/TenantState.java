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
