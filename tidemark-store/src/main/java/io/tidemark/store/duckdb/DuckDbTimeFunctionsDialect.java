package io.tidemark.store.duckdb;

import io.tidemark.store.jdbc.TimeFunctionsDialect;

/** DuckDB's differences in Tidemark SQL's time functions. */
final class DuckDbTimeFunctionsDialect extends TimeFunctionsDialect {
    static final DuckDbTimeFunctionsDialect INSTANCE = new DuckDbTimeFunctionsDialect();

    private DuckDbTimeFunctionsDialect() {}

    /** TRUNC_TYPE: DuckDB answers a {@code DATE} for units of a day and above. */
    @Override
    protected String truncate(String unit, String ts) {
        return "CAST(date_trunc('" + unit + "', " + ts + ") AS TIMESTAMP)";
    }

    /** BUCKET_FUNCTION: DuckDB has no {@code date_bin}; {@code time_bucket} with an origin is the same bin. */
    @Override
    public String dateBin(String stride, String ts, String origin) {
        return "time_bucket(" + interval(stride) + ", " + timestamp(ts) + ", " + timestamp(origin) + ")";
    }

    /** BUCKET_FUNCTION: DuckDB's own {@code time_bucket}, whose default origins are the documented ones. */
    @Override
    public String timeBucket(String width, String ts, String origin) {
        return "time_bucket(" + interval(width) + ", " + timestamp(ts) + (origin == null ? "" : ", "
                + timestamp(origin)) + ")";
    }

    /**
     * EXTRACT_TYPES: DuckDB answers {@code second} and {@code milliseconds} as whole numbers; the fraction comes from
     * {@code microseconds} (which counts the seconds of the minute too, as on PostgreSQL).
     */
    @Override
    public String extract(String field, String x) {
        return switch (field) {
            case "second" -> "(CAST(extract(microseconds FROM " + x + ") AS DOUBLE) / 1000000)";
            case "milliseconds" -> "(CAST(extract(microseconds FROM " + x + ") AS DOUBLE) / 1000)";
            case "epoch" -> "CAST(extract(epoch FROM " + x + ") AS DOUBLE)";
            default -> "CAST(extract(" + field + " FROM " + x + ") AS BIGINT)";
        };
    }
}
