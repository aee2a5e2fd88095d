package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.List;

/**
 * A read of stream data: rows of {@code archive} with {@code from ≤ timestamp < to}, of the given rtIds (all when
 * empty), ordered by timestamp then rtId, at most {@code limit}.
 */
public record ReadRequest(String archive, List<String> rtIds, Instant from, Instant to, int limit) {
    public static final int MAX_LIMIT = 1_000_000;

    public ReadRequest {
        rtIds = List.copyOf(rtIds);
        if (from == null || to == null || !from.isBefore(to)) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "read of '" + archive + "': need from < to, got from=" + from + ", to=" + to);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "read of '" + archive + "': limit must be 1.." + MAX_LIMIT + ", got " + limit);
        }
    }
}
