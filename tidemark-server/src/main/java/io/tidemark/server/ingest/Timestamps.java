package io.tidemark.server.ingest;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Timestamp forms shared by both body formats; the plain UTC form is read first by
 * {@link io.tidemark.server.ingest.fast.PlainIso}.
 */
final class Timestamps {
    private Timestamps() {}

    /**
     * An ISO-8601 instant ({@code 2025-01-01T00:00:00.123456Z}, or with an offset), at most microsecond precision.
     *
     * @throws IllegalArgumentException with the reason
     */
    static Instant isoTimestamp(String text) {
        Instant t;
        try {
            t = Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                t = OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("timestamp '" + shortened(text) + "' is neither ISO-8601 "
                        + "(2025-01-01T00:00:00.123456Z) nor epoch milliseconds");
            }
        }
        return micros(t);
    }

    static Instant epochMillis(long millis) {
        return Instant.ofEpochMilli(millis);
    }

    private static Instant micros(Instant t) {
        if (t.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("timestamp " + t + " is more precise than a microsecond");
        }
        return t;
    }

    /** A field as error messages quote it: at most 40 characters (timestamps and the other fields of a row). */
    static String shortened(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
