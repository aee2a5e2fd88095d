package io.tidemark.core;

import java.util.Objects;

/**
 * One aggregate of a rollup: {@code function(column) AS as}. {@code column} is null only for {@code COUNT(*)}.
 * When the rollup's source is itself a rollup, {@code column} names an aggregate ({@code as}) of that source.
 */
public record Aggregation(AggregateFunction function, String column, String as) {
    public Aggregation {
        Objects.requireNonNull(function, "function");
        Names.requireColumn(as);
        if (column == null && function != AggregateFunction.COUNT) {
            throw new TidemarkException(ErrorCode.INVALID_AGGREGATION,
                    "aggregation '" + as + "': " + function + " needs a column; only COUNT may omit it (COUNT(*))");
        }
    }

    public static Aggregation of(AggregateFunction function, String column, String as) {
        return new Aggregation(function, column, as);
    }

    public static Aggregation countAll(String as) {
        return new Aggregation(AggregateFunction.COUNT, null, as);
    }

    @Override
    public String toString() {
        return function + "(" + (column == null ? "*" : column) + ") AS " + as;
    }
}
