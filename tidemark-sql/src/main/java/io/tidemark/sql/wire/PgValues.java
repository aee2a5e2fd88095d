package io.tidemark.sql.wire;

import io.tidemark.sql.Column;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Result values in PostgreSQL's text and binary formats, as PostgreSQL 14 prints them with the session settings the
 * server reports (DateStyle ISO, TimeZone UTC, extra_float_digits 1, integer_datetimes on).
 */
final class PgValues {
    /** PostgreSQL epoch (2000-01-01T00:00Z) in microseconds since the Unix epoch. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private PgValues() {
    }

    /**
     * A value of the type its statement answered ({@code actual}) as a value of the type its column was announced
     * with — the RowDescription a Describe sent before the statement ran, with which the client decodes the rows.
     * Text takes any value's text; float8 an int8; int8 a whole float8 in its range. Anything else is 42804: bytes that
     * contradict the announcement would be decoded as another number (binary) or fail in the client.
     */
    static Object as(Column announced, SqlType actual, Object value) throws SqlException {
        SqlType expected = announced.type();
        if (value == null || expected == actual) {
            return value;
        }
        if (expected == SqlType.TEXT) {
            return text(actual, value);
        }
        if (expected == SqlType.FLOAT8 && actual == SqlType.INT8) {
            return number(actual, value).doubleValue();
        }
        if (expected == SqlType.INT8 && actual == SqlType.FLOAT8) {
            double d = number(actual, value).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
                return (long) d;
            }
        }
        String expectedName = expected.name().toLowerCase(java.util.Locale.ROOT);
        throw new SqlException(SqlState.DATATYPE_MISMATCH, "column \"" + announced.name() + "\" was described as "
                + expectedName + ", but with these parameters the statement answers the "
                + actual.name().toLowerCase(java.util.Locale.ROOT) + " " + text(actual, value), null,
                "declare the parameters' types, or cast the column: CAST(… AS " + expectedName + ")", 0, null);
    }

    /** The text format: what {@code psql} shows and what COPY … CSV writes. */
    static String text(SqlType type, Object value) throws SqlException {
        return appendText(new StringBuilder(24), type, value).toString();
    }

    /**
     * Appends the text format of a non-null value, without the intermediate objects of {@link #text} (the wire layer
     * encodes every row with one reused builder).
     */
    static StringBuilder appendText(StringBuilder s, SqlType type, Object value) throws SqlException {
        switch (type) {
            case INT8: return s.append(number(type, value).longValue());
            case FLOAT8: return appendFloat8(s, number(type, value).doubleValue());
            case BOOL: return s.append(bool(value) ? 't' : 'f');
            case TIMESTAMPTZ:
                Instant instant = instant(value);
                return appendTimestamptz(s, instant.getEpochSecond(), instant.getNano() / 1000);
            default: return s.append(value.toString());
        }
    }

    static byte[] textBytes(SqlType type, Object value) throws SqlException {
        return text(type, value).getBytes(StandardCharsets.UTF_8);
    }

    /** The binary format: big-endian int8/float8, one byte for bool, int8 microseconds since 2000 for timestamptz. */
    static byte[] binary(SqlType type, Object value) throws SqlException {
        switch (type) {
            case BOOL: return new byte[] {(byte) (bool(value) ? 1 : 0)};
            case INT8, FLOAT8, TIMESTAMPTZ: return int64(binary64(type, value));
            default: return value.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The 8 bytes of an int8, float8 or timestamptz in the binary format, as a long. */
    static long binary64(SqlType type, Object value) throws SqlException {
        switch (type) {
            case INT8: return number(type, value).longValue();
            case FLOAT8: return Double.doubleToRawLongBits(number(type, value).doubleValue());
            case TIMESTAMPTZ: return pgMicros(instant(value));
            default: throw wrongType(type, value);
        }
    }

    static long pgMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000)
                - PG_EPOCH_MICROS;
    }

    /**
     * {@code 2024-01-02 03:04:05.123456+00}: microseconds without trailing zeros, UTC; the year has at least four
     * digits, and a year before 1 is written as PostgreSQL does: {@code 0044-03-15 00:00:00+00 BC} for 44 BC
     * (proleptic Gregorian year -43).
     */
    static String timestamptz(Instant instant) {
        return appendTimestamptz(new StringBuilder(32), instant.getEpochSecond(), instant.getNano() / 1000)
                .toString();
    }

    /** {@link #timestamptz} of {@code epochSecond} + {@code micros} µs, without a LocalDateTime. */
    static StringBuilder appendTimestamptz(StringBuilder s, long epochSecond, int micros) {
        long days = Math.floorDiv(epochSecond, 86_400L);
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        // days → proleptic Gregorian civil date (H. Hinnant's days_from_civil, inverted), eras of 400 years
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        int dayOfEra = (int) (z - era * 146_097L);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int mp = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        boolean bc = year <= 0;
        pad(s, bc ? 1 - year : year, 4).append('-');
        pad(s, month, 2).append('-');
        pad(s, day, 2).append(' ');
        pad(s, secondOfDay / 3600, 2).append(':');
        pad(s, secondOfDay / 60 % 60, 2).append(':');
        pad(s, secondOfDay % 60, 2);
        if (micros != 0) {
            int digits = 6;
            int fraction = micros;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            pad(s.append('.'), fraction, digits);
        }
        s.append("+00");
        return bc ? s.append(" BC") : s;
    }

    /** Like PostgreSQL 12+: the shortest text that reads back exactly, exponent form outside [1e-4, 1e15). */
    static String float8(double value) {
        return appendFloat8(new StringBuilder(24), value).toString();
    }

    /**
     * {@link #float8} into a builder, from the digits of {@link Double#toString(double)} without a BigDecimal. Those
     * digits always read back exactly; JDK 17's are the shortest for all but a few values (about 1 in 1000 random
     * bit patterns, mostly beyond 1e16, and 1e23, which it writes as 9.999999999999999e+22), where PostgreSQL writes
     * a shorter form of the same number.
     */
    static StringBuilder appendFloat8(StringBuilder s, double value) {
        if (Double.isNaN(value)) {
            return s.append("NaN");
        }
        if (Double.isInfinite(value)) {
            return s.append(value > 0 ? "Infinity" : "-Infinity");
        }
        if (value == 0) {
            return s.append((1 / value) < 0 ? "-0" : "0");
        }
        String java = Double.toString(value);
        // Double.toString writes -?D+.D+ for 1e-3 <= |v| < 1e7 and -?D.D+E-?N otherwise, its integer part "0" only for
        // |v| < 1: collect the significant digits and the decimal exponent of the first one.
        int first = value < 0 ? 1 : 0;
        int point = java.indexOf('.');
        int end = java.indexOf('E');
        int exponent = 0;
        if (end < 0) {
            end = java.length();
        } else {
            exponent = Integer.parseInt(java, end + 1, java.length(), 10);
        }
        char[] digits = new char[end - first];
        int count = 0;
        if (java.charAt(first) != '0') {
            exponent += point - first - 1;
            for (int i = first; i < point; i++) {
                digits[count++] = java.charAt(i);
            }
            first = point + 1;
        } else {
            first = point + 1;
            while (java.charAt(first) == '0') {
                first++;
            }
            exponent -= first - point;
        }
        for (int i = first; i < end; i++) {
            digits[count++] = java.charAt(i);
        }
        while (count > 1 && digits[count - 1] == '0') {
            count--;
        }
        if (value < 0) {
            s.append('-');
        }
        if (exponent >= -4 && exponent < 15) {
            return plain(s, digits, count, exponent);
        }
        s.append(digits[0]);
        if (count > 1) {
            s.append('.').append(digits, 1, count - 1);
        }
        s.append('e').append(exponent < 0 ? '-' : '+');
        return pad(s, Math.abs(exponent), 2);
    }

    /** The digits d1 d2 … with d1 at 10^exponent, in positional notation. */
    private static StringBuilder plain(StringBuilder s, char[] digits, int count, int exponent) {
        if (exponent < 0) {
            s.append("0.");
            for (int z = -1; z > exponent; z--) {
                s.append('0');
            }
            return s.append(digits, 0, count);
        }
        for (int k = 0; k <= exponent; k++) {
            s.append(k < count ? digits[k] : '0');
        }
        if (count > exponent + 1) {
            s.append('.').append(digits, exponent + 1, count - exponent - 1);
        }
        return s;
    }

    private static StringBuilder pad(StringBuilder s, long value, int width) {
        for (long limit = 10; width > 1; width--, limit *= 10) {
            if (value < limit) {
                s.append('0');
            }
        }
        return s.append(value);
    }

    private static byte[] int64(long v) {
        return new byte[] {(byte) (v >>> 56), (byte) (v >>> 48), (byte) (v >>> 40), (byte) (v >>> 32),
            (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static Number number(SqlType type, Object value) throws SqlException {
        if (value instanceof Number number) {
            return number;
        }
        throw wrongType(type, value);
    }

    private static boolean bool(Object value) throws SqlException {
        if (value instanceof Boolean b) {
            return b;
        }
        throw wrongType(SqlType.BOOL, value);
    }

    private static Instant instant(Object value) throws SqlException {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant();
        }
        throw wrongType(SqlType.TIMESTAMPTZ, value);
    }

    private static SqlException wrongType(SqlType type, Object value) {
        return new SqlException(SqlState.INTERNAL_ERROR, "the backend returned a " + value.getClass().getSimpleName()
                + " for a column of type " + type.name().toLowerCase(java.util.Locale.ROOT));
    }
}
