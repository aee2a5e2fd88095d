package io.tidemark.client;

/**
 * A live query's status, from the server's {@code queryStatus} frame (docs/live-protocol.md). {@code STALE}: the
 * result misses data the server's live tables could not take ({@link #code()} says why, e.g.
 * {@code MEMORY_BUDGET_EXCEEDED}); rows keep coming, but the result is not the query's answer until the status is
 * {@code OK} again. Holds as of the {@code aggMarkEnd} of the generation it came in.
 *
 * @param state {@code "OK"} or {@code "STALE"} (a string, so a newer server's states reach an older client)
 * @param code a stable code for STALE; null for OK
 * @param message what happened and what to do; null for OK
 */
public record QueryStatus(String state, String code, String message) {
    public static final String OK = "OK";
    public static final String STALE = "STALE";

    /** Whether the result is known not to equal the query. */
    public boolean isStale() {
        return !OK.equals(state);
    }
}
