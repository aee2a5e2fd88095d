package io.tidemark.sql.wire;

import io.tidemark.sql.Column;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

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
        switch (type) {
            case INT8: return Long.toString(number(type, value).longValue());
            case FLOAT8: return float8(number(type, value).doubleValue());
            case BOOL: return bool(value) ? "t" : "f";
            case TIMESTAMPTZ: return timestamptz(instant(value));
            default: return value.toString();
        }
    }

    static byte[] textBytes(SqlType type, Object value) throws SqlException {
        return text(type, value).getBytes(StandardCharsets.UTF_8);
    }

    /** The binary format: big-endian int8/float8, one byte for bool, int8 microseconds since 2000 for timestamptz. */
    static byte[] binary(SqlType type, Object value) throws SqlException {
        switch (type) {
            case INT8: return int64(number(type, value).longValue());
            case FLOAT8: return int64(Double.doubleToRawLongBits(number(type, value).doubleValue()));
            case BOOL: return new byte[] {(byte) (bool(value) ? 1 : 0)};
            case TIMESTAMPTZ: return int64(pgMicros(instant(value)));
            default: return value.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    static long pgMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000)
                - PG_EPOCH_MICROS;
    }

    /** {@code 2024-01-02 03:04:05.123456+00}: microseconds without trailing zeros, UTC. */
    static String timestamptz(Instant instant) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano() / 1000 * 1000,
                ZoneOffset.UTC);
        StringBuilder s = new StringBuilder(32);
        pad(s, t.getYear(), 4).append('-');
        pad(s, t.getMonthValue(), 2).append('-');
        pad(s, t.getDayOfMonth(), 2).append(' ');
        pad(s, t.getHour(), 2).append(':');
        pad(s, t.getMinute(), 2).append(':');
        pad(s, t.getSecond(), 2);
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            StringBuilder fraction = pad(new StringBuilder("."), micros, 6);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            s.append(fraction, 0, end);
        }
        return s.append("+00").toString();
    }

    /** Like PostgreSQL 12+: the shortest text that reads back exactly, exponent form outside [1e-4, 1e15). */
    static String float8(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return (1 / value) < 0 ? "-0" : "0";
        }
        BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        int exponent = decimal.precision() - decimal.scale() - 1;
        if (exponent >= -4 && exponent < 15) {
            return decimal.toPlainString();
        }
        String digits = decimal.unscaledValue().abs().toString();
        StringBuilder s = new StringBuilder(24);
        if (decimal.signum() < 0) {
            s.append('-');
        }
        s.append(digits.charAt(0));
        if (digits.length() > 1) {
            s.append('.').append(digits, 1, digits.length());
        }
        s.append('e').append(exponent < 0 ? '-' : '+');
        return pad(s, Math.abs(exponent), 2).toString();
    }

    private static StringBuilder pad(StringBuilder s, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            s.append('0');
        }
        return s.append(digits);
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
