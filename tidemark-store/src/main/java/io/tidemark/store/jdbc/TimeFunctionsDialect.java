package io.tidemark.store.jdbc;

import io.tidemark.sql.guard.SqlFunctions;

/**
 * Renders Tidemark SQL's time functions ({@link SqlFunctions}, meanings in docs/sql.md "Time functions") for an engine
 * whose timestamps are stored as UTC {@code TIMESTAMP}s: standard SQL and PostgreSQL here, an engine's subclass
 * overriding only where it differs (each such part named below). Every answer is one operand: a call or a
 * parenthesised expression. Both engines read {@code AT TIME ZONE} alike on a {@code TIMESTAMP} (a wall clock to an
 * instant) and on a {@code TIMESTAMP WITH TIME ZONE} (an instant to a wall clock), resolving a wall-clock time that a
 * DST change skips or repeats as the zone's standard time; the renderings go through UTC explicitly, so the session's
 * time zone never matters.
 */
public class TimeFunctionsDialect implements SqlFunctions {
    /** The standard (PostgreSQL) rendering. */
    public static final TimeFunctionsDialect STANDARD = new TimeFunctionsDialect();

    /** TimescaleDB's and DuckDB's default origin of {@code time_bucket} for widths without months: a Monday. */
    protected static final String DEFAULT_ORIGIN = "TIMESTAMP '2000-01-03 00:00:00'";
    /** The default origin of {@code time_bucket} for widths of whole months. */
    protected static final String DEFAULT_MONTH_ORIGIN = "TIMESTAMP '2000-01-01 00:00:00'";

    protected TimeFunctionsDialect() {}

    @Override
    public String dateTrunc(String unit, String ts, String zone) {
        if (zone == null) {
            return truncate(unit, ts);
        }
        String wall = atTimeZone(ts, zone);
        if (SUB_DAY_UNITS.contains(unit)) {
            // the instant keeps its UTC offset (PostgreSQL does not resolve the zone again below a day)
            return "((" + ts + ") + (" + truncate(unit, wall) + " - " + wall + "))";
        }
        return wallClockToInstant(truncate(unit, wall), zone);
    }

    /** TRUNC_TYPE: {@code date_trunc} of a {@code TIMESTAMP}, answered as a {@code TIMESTAMP}. */
    protected String truncate(String unit, String ts) {
        return "date_trunc('" + unit + "', " + ts + ")";
    }

    /** BUCKET_FUNCTION: {@code date_bin} (PostgreSQL 14+). */
    @Override
    public String dateBin(String stride, String ts, String origin) {
        return "date_bin(" + interval(stride) + ", " + timestamp(ts) + ", " + timestamp(origin) + ")";
    }

    /**
     * BUCKET_FUNCTION: PostgreSQL has no {@code time_bucket} without TimescaleDB: {@code date_bin} for widths without
     * months, and month arithmetic for widths of whole months (buckets start on the first of a month, counted from the
     * origin's month). The {@code CASE} on the width is folded away when the width is a constant.
     */
    @Override
    public String timeBucket(String width, String ts, String origin) {
        String w = interval(width);
        String t = timestamp(ts);
        String monthOrigin = origin == null ? DEFAULT_MONTH_ORIGIN : timestamp(origin);
        String widthMonths = months(w);
        return "(CASE WHEN " + widthMonths + " = 0 THEN date_bin(" + w + ", " + t + ", "
                + (origin == null ? DEFAULT_ORIGIN : timestamp(origin)) + ") ELSE date_trunc('month', " + monthOrigin
                + ") + make_interval(months => CAST(floor((" + months(t) + " - " + months(monthOrigin) + ") / "
                + widthMonths + ") * " + widthMonths + " AS INTEGER)) END)";
    }

    @Override
    public String atTimeZone(String ts, String zone) {
        return "(((" + ts + ") AT TIME ZONE 'UTC') AT TIME ZONE (" + zone + "))";
    }

    @Override
    public String wallClockToInstant(String wall, String zone) {
        return "(((" + wall + ") AT TIME ZONE (" + zone + ")) AT TIME ZONE 'UTC')";
    }

    /** EXTRACT_TYPES: PostgreSQL answers numeric; cast to the documented type. */
    @Override
    public String extract(String field, String x) {
        return "CAST(extract(" + field + " FROM " + x + ") AS " + (DOUBLE_FIELDS.contains(field)
                ? "DOUBLE PRECISION" : "BIGINT") + ")";
    }

    @Override
    public String now() {
        return "(now() AT TIME ZONE 'UTC')";
    }

    @Override
    public String toTimestamp(String seconds) {
        return "(to_timestamp(" + seconds + ") AT TIME ZONE 'UTC')";
    }

    protected static String interval(String x) {
        return "CAST(" + x + " AS INTERVAL)";
    }

    protected static String timestamp(String x) {
        return "CAST(" + x + " AS TIMESTAMP)";
    }

    /** The whole months of a timestamp since year 0, or of an interval. */
    private static String months(String x) {
        return "(extract(year FROM " + x + ") * 12 + extract(month FROM " + x + "))";
    }
}
