package io.tidemark.core;

import java.util.Objects;

/**
 * One stored column of a rollup archive and how a store computes it from its source in one GROUP BY. A store's
 * dialect renders each {@link Op}; the model never carries SQL.
 *
 * @param column the stored column
 * @param type its type
 * @param op the aggregate the store computes
 * @param input the source column it reads (null for {@link Op#COUNT_ROWS})
 * @param order for FIRST / LAST: the source column whose minimum / maximum picks the row ({@code timestamp} on a
 *     raw source, the stored {@code __ts} partial on a rollup source); null otherwise
 */
public record Partial(String column, ColumnType type, Op op, String input, String order) {

    /** The aggregates a store must render. Every one ignores rows where {@code input} is null. */
    public enum Op {
        /** {@code count(*)}. */
        COUNT_ROWS,
        /** {@code count(input)}. */
        COUNT,
        /** {@code sum(input)}, cast to the partial's type. */
        SUM,
        MIN,
        MAX,
        /** The value of {@code input} at the smallest {@code order} among rows where it is not null. */
        FIRST_VALUE,
        /** The value of {@code input} at the largest {@code order} among rows where it is not null. */
        LAST_VALUE,
        /** The smallest {@code order} among rows where {@code input} is not null. */
        FIRST_TIME,
        /** The largest {@code order} among rows where {@code input} is not null. */
        LAST_TIME
    }

    public Partial {
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(op, "op");
    }

    public Column asColumn() {
        return new Column(column, type);
    }
}
