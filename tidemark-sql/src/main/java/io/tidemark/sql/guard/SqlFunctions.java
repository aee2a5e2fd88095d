package io.tidemark.sql.guard;

import java.util.List;
import java.util.Set;

/**
 * How the engine computes Tidemark SQL's time functions, so that one query means the same on every engine. The guard
 * recognises each function (and {@code AT TIME ZONE}, {@code EXTRACT}, {@code now()}) in a query, rewrites its
 * arguments, and replaces the call with the text the store renders here; the guard never writes engine-specific SQL
 * itself (as {@link Relations} for table names).
 *
 * <p><b>The model.</b> Every timestamp in Tidemark SQL is an instant written as a UTC {@code TIMESTAMP} (the archives'
 * {@code timestamp} column is stored so, and {@code now()} answers so); the wire presents it as {@code timestamptz}.
 * A <em>wall-clock</em> timestamp is the local date and time in some zone, what {@code ts AT TIME ZONE zone} answers.
 * Every argument is the engine text of an already rewritten expression, to be used as an operand (parenthesise it);
 * a rendering may repeat an argument, and must itself be an operand (a call, or parenthesised), since it replaces the
 * call in its parent as written. Implementations must be pure and thread-safe. The meanings, in
 * docs/sql.md "Time functions":
 *
 * <ul>
 *   <li>{@link #dateTrunc}: {@code date_trunc(unit, ts)} in UTC; {@code date_trunc(unit, ts, zone)} in the zone's
 *       wall clock (PostgreSQL's meaning for {@code timestamptz}): units below a day keep the instant's UTC offset,
 *       a day and above start at the zone's local midnight;
 *   <li>{@link #dateBin}: {@code date_bin(stride, ts, origin)}, the start of the stride-wide bin counted from origin
 *       (before the origin too), a stride without months;
 *   <li>{@link #timeBucket}: {@code time_bucket(width, ts [, origin])}, DuckDB's and TimescaleDB's: the default
 *       origin is Monday 2000-01-03 for widths without months and 2000-01-01 for widths of whole months, where
 *       buckets start on the first of a month (the origin's month counts, its day is ignored);
 *   <li>{@link #atTimeZone} / {@link #wallClockToInstant}: {@code ts AT TIME ZONE zone} (instant to wall clock) and
 *       its inverse, applied alternately in a chain ({@code ts AT TIME ZONE a AT TIME ZONE b});
 *   <li>{@link #extract}: {@code EXTRACT(field FROM x)} and {@code date_part('field', x)}, fields of
 *       {@link #DOUBLE_FIELDS} as double precision (with the fraction of a second), the others as bigint;
 *   <li>{@link #now}: {@code now()} and {@code CURRENT_TIMESTAMP}, the transaction's start as a UTC timestamp;
 *   <li>{@link #toTimestamp}: {@code to_timestamp(seconds)}, seconds since the epoch as a UTC timestamp.
 * </ul>
 */
public interface SqlFunctions {

    /** The units {@code date_trunc} takes, lower case, as both engines spell them. */
    List<String> DATE_TRUNC_UNITS = List.of("microseconds", "milliseconds", "second", "minute", "hour", "day", "week",
            "month", "quarter", "year", "decade", "century", "millennium");

    /** The units of {@link #DATE_TRUNC_UNITS} below a day, which keep the instant's UTC offset in a zone. */
    Set<String> SUB_DAY_UNITS = Set.of("microseconds", "milliseconds", "second", "minute", "hour");

    /** The fields {@code EXTRACT} takes (canonical names, lower case). */
    List<String> EXTRACT_FIELDS = List.of("epoch", "year", "isoyear", "quarter", "month", "week", "day", "doy", "dow",
            "isodow", "hour", "minute", "second", "milliseconds", "microseconds", "decade", "century", "millennium");

    /** The fields of {@link #EXTRACT_FIELDS} answered as double precision; the others are bigint. */
    Set<String> DOUBLE_FIELDS = Set.of("epoch", "second", "milliseconds");

    /**
     * {@code date_trunc(unit, ts [, zone])}.
     *
     * @param unit one of {@link #DATE_TRUNC_UNITS}
     * @param zone null for UTC
     */
    String dateTrunc(String unit, String ts, String zone);

    /** {@code date_bin(stride, ts, origin)}. */
    String dateBin(String stride, String ts, String origin);

    /**
     * {@code time_bucket(width, ts [, origin])}.
     *
     * @param origin null for the default origin
     */
    String timeBucket(String width, String ts, String origin);

    /** {@code ts AT TIME ZONE zone} for an instant: its wall clock in the zone. */
    String atTimeZone(String ts, String zone);

    /** {@code wall AT TIME ZONE zone} for a wall-clock timestamp: the instant it is in the zone. */
    String wallClockToInstant(String wall, String zone);

    /**
     * {@code EXTRACT(field FROM x)}.
     *
     * @param field one of {@link #EXTRACT_FIELDS}
     */
    String extract(String field, String x);

    /** {@code now()}. */
    String now();

    /** {@code to_timestamp(seconds)}. */
    String toTimestamp(String seconds);

    /**
     * The functions as the client wrote them (the guard's behaviour without a store; {@code AT TIME ZONE} unparenthesised,
     * as written): a query then means what the engine it runs on makes of it. For tests of the guard alone.
     */
    SqlFunctions AS_WRITTEN = new SqlFunctions() {
        @Override
        public String dateTrunc(String unit, String ts, String zone) {
            return "date_trunc('" + unit + "', " + ts + (zone == null ? "" : ", " + zone) + ")";
        }

        @Override
        public String dateBin(String stride, String ts, String origin) {
            return "date_bin(" + stride + ", " + ts + ", " + origin + ")";
        }

        @Override
        public String timeBucket(String width, String ts, String origin) {
            return "time_bucket(" + width + ", " + ts + (origin == null ? "" : ", " + origin) + ")";
        }

        @Override
        public String atTimeZone(String ts, String zone) {
            return ts + " AT TIME ZONE " + zone;
        }

        @Override
        public String wallClockToInstant(String wall, String zone) {
            return wall + " AT TIME ZONE " + zone;
        }

        @Override
        public String extract(String field, String x) {
            return "EXTRACT(" + field + " FROM " + x + ")";
        }

        @Override
        public String now() {
            return "now()";
        }

        @Override
        public String toTimestamp(String seconds) {
            return "to_timestamp(" + seconds + ")";
        }
    };
}
