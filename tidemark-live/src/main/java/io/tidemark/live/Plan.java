package io.tidemark.live;

import io.tidemark.core.ColumnType;
import java.util.List;

/**
 * A compiled query. Source rows are {@code Object[]} cells laid out as {@code [rtId, timestamp micros, columns…]};
 * an aggregate's group row is {@code [group keys…, aggregate results…]}.
 *
 * @param shareKey equal for queries that can share one operator (same table, same normalized SQL)
 * @param latest true for {@code latest.<archive>}, false for {@code recent.<archive>}
 * @param where the row predicate without the time window; null for none
 * @param window the time window, or null
 * @param projections row query: output expressions over the source row; aggregate query: over the group row
 * @param groupBy aggregate query: the key expressions over the source row; null for a row query
 * @param aggregates aggregate query: the aggregate calls; empty for a row query
 * @param having over the group row; null for none
 * @param orderBy over the source row (row query) or the group row (aggregate query); empty unless limit ≥ 0
 * @param limit the LIMIT, or -1 for none
 */
record Plan(String shareKey, String archive, boolean latest, Expr where, Window window, List<Expr> projections,
        List<Expr> groupBy, List<Aggregate> aggregates, Expr having, List<OrderKey> orderBy, long limit,
        QuerySchema schema) {

    boolean isAggregate() {
        return groupBy != null;
    }

    boolean hasLimit() {
        return limit >= 0;
    }

    /** {@code timestamp > now() - width} (or {@code >=} when inclusive). */
    record Window(long widthMicros, boolean inclusive) {
        /**
         * The smallest timestamp a row may have to be inside the window at {@code nowMicros}; saturates at
         * {@link Long#MIN_VALUE} (every row) when the width reaches past it: a wide interval at a log-time tenant's
         * clock before its first cut, which is far in the past.
         */
        long minMicros(long nowMicros) {
            long from = nowMicros < Long.MIN_VALUE + widthMicros ? Long.MIN_VALUE : nowMicros - widthMicros;
            return from + (inclusive ? 0 : 1);
        }
    }

    enum Function { COUNT_STAR, COUNT, SUM, MIN, MAX, AVG }

    /** An aggregate call; {@code argument} is null for COUNT(*), {@code filter} null without FILTER. */
    record Aggregate(Function function, Expr argument, Expr filter, ColumnType type) {}

    record OrderKey(Expr expr, boolean descending, boolean nullsFirst) {}
}
