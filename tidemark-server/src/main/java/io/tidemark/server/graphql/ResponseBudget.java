package io.tidemark.server.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rows one GraphQL response may still hold ({@code graphql.max-response-rows}), across all its fields: stream
 * data rows, audit entries, archives and rollups. A data fetcher asks how many rows it may read before it reads
 * ({@link #available}) and takes what it got ({@link #take}), so a response over the bound is refused while it is
 * built, with {@code RESPONSE_TOO_LARGE}, never after. One per request, in its GraphQL context. Thread-safe.
 */
final class ResponseBudget {
    private final long max;
    private final AtomicLong left;

    ResponseBudget(long max) {
        this.max = max;
        this.left = new AtomicLong(max);
    }

    static ResponseBudget of(DataFetchingEnvironment env) {
        ResponseBudget b = env.getGraphQlContext().get(ResponseBudget.class);
        return b == null ? new ResponseBudget(Long.MAX_VALUE) : b;
    }

    /** Rows a fetcher may read to learn whether it fits: what is left, plus one. */
    int available(int wanted) {
        return (int) Math.max(1, Math.min(wanted, Math.min(Integer.MAX_VALUE - 1L, left.get()) + 1));
    }

    /**
     * Takes {@code rows} from the budget.
     *
     * @throws TidemarkException {@code RESPONSE_TOO_LARGE} when they do not fit
     */
    void take(long rows) {
        if (left.addAndGet(-rows) < 0) {
            throw new TidemarkException(ErrorCode.RESPONSE_TOO_LARGE, "the response would hold more than " + max
                    + " rows (graphql.max-response-rows); ask for fewer rows per request (smaller limit, fewer "
                    + "aliased fields) and page with after:");
        }
    }
}
