package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.List;

/**
 * A read of stream data: rows of {@code archive} with {@code from ≤ timestamp < to}, of the given rtIds (all when
 * empty), ordered by timestamp then rtId, at most {@code limit}; when {@code after} is given, only the rows whose
 * (timestamp, rtId) key comes after it in that order (keyset paging: stable while rows are added, because a row's
 * key never changes).
 *
 * @param after the key of the last row of the previous page; null for the first page
 */
public record ReadRequest(String archive, List<String> rtIds, Instant from, Instant to, int limit, Key after) {
    public static final int MAX_LIMIT = 1_000_000;

    /** A row's key in read order: timestamp, then rtId. */
    public record Key(Instant timestamp, String rtId) {
        public Key {
            java.util.Objects.requireNonNull(timestamp, "timestamp");
            java.util.Objects.requireNonNull(rtId, "rtId");
        }
    }

    /** The first page. */
    public ReadRequest(String archive, List<String> rtIds, Instant from, Instant to, int limit) {
        this(archive, rtIds, from, to, limit, null);
    }

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
