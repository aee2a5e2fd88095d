package io.tidemark.sql;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bind parameter value exactly as the client sent it in the protocol's Bind message.
 *
 * @param typeOid the type OID the client declared for the parameter in Parse, 0 when it left it open
 * @param binary whether the bytes are in PostgreSQL's binary format (else text, UTF-8)
 * @param bytes the value's bytes, {@code null} for SQL NULL; not copied, do not modify
 */
public record BindParameter(int typeOid, boolean binary, byte[] bytes) {

    /** PostgreSQL epoch (2000-01-01T00:00Z) in microseconds since the Unix epoch. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final Pattern TIMESTAMP = Pattern.compile(
            "(\\d{4,})-(\\d{1,2})-(\\d{1,2})(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?"
                    + " ?(Z|[+-]\\d{1,2}(?::?(\\d{2}))?(?::?(\\d{2}))?)?");

    /** A text-format parameter. */
    public static BindParameter text(int typeOid, String value) {
        return new BindParameter(typeOid, false, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the value is SQL NULL. */
    public boolean isNull() {
        return bytes == null;
    }

    /**
     * The value decoded by the declared type: {@link Long} for int2/int4/int8, {@link Double} for float4/float8 and
     * (text) numeric, {@link Boolean} for bool, {@link Instant} for timestamptz and timestamp (a timestamp without
     * zone is read as UTC, the session time zone), {@link String} for text, varchar, bpchar, unknown, an open type
     * (OID 0) and any other text-format type; {@code null} for SQL NULL.
     *
     * @throws SqlException 22P02/22007 when the text does not parse, 22P03 for a malformed binary value, 0A000 for
     *     a binary value of a type the endpoint does not read
     */
    public Object value() throws SqlException {
        if (bytes == null) {
            return null;
        }
        return binary ? decodeBinary() : decodeText(new String(bytes, StandardCharsets.UTF_8));
    }

    private Object decodeText(String text) throws SqlException {
        String trimmed = text.trim();
        try {
            switch (typeOid) {
                case 20, 21, 23:
                    return Long.parseLong(trimmed);
                case 700, 701, 1700:
                    return parseDouble(trimmed);
                case 16:
                    return parseBool(trimmed);
                case 1114, 1184:
                    return parseTimestamp(trimmed);
                default:
                    return text;
            }
        } catch (NumberFormatException e) {
            throw new SqlException(SqlState.INVALID_TEXT_REPRESENTATION,
                    "invalid input syntax for type with OID " + typeOid + ": \"" + text + "\"");
        }
    }

    private Object decodeBinary() throws SqlException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        switch (typeOid) {
            case 20: return expect(8).getLong();
            case 23: return (long) expect(4).getInt();
            case 21: return (long) expect(2).getShort();
            case 701: return expect(8).getDouble();
            case 700: return (double) expect(4).getFloat();
            case 16: return expect(1).get() != 0;
            case 1114, 1184: return toInstant(expect(8).getLong());
            case 0, 25, 705, 1042, 1043: return new String(bytes, StandardCharsets.UTF_8);
            default:
                throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "binary parameters of type OID " + typeOid
                        + " are not supported; send the parameter in text format");
        }
    }

    private ByteBuffer expect(int length) throws SqlException {
        if (bytes.length != length) {
            throw new SqlException(SqlState.INVALID_BINARY_REPRESENTATION, "a binary parameter of type OID " + typeOid
                    + " has " + length + " bytes, not " + bytes.length);
        }
        return ByteBuffer.wrap(bytes);
    }

    private static Instant toInstant(long pgMicros) {
        long micros = pgMicros + PG_EPOCH_MICROS;
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    private static double parseDouble(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "nan": return Double.NaN;
            case "infinity", "+infinity", "inf": return Double.POSITIVE_INFINITY;
            case "-infinity", "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(text);
        }
    }

    private static Boolean parseBool(String text) throws SqlException {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "t", "true", "1", "y", "yes", "on": return Boolean.TRUE;
            case "f", "false", "0", "n", "no", "off": return Boolean.FALSE;
            default:
                throw new SqlException(SqlState.INVALID_TEXT_REPRESENTATION,
                        "invalid input syntax for type boolean: \"" + text + "\"");
        }
    }

    /** Reads the forms PostgreSQL prints and clients send: {@code 2024-01-02 03:04:05.123456+00}, ISO-8601 with T/Z. */
    static Instant parseTimestamp(String text) throws SqlException {
        Matcher m = TIMESTAMP.matcher(text);
        if (!m.matches()) {
            throw new SqlException(SqlState.INVALID_DATETIME_FORMAT,
                    "invalid input syntax for type timestamp with time zone: \"" + text + "\"",
                    null, "use the form 2024-01-02 03:04:05.123456+00", 0, null);
        }
        try {
            LocalDate date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)));
            LocalTime time = m.group(4) == null ? LocalTime.MIDNIGHT : LocalTime.of(Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)), m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                    m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00000000").substring(0, 9)));
            return date.atTime(time).toInstant(offset(m));
        } catch (java.time.DateTimeException e) {
            throw new SqlException(SqlState.INVALID_DATETIME_FORMAT,
                    "timestamp out of range or invalid: \"" + text + "\"");
        }
    }

    private static ZoneOffset offset(Matcher m) {
        String zone = m.group(8);
        if (zone == null || zone.equals("Z")) {
            return ZoneOffset.UTC;
        }
        int sign = zone.charAt(0) == '-' ? -1 : 1;
        String digits = zone.substring(1).split(":")[0];
        int hours = Integer.parseInt(digits.length() > 2 ? digits.substring(0, 2) : digits);
        int minutes = m.group(9) == null ? 0 : Integer.parseInt(m.group(9));
        int seconds = m.group(10) == null ? 0 : Integer.parseInt(m.group(10));
        return ZoneOffset.ofHoursMinutesSeconds(sign * hours, sign * minutes, sign * seconds);
    }
}
