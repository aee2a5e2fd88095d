package io.tidemark.live;

import java.util.List;

/**
 * A query's result evaluated once over the live tables as they were at one instant: what {@link LiveEngine#snapshot}
 * answers.
 *
 * @param schema the result's shape, as {@link LiveEngine#validate} gives it
 * @param rows the result rows; in the ORDER BY order when {@link QuerySchema#ordered()}, otherwise in no particular
 *     order; unmodifiable
 */
public record LiveSnapshot(QuerySchema schema, List<Tuple> rows) {
    public LiveSnapshot {
        rows = List.copyOf(rows);
    }
}
