package io.tidemark.core;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a rollup cuts time into buckets: a {@link FixedBucket fixed width} aligned to the Unix epoch, or a
 * {@link CalendarBucket calendar unit} in an IANA time zone. Boundaries are computed with {@code java.time}
 * and are DST-correct.
 *
 * <p>A bucket is the half-open interval {@code [floor(t), next(floor(t)))}.
 */
public sealed interface Bucket permits FixedBucket, CalendarBucket {

    /** The start of the bucket holding {@code t}. */
    Instant floor(Instant t);

    /** The boundary after {@code boundary}; {@code boundary} must be a bucket start. */
    Instant next(Instant boundary);

    /** The smallest boundary not before {@code t}. */
    default Instant ceil(Instant t) {
        Instant f = floor(t);
        return f.equals(t) ? f : next(f);
    }

    default boolean isBoundary(Instant t) {
        return floor(t).equals(t);
    }

    /**
     * The boundaries from {@code from} (a boundary) up to {@code to}, both included when {@code to} is a boundary,
     * at most {@code max + 1} of them (so at most {@code max} buckets).
     */
    default List<Instant> boundaries(Instant from, Instant to, int max) {
        List<Instant> out = new ArrayList<>();
        Instant b = floor(from);
        out.add(b);
        while (b.isBefore(to) && out.size() <= max) {
            b = next(b);
            out.add(b);
        }
        return out;
    }

    /** The number of buckets in {@code [from, to)} where both are boundaries. */
    default long countBuckets(Instant from, Instant to) {
        long n = 0;
        for (Instant b = from; b.isBefore(to); b = next(b)) {
            n++;
        }
        return n;
    }

    /** The text form: an ISO-8601 duration ({@code PT1M}) or {@code UNIT@Zone} ({@code DAY@Europe/Vienna}). */
    String spec();

    /**
     * Parses {@link #spec()}'s form, or a calendar unit with a separate zone.
     *
     * @param text an ISO-8601 duration or a calendar unit name
     * @param zone the IANA zone for calendar units; ignored (may be null) for fixed widths; default UTC
     * @throws TidemarkException {@link ErrorCode#INVALID_BUCKET} or {@link ErrorCode#UNKNOWN_TIME_ZONE}
     */
    static Bucket parse(String text, String zone) {
        if (text == null || text.isBlank()) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "bucket is missing: give an ISO-8601 duration "
                    + "from PT1S to P7D, or one of DAY, ISO_WEEK, MONTH, QUARTER, YEAR with a time zone");
        }
        int at = text.indexOf('@');
        if (at > 0) {
            String zonePart = text.substring(at + 1);
            if (zonePart.isBlank()) {
                throw new TidemarkException(ErrorCode.UNKNOWN_TIME_ZONE, "bucket '" + text
                        + "' names no time zone after '@': write e.g. DAY@Europe/Vienna, or leave out '@' for UTC");
            }
            return parse(text.substring(0, at), zonePart);
        }
        CalendarUnit unit = CalendarUnit.find(text);
        if (unit != null) {
            return new CalendarBucket(unit, zoneOf(zone));
        }
        if (zone != null && !zone.isBlank()) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "bucket '" + text + "' has time zone '" + zone
                    + "', but fixed widths are aligned to the Unix epoch; a time zone goes only with DAY, ISO_WEEK, "
                    + "MONTH, QUARTER or YEAR");
        }
        try {
            return new FixedBucket(Duration.parse(text));
        } catch (DateTimeParseException e) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "invalid bucket '" + text
                    + "': give an ISO-8601 duration from PT1S to P7D (e.g. PT1M, PT1H, P1D), or one of "
                    + "DAY, ISO_WEEK, MONTH, QUARTER, YEAR");
        }
    }

    static Bucket parse(String spec) {
        return parse(spec, null);
    }

    private static ZoneId zoneOf(String zone) {
        if (zone == null || zone.isBlank()) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new TidemarkException(ErrorCode.UNKNOWN_TIME_ZONE,
                    "unknown time zone '" + zone + "': use an IANA zone id such as Europe/Vienna or UTC");
        }
    }
}
