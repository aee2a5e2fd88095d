package io.tidemark.live;

import java.util.Objects;

/**
 * Whether a live query's result, as delivered, equals the query over the tenant's data. {@link State#OK} is the
 * normal state; {@link State#STALE} says the result misses data the live tables could not take (for now only
 * {@link #MEMORY_BUDGET_EXCEEDED}): it is still maintained and delivered, but is not the query's answer until the
 * status turns {@code OK} again. Sent through {@link LiveListener#queryStatusChanged} at a generation: the status
 * holds as of that generation's {@code aggMarkEnd}.
 *
 * @param code a stable code ({@link #MEMORY_BUDGET_EXCEEDED}); null for OK
 * @param message what happened and what to do, for a person; null for OK
 */
public record QueryStatus(State state, String code, String message) {
    /** The status code of a result that misses batches the live memory budget could not hold. */
    public static final String MEMORY_BUDGET_EXCEEDED = "MEMORY_BUDGET_EXCEEDED";
    /** The result equals the query. */
    public static final QueryStatus OK = new QueryStatus(State.OK, null, null);

    /** The two states; sent on the wire by name. */
    public enum State {
        /** The result equals the query over the tenant's data. */
        OK,
        /** The result misses data; see the code and message. */
        STALE
    }

    public QueryStatus {
        Objects.requireNonNull(state, "state");
    }

    /** A STALE status. */
    public static QueryStatus stale(String code, String message) {
        return new QueryStatus(State.STALE, Objects.requireNonNull(code, "code"), message);
    }

    public boolean isStale() {
        return state == State.STALE;
    }
}
