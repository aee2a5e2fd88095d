package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import java.nio.charset.StandardCharsets;

/**
 * NDJSON read straight from the body's bytes, for bodies in a strict subset of what
 * {@link io.tidemark.server.ingest.NdjsonReader}'s Jackson path takes: objects of known fields only, separated by
 * spaces, tabs and line feeds; ASCII strings without escapes; rtId a string; timestamp whole epoch milliseconds (at
 * most 18 digits) or the plain UTC ISO form; values numbers, strings, booleans or null. For such a body it gives the rows, values and lines the Jackson path gives;
 * for anything else (an error the reader itself would report, a carriage return, an escape, a non-ASCII byte, an
 * unknown field, more rows than allowed …) it gives up, and the Jackson path reads the body instead. Not
 * thread-safe: one instance per body.
 */
public final class FastNdjson {
    private static final byte[] RT_ID = "rtId".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = "timestamp".getBytes(StandardCharsets.US_ASCII);
    private static final int FIELD_RT_ID = -2;
    private static final int FIELD_TIMESTAMP = -1;
    private static final int FIELD_UNKNOWN = -3;
    /** Longer numbers go to Jackson, which has its own limit on them. */
    private static final int MAX_NUMBER = 64;

    private final byte[] b;
    private final int len;
    /** rtId, timestamp, then the columns; a name JSON would write differently matches nothing. */
    private final byte[][] names;
    private final Numbers.Decimal number = new Numbers.Decimal();
    private final RtIds rtIds = new RtIds();
    private int guess;
    /** The row (plus one) in which each field was last seen: a field given twice in a row is Jackson's to report. */
    private final int[] seenIn;
    private final Staged staged;
    private final char[] scratch = new char[MAX_NUMBER];
    private final Numbers.Ascii ascii = new Numbers.Ascii();
    private int pos;
    private int line = 1;

    private FastNdjson(ArchiveDefinition archive, byte[] b, int from, int to) {
        this.b = b;
        this.pos = from;
        this.len = to;
        this.staged = new Staged(archive);
        this.names = new byte[archive.columns().size() + 2][];
        this.seenIn = new int[names.length];
        names[0] = RT_ID;
        names[1] = TIMESTAMP;
        for (int c = 0; c < archive.columns().size(); c++) {
            names[c + 2] = plain(archive.columns().get(c).name());
        }
    }

    /** The name's bytes when JSON writes it as they are (printable ASCII, no quote or backslash), else none. */
    private static byte[] plain(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return new byte[0];
            }
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads the complete body {@code body[0, length)} and hands its rows to {@code rows}; returns the line each
     * began on, or null (and hands nothing) when the body is not in the subset this reads. A large body is read in
     * {@link Halves}.
     */
    public static int[] read(ArchiveDefinition archive, byte[] body, int length, int maxRows, RowSink rows) {
        Staged[] halves = Halves.read(body, 0, length, (from, to) -> {
            FastNdjson r = new FastNdjson(archive, body, from, to);
            return r.objects(maxRows) ? r.staged : null;
        });
        if (halves == null || java.util.Arrays.stream(halves).mapToInt(Staged::rows).sum() > maxRows) {
            return null;
        }
        return Halves.replay(halves, rows, halves[0].columnOrder());
    }

    private boolean objects(int maxRows) {
        while (true) {
            space();
            if (pos == len) {
                staged.endLine(line);
                return true;
            }
            if (b[pos] != '{' || staged.rows() >= maxRows || !object(staged.row(line))) {
                return false;
            }
            // One object per line: only spaces and tabs may follow it on its line (anything else is Jackson's to
            // report, a second object included).
            while (pos < len && (b[pos] == ' ' || b[pos] == '\t')) {
                pos++;
            }
            if (pos < len && b[pos] != '\n') {
                return false;
            }
        }
    }

