package io.tidemark.core;

/**
 * The aggregate functions of rollups. FIRST and LAST take the value at the earliest / latest timestamp in the
 * bucket among rows where the column is not null; every function ignores nulls, as SQL aggregates do.
 */
public enum AggregateFunction {
    COUNT,
    SUM,
    MIN,
    MAX,
    AVG,
    FIRST,
    LAST;

    /** Whether this function may aggregate a raw column of type {@code t}. */
    public boolean accepts(ColumnType t) {
        return switch (this) {
            case COUNT, FIRST, LAST -> true;
            case SUM, AVG -> t.isNumeric();
            case MIN, MAX -> t.isNumeric() || t == ColumnType.VARCHAR;
        };
    }

    public static AggregateFunction parse(String text) {
        for (AggregateFunction f : values()) {
            if (f.name().equalsIgnoreCase(text)) {
                return f;
            }
        }
        throw new TidemarkException(ErrorCode.INVALID_AGGREGATION,
                "unknown aggregate function '" + text + "': use COUNT, SUM, MIN, MAX, AVG, FIRST or LAST");
    }
}