    /** Skips spaces, tabs and line feeds, counting lines; a carriage return is left for Jackson. */
    private void space() {
        while (pos < len) {
            byte c = b[pos];
            if (c == '\n') {
                line++;
            } else if (c != ' ' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    /** The object at {@code pos} (a '{'), as row {@code r}; false to give up. */
    private boolean object(int r) {
        pos++;
        space();
        if (pos < len && b[pos] == '}') {
            pos++;
            return true;
        }
        while (pos < len && b[pos] == '"') {
            int field = field();
            if (field == FIELD_UNKNOWN || seenIn[field + 2] == r + 1) {
                return false;
            }
            seenIn[field + 2] = r + 1;
            space();
            if (pos == len || b[pos] != ':') {
                return false;
            }
            pos++;
            space();
            if (pos == len || !value(field, r)) {
                return false;
            }
            space();
            if (pos == len) {
                return false;
            }
            byte c = b[pos++];
            if (c == '}') {
                return true;
            }
            if (c != ',') {
                return false;
            }
            space();
        }
        return false;
    }

    /** The index of the closing quote of the string whose text starts at {@code start}; -1 to give up. */
    private int stringEnd(int start) {
        for (int i = start; i < len; i++) {
            byte c = b[i];
            if (c == '"') {
                return i;
            }
            if (c < 0x20 || c == '\\') { // bytes past ASCII are negative
                return -1;
            }
        }
        return -1;
    }

    /**
     * The field whose name starts at {@code pos} (a '"'), matched as raw bytes and tried first in the order of the
     * row before; {@code pos} then follows the closing quote. {@link #FIELD_UNKNOWN} for any other name, escaped
     * ones included.
     */
    private int field() {
        int start = pos + 1;
        for (int k = 0; k < names.length; k++) {
            int f = guess + k < names.length ? guess + k : guess + k - names.length;
            byte[] name = names[f];
            int end = start + name.length;
            if (name.length > 0 && end < len && b[end] == '"' && same(name, start)) {
                guess = f + 1 < names.length ? f + 1 : 0;
                pos = end + 1;
                return f - 2;
            }
        }
        return FIELD_UNKNOWN;
    }

    private boolean same(byte[] name, int start) {
        for (int k = 0; k < name.length; k++) {
            if (name[k] != b[start + k]) {
                return false;
            }
        }
        return true;
    }

    /** The value at {@code pos} of {@code field} in row {@code r}; false to give up. */
    private boolean value(int field, int r) {
        byte c = b[pos];
        if (field == FIELD_UNKNOWN) {
            return false;
        }
        if (c == '"') {
            int start = pos + 1;
            int end = stringEnd(start);
            if (end < 0) {
                return false;
            }
            pos = end + 1;
            return string(field, r, start, end);
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number(field, r);
        }
        if (field < 0) {
            return false; // rtId and timestamp take a string or (timestamp) a number only
        }
        if (literal("null")) {
            staged.nullValue(r, field);
        } else if (literal("true")) {
            staged.objectValue(r, field, Boolean.TRUE);
        } else if (literal("false")) {
            staged.objectValue(r, field, Boolean.FALSE);
        } else {
            return false;
        }
        return true;
    }

    private boolean string(int field, int r, int start, int end) {
        switch (field) {
            case FIELD_RT_ID -> staged.rtId(r, rtIds.of(b, start, end));
            case FIELD_TIMESTAMP -> {
                long micros = PlainIso.plainIsoMicros(ascii.of(b, start, end));
                if (micros == PlainIso.NOT_PLAIN) {
                    return false;
                }
                staged.micros(r, micros);
            }
            default -> staged.objectValue(r, field, new String(b, start, end - start, StandardCharsets.ISO_8859_1));
        }
        return true;
    }

    private boolean literal(String word) {
        if (len - pos < word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if (b[pos + k] != word.charAt(k)) {
                return false;
            }
        }
        pos += word.length();
        return true;
    }

    /** A JSON number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private boolean number(int field, int r) {
        int start = pos;
        int end = number.scan(b, start, len, true);
        if (end < 0 || end - start > MAX_NUMBER) {
            return false;
        }
        pos = end;
        if (number.integer()) {
            if (number.intDigits() > Numbers.MAX_LONG_DIGITS) {
                return false; // maybe past a long: Jackson's BigInteger
            }
            long v = number.toLong();
            if (field == FIELD_TIMESTAMP) {
                if (!Numbers.millisFitMicros(v)) {
                    return false;
                }
                staged.micros(r, v * 1000);
            } else if (field == FIELD_RT_ID) {
                return false;
            } else {
                staged.longValue(r, field, v);
            }
            return true;
        }
        if (field < 0) {
            return false; // a fraction is no rtId or epoch milliseconds
        }
        staged.doubleValue(r, field, number.toDouble(b, start, end, scratch));
        return true;
    }
}
