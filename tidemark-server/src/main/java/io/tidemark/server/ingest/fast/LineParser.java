package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.TidemarkException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the lines of {@code b[from, to)} (a whole body, or a half of one starting at a line's start) into one
 * {@link LineTarget} per measurement. A line is {@code measurement[,tag=value…] field=value[,field=value…]
 * [timestamp]}; the series key (measurement and tags, up to the first unescaped space) is looked up by its bytes, so
 * a series seen before costs no parsing; values are read from the bytes and staged per column, then added as a row
 * once the line is valid. After {@value LineProtocol#MAX_ERRORS} errors it stops. Not thread-safe.
 */
final class LineParser {
    private static final String VALUE_FORMS = "a float (1.5), an integer (1i), an unsigned integer (1u), a boolean "
            + "(t, true, f, false …) or a string (\"text\")";
    private static final long MAX_EXACT = 1L << 53;
    private static final int STAGE = 0;
    private static final int COLLECT = 1;
    private static final int DISCARD = 2;
    // the kinds of a number field
    private static final int FLOAT = 0;
    private static final int INTEGER = 1;
    private static final int UNSIGNED = 2;

    private final byte[] b;
    private final int end;
    private final LineProtocol.Archives archives;
    private final LineProtocol.Precision precision;
    private final long defaultMicros;
    private final BatchLimits limits;
    private final Map<String, LineTarget> targets = new LinkedHashMap<>();
    private final SeriesCache series = new SeriesCache();
    private final List<LineProtocol.Error> errors = new ArrayList<>();
    private final Numbers.Decimal decimal = new Numbers.Decimal();
    private final char[] scratch = new char[64];
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] unescaped = new byte[256];
    private int[] refused = new int[0];
    private int pos;
    private int line = 1;
    private int points;
    private boolean malformed;
    private boolean endedInString;
    // the point being read
    private int lineNo;
    private String measurement;
    // the number just read
    private int numKind;
    private long numLong;
    private double numDouble;
    private String numRange;
    // the field just read, for COLLECT
    private final Map<String, ColumnType> collected = new LinkedHashMap<>();

    LineParser(byte[] b, int from, int to, LineProtocol.Archives archives, LineProtocol.Precision precision,
            long defaultMicros, BatchLimits limits) {
        this.b = b;
        this.pos = from;
        this.end = to;
        this.archives = archives;
        this.precision = precision;
        this.defaultMicros = defaultMicros;
        this.limits = limits;
    }

    Collection<LineTarget> targets() {
        return targets.values();
    }

    List<LineProtocol.Error> errors() {
        return errors;
    }

    boolean malformed() {
        return malformed;
    }

    int points() {
        return points;
    }

    /** The line after the last one read (1-based): a second half's lines count on from it. */
    int endLine() {
        return line;
    }

    /** Whether the range ended inside a string field: a second half read after it did not start a line. */
    boolean endedInString() {
        return endedInString;
    }

    void run() {
        while (pos < end && errors.size() < LineProtocol.MAX_ERRORS) {
            lineNo = line;
            measurement = null;
            while (pos < end && (b[pos] == ' ' || b[pos] == '\t')) {
                pos++;
            }
            if (lineEnd(pos)) {
                nextLine();
                continue;
            }
            if (b[pos] == '#') {
                skipLine();
                continue;
            }
            if (++points > limits.maxRows()) {
                throw BatchLimits.tooManyRows(limits.maxRows());
            }
            if (!point()) {
                skipLine();
            }
        }
    }

    // ---- lines -------------------------------------------------------------------------------------------------

    /** Whether {@code i} is at the end of a line: a line feed, a carriage return and line feed, or the range's end. */
    private boolean lineEnd(int i) {
        if (i >= end) {
            return true;
        }
        byte c = b[i];
        return c == '\n' || c == '\r' && (i + 1 == end || b[i + 1] == '\n');
    }

    /** Moves past the line end at {@code pos}. */
    private void nextLine() {
        if (pos < end && b[pos] == '\r') {
            pos++;
        }
        if (pos < end && b[pos] == '\n') {
            pos++;
            line++;
        }
    }

    /** Moves past the next line feed (after an error, or a comment). */
    private void skipLine() {
        while (pos < end && b[pos] != '\n') {
            pos++;
        }
        if (pos < end) {
            pos++;
            line++;
        }
    }

    private void skipBlanks() {
        while (pos < end && (b[pos] == ' ' || b[pos] == '\t')) {
            pos++;
        }
    }

    /** Reads the point at {@code pos}; false (error reported) to skip the rest of its line. */
    private boolean point() {
        int start = pos;
        int keyEnd = seriesEnd(start);
        Series s = series.get(b, start, keyEnd, keyHash);
        if (s == null) {
            s = series(start, keyEnd);
            series.put(b, start, keyEnd, keyHash, s);
        }
        measurement = s.measurement;
        if (s.syntax && s.error != null) {
            return syntax(s.field, s.error);
        }
        pos = keyEnd;
        if (lineEnd(pos)) {
            return syntax(null, "the line has no fields: after the measurement and tags come a space and at least "
                    + "one field, e.g. 'cpu,host=a usage=0.5'");
        }
        skipBlanks();
        if (lineEnd(pos)) {
            return syntax(null, "the line has no fields after the space that ends the measurement and tags");
        }
        LineTarget t = s.target;
        if (s.error != null) {
            valueError(s.field, s.error);
            return fields(null, DISCARD) && rest(false);
        }
        if (t.rows == null && !define(t)) {
            return false;
        }
        t.begin();
        refusedInLine = 0;
        if (!fields(t, STAGE) || !rest(true)) {
            return false;
        }
        int n = t.refusedColumns(refusedScratch(t));
        for (int k = 0; k < n; k++) {
            valueError(t.columnName(refused[k]), (String) t.objects[refused[k]]);
        }
        if (refusedInLine == 0) {
            t.commit(s.rtId, micros, lineNo);
        }
        return true;
    }

    /** Values of the line being read that its archive refused: then the line is not written. */
    private int refusedInLine;

    private int[] refusedScratch(LineTarget t) {
        if (refused.length < t.types.length) {
            refused = new int[t.types.length];
        }
        return refused;
    }

    /** The timestamp of the point being read, set by {@link #rest}. */
    private long micros;

    /**
     * After the fields: an optional timestamp, blanks, the line's end (moved past). With {@code keep} the
     * timestamp is checked and kept in {@link #micros}; false after reporting an error.
     */
    private boolean rest(boolean keep) {
        micros = defaultMicros;
        if (!lineEnd(pos)) {
            int start = pos;
            int i = b[pos] == '-' ? pos + 1 : pos;
            int digits = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == digits || !(lineEnd(i) || b[i] == ' ' || b[i] == '\t')) {
                return syntax("timestamp", "'" + shown(start, tokenEnd(start)) + "' after the fields is not a "
                        + "timestamp: an integer in the request's precision (" + precision.label() + "), or nothing");
            }
            pos = i;
            skipBlanks();
            if (!lineEnd(pos)) {
                return syntax(null, "text after the timestamp: '" + shown(pos, tokenEnd(pos)) + "'; a line ends "
                        + "with its timestamp");
            }
            if (keep) {
                timestamp(start, i);
            }
        }
        nextLine();
        return true;
    }

    /** Reads the timestamp {@code b[from, to)} into {@link #micros}, or reports it out of range. */
    private void timestamp(int from, int to) {
        long v = parseLong(from, to, false);
        if (numRange == null) {
            try {
                micros = precision.toMicros(v);
                return;
            } catch (ArithmeticException e) {
                // reported below
            }
        }
        valueError("timestamp", "timestamp " + shown(from, to) + " (" + precision.label() + ") is out of range");
    }

    /** The end of the token at {@code i}: the next blank, comma or line end. */
    private int tokenEnd(int i) {
        while (!lineEnd(i) && b[i] != ' ' && b[i] != '\t' && b[i] != ',') {
            i++;
        }
        return i;
    }

    // ---- measurement and tags ----------------------------------------------------------------------------------

    /** The hash of the series key {@link #seriesEnd} found last: {@link SeriesCache#mix} of its bytes' hash. */
    private int keyHash;

    /**
     * The first unescaped space from {@code i}, or the line's end: where the series key ends; its bytes' hash goes to
     * {@link #keyHash} on the way (one pass over the key).
     */
    private int seriesEnd(int i) {
        int h = 1;
        while (i < end) {
            byte c = b[i];
            if (c == ' ' || c == '\n' || c == '\r' && (i + 1 == end || b[i + 1] == '\n')) {
                break;
            }
            h = 31 * h + c;
            if (c == '\\' && i + 1 < end && b[i + 1] != '\n') {
                h = 31 * h + b[i + 1];
                i += 2;
            } else {
                i++;
            }
        }
        keyHash = SeriesCache.mix(h);
        return i;
    }

    /** What the series key {@code b[start, keyEnd)} maps to; its problems, if any, in the result. */
    private Series series(int start, int keyEnd) {
        int i = start;
        boolean escaped = false;
        while (i < keyEnd && b[i] != ',') {
            if (b[i] == '\\' && i + 1 < keyEnd) {
                escaped = true;
                i += 2;
            } else {
                i++;
            }
        }
        if (i == start) {
            return Series.syntax(null, null, "the line has no measurement: it starts with '"
                    + shown(start, Math.min(keyEnd, start + 1)) + "'");
        }
        String name = text(start, i, escaped, ESCAPES_MEASUREMENT);
        if (name == null) {
            return Series.syntax(null, null, "the measurement is not valid UTF-8");
        }
        LineTarget t = target(name);
        List<String[]> tags = new ArrayList<>(4);
        while (i < keyEnd) {
            int k = ++i;
            boolean keyEscaped = false;
            while (i < keyEnd && b[i] != '=' && b[i] != ',') {
                keyEscaped |= b[i] == '\\';
                i += b[i] == '\\' && i + 1 < keyEnd ? 2 : 1;
            }
            String key = text(k, i, keyEscaped, ESCAPES_KEY);
            if (key == null) {
                return Series.syntax(name, null, "a tag key is not valid UTF-8");
            }
            if (key.isEmpty()) {
                return Series.syntax(name, null, "a tag has no key (',=' or a ',' with nothing after it)");
            }
            if (i == keyEnd || b[i] != '=') {
                return Series.syntax(name, key, "tag '" + key + "' has no value: write key=value");
            }
            int v = ++i;
            boolean valueEscaped = false;
            while (i < keyEnd && b[i] != ',') {
                if (b[i] == '=') {
                    return Series.syntax(name, key, "tag '" + key + "' has an unescaped '=' in its value; write it "
                            + "as \\=");
                }
                valueEscaped |= b[i] == '\\';
                i += b[i] == '\\' && i + 1 < keyEnd ? 2 : 1;
            }
            String value = text(v, i, valueEscaped, ESCAPES_KEY);
            if (value == null) {
                return Series.syntax(name, key, "the value of tag '" + key + "' is not valid UTF-8");
            }
            if (value.isEmpty()) {
                return Series.syntax(name, key, "tag '" + key + "' has an empty value");
            }
            for (String[] seen : tags) {
                if (seen[0].equals(key)) {
                    return Series.syntax(name, key, "tag '" + key + "' is given twice");
                }
            }
            tags.add(new String[] {key, value});
        }
        if (t.refused()) {
            return Series.refused(t, t.resolution.refusal());
        }
        return rtId(t, tags);
    }

    private LineTarget target(String name) {
        LineTarget t = targets.get(name);
        if (t == null) {
            t = new LineTarget(name, archives.resolve(name), limits);
            targets.put(name, t);
        }
        return t;
    }

    /** The series of {@code t} whose tags are {@code tags}: its rtId by the measurement's rule. */
    private static Series rtId(LineTarget t, List<String[]> tags) {
        String tag = t.rtIdTag();
        if (tag != null) {
            for (String[] kv : tags) {
                if (kv[0].equals(tag)) {
                    return Series.of(t, kv[1]);
                }
            }
            return Series.refused(t, "the line has no tag '" + tag + "', whose value is the rtId of archive '"
                    + t.measurement + "' (ingest.line.rtid-tag / ingest.line.rtid-tags)", "rtId");
        }
        if (tags.isEmpty()) {
            return Series.refused(t, "the line has no tags: its rtId is its tag set (k1=v1,k2=v2); add a tag "
                    + "(cpu,host=a usage=0.5) or name the rtId tag with ingest.line.rtid-tag", "rtId");
        }
        if (tags.size() == 1) {
            return Series.of(t, tags.get(0)[0] + "=" + tags.get(0)[1]);
        }
        tags.sort((x, y) -> compareCodePoints(x[0], y[0]));
        StringBuilder sb = new StringBuilder();
        for (String[] kv : tags) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(kv[0]).append('=').append(kv[1]);
        }
        return Series.of(t, sb.toString());
    }

    /** Orders strings by code point (as their UTF-8 bytes order), not by UTF-16 unit. */
    static int compareCodePoints(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int c = y.codePointAt(j);
            if (a != c) {
                return Integer.compare(a, c);
            }
            i += Character.charCount(a);
            j += Character.charCount(c);
        }
        return Integer.compare(x.length() - i, y.length() - j);
    }

    // ---- fields ------------------------------------------------------------------------------------------------

    /** The keys and values of the fields at {@code pos}; then {@code pos} is at their end. False after a syntax error. */
    private boolean fields(LineTarget t, int mode) {
        while (true) {
            int k = pos;
            boolean escaped = false;
            int i = pos;
            while (!lineEnd(i) && b[i] != '=' && b[i] != ',' && b[i] != ' ') {
                if (b[i] == '\\' && i + 1 < end && b[i + 1] != '\n') {
                    escaped = true;
                    i += 2;
                } else {
                    i++;
                }
            }
            if (i == k) {
                return syntax(null, lineEnd(i) ? "the line ends with a ',': a field follows every comma"
                        : b[i] == ' ' ? "a space after a ',': fields are separated by commas alone"
                        : "a field has no key: '" + shown(i, tokenEnd(i + 1)) + "'");
            }
            if (lineEnd(i) || b[i] != '=') {
                return syntax(key(k, i, escaped), "field '" + key(k, i, escaped) + "' has no value: write key=value");
            }
            pos = i + 1;
            if (!value(t, mode, k, i, escaped)) {
                return false;
            }
            if (lineEnd(pos)) {
                return true;
            }
            byte c = b[pos];
            if (c == ',') {
                pos++;
                continue;
            }
            skipBlanks();
            return true;
        }
    }

    private String key(int from, int to, boolean escaped) {
        String s = text(from, to, escaped, ESCAPES_KEY);
        return s == null ? shown(from, to) : s;
    }

    /** Whether {@code i} ends a field value: a comma, a blank, or the line's end. */
    private boolean valueEnd(int i) {
        return lineEnd(i) || b[i] == ',' || b[i] == ' ' || b[i] == '\t';
    }

    /** Reads the value at {@code pos} of the field whose key is {@code b[k, kEnd)}; false after a syntax error. */
    private boolean value(LineTarget t, int mode, int k, int kEnd, boolean escaped) {
        if (valueEnd(pos)) {
            return syntax(key(k, kEnd, escaped), "field '" + key(k, kEnd, escaped) + "' has no value");
        }
        byte first = b[pos];
        int c = -2;
        if (mode == STAGE) {
            c = escaped ? t.column(key(k, kEnd, true)) : t.column(b, k, kEnd);
        }
        boolean read;
        if (first == '"') {
            read = string(t, mode, c, k, kEnd, escaped);
        } else if (first == 't' || first == 'T' || first == 'f' || first == 'F') {
            read = bool(t, mode, c, k, kEnd, escaped);
        } else {
            read = number(t, mode, c, k, kEnd, escaped);
        }
        if (read && c == -1) {
            unknown(t, key(k, kEnd, escaped));
        }
        return read;
    }

    private boolean number(LineTarget t, int mode, int c, int k, int kEnd, boolean escaped) {
        int start = pos;
        int e = number(pos);
        if (e < 0) {
            return syntax(key(k, kEnd, escaped), "field '" + key(k, kEnd, escaped) + "' has the value '"
                    + shown(start, tokenEnd(start)) + "', which is none of " + VALUE_FORMS);
        }
        pos = e;
        if (mode == COLLECT) {
            collected.put(key(k, kEnd, escaped), numKind == FLOAT ? ColumnType.DOUBLE : ColumnType.BIGINT);
        } else if (mode == STAGE && c >= 0) {
            stageNumber(t, c, start, e);
        }
        return true;
    }

    private void unknown(LineTarget t, String key) {
        valueError(key, "archive '" + t.measurement + "' has no column '" + key + "' (its columns are "
                + t.definition.columns().stream().map(Column::name).toList() + "); columns are never added to an "
                + "archive (there is no ALTER): leave the field out, or write it to another archive");
    }

    private boolean string(LineTarget t, int mode, int c, int k, int kEnd, boolean escaped) {
        int from = pos + 1;
        boolean esc = false;
        int i = from;
        while (i < end && b[i] != '"') {
            if (b[i] == '\\' && i + 1 < end && (b[i + 1] == '"' || b[i + 1] == '\\')) {
                esc = true;
                i += 2;
                continue;
            }
            if (b[i] == '\n') {
                line++;
            }
            i++;
        }
        if (i == end) {
            endedInString = true;
            pos = end;
            return syntax(key(k, kEnd, escaped), "the string of field '" + key(k, kEnd, escaped) + "' has no "
                    + "closing '\"'");
        }
        pos = i + 1;
        if (!valueEnd(pos)) {
            return syntax(key(k, kEnd, escaped), "field '" + key(k, kEnd, escaped) + "': text after the closing "
                    + "'\"' of its string: '" + shown(pos, tokenEnd(pos)) + "'");
        }
        if (mode == COLLECT) {
            collected.put(key(k, kEnd, escaped), ColumnType.VARCHAR);
        } else if (mode == STAGE && c >= 0) {
            if (t.types[c] != ColumnType.VARCHAR) {
                t.stageRefused(c, mismatch(t, c, "a string", "\"" + shown(from, i) + "\"", null));
                return true;
            }
            String s = text(from, i, esc, ESCAPES_STRING);
            if (s == null) {
                t.stageRefused(c, "the string is not valid UTF-8");
            } else {
                t.stageObject(c, s);
            }
        }
        return true;
    }

    private boolean bool(LineTarget t, int mode, int c, int k, int kEnd, boolean escaped) {
        int from = pos;
        int i = from;
        while (!valueEnd(i)) {
            i++;
        }
        Boolean v = booleanOf(from, i);
        if (v == null) {
            return syntax(key(k, kEnd, escaped), "field '" + key(k, kEnd, escaped) + "' has the value '"
                    + shown(from, i) + "', which is none of " + VALUE_FORMS);
        }
        pos = i;
        if (mode == COLLECT) {
            collected.put(key(k, kEnd, escaped), ColumnType.BOOLEAN);
        } else if (mode == STAGE && c >= 0) {
            if (t.types[c] == ColumnType.BOOLEAN) {
                t.stageObject(c, v);
            } else {
                t.stageRefused(c, mismatch(t, c, "a boolean", shown(from, i), null));
            }
        }
        return true;
    }

    /** {@code t}, {@code T}, {@code true}, {@code True}, {@code TRUE} and their false forms; null for anything else. */
    private Boolean booleanOf(int from, int to) {
        int n = to - from;
        if (n == 1) {
            byte c = b[from];
            return c == 't' || c == 'T' ? Boolean.TRUE : c == 'f' || c == 'F' ? Boolean.FALSE : null;
        }
        String s = new String(b, from, n, StandardCharsets.ISO_8859_1);
        return switch (s) {
            case "true", "True", "TRUE" -> Boolean.TRUE;
            case "false", "False", "FALSE" -> Boolean.FALSE;
            default -> null;
        };
    }

    /**
     * Scans a number from {@code i}: {@code -?}, digits with at most one '.' (at least one digit), an optional
     * exponent, then {@code i} or {@code u} for an integer; it must end where a value ends. Sets {@link #numKind}
     * and, for integers, {@link #numLong} (or {@link #numRange} when out of range); returns its end, or -1.
     */
    private int number(int i) {
        int start = i;
        boolean neg = b[i] == '-';
        if (neg) {
            i++;
        }
        int intStart = i;
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        int intEnd = i;
        int digits = intEnd - intStart;
        boolean dot = i < end && b[i] == '.';
        if (dot) {
            i++;
            int f = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            digits += i - f;
        }
        if (digits == 0) {
            return -1;
        }
        boolean exp = i < end && (b[i] == 'e' || b[i] == 'E');
        if (exp) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int e0 = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == e0) {
                return -1;
            }
        }
        numRange = null;
        if (i < end && (b[i] == 'i' || b[i] == 'u')) {
            boolean unsigned = b[i] == 'u';
            if (dot || exp || unsigned && neg || !valueEnd(i + 1)) {
                return -1;
            }
            numKind = unsigned ? UNSIGNED : INTEGER;
            numLong = parseLong(start, i, unsigned);
            return i + 1;
        }
        if (!valueEnd(i)) {
            return -1;
        }
        numKind = FLOAT;
        numDouble = toDouble(start, i);
        return i;
    }

    private double toDouble(int from, int to) {
        if (to - from <= scratch.length && decimal.scan(b, from, to, false) == to) {
            return decimal.toDouble(b, from, to, scratch);
        }
        return Double.parseDouble(new String(b, from, to - from, StandardCharsets.ISO_8859_1)); // "1.", ".5"
    }

    /**
     * The decimal integer {@code -?[0-9]+} at {@code b[from, to)}; sets {@link #numRange} to a reason (and returns 0)
     * when it is beyond a {@code long}.
     */
    private long parseLong(int from, int to, boolean unsigned) {
        numRange = null;
        boolean neg = b[from] == '-';
        long limit = neg ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multmin = limit / 10;
        long result = 0;
        for (int i = neg ? from + 1 : from; i < to; i++) {
            int d = b[i] - '0';
            if (result < multmin || result * 10 < limit + d) {
                numRange = unsigned ? "unsigned integer " + shown(from, to) + "u is above 9223372036854775807, the "
                        + "largest BIGINT" : "integer " + shown(from, to) + "i is beyond the 64-bit range";
                return 0;
            }
            result = result * 10 - d;
        }
        return neg ? result : -result;
    }

    /** Stages the number just scanned at {@code b[from, to)} into column {@code c}, or why it does not fit. */
    private void stageNumber(LineTarget t, int c, int from, int to) {
        ColumnType type = t.types[c];
        if (numRange != null) {
            t.stageRefused(c, numRange);
            return;
        }
        if (numKind == FLOAT) {
            if (type != ColumnType.DOUBLE) {
                t.stageRefused(c, mismatch(t, c, "a float", shown(from, to), type == ColumnType.BIGINT
                        ? "write an integer with the suffix i (42i)" : null));
            } else if (!Double.isFinite(numDouble)) {
                t.stageRefused(c, "float " + shown(from, to) + " is beyond the range of a DOUBLE");
            } else {
                t.stageDouble(c, numDouble);
            }
            return;
        }
        String kind = numKind == INTEGER ? "an integer" : "an unsigned integer";
        if (type == ColumnType.BIGINT) {
            t.stageLong(c, numLong);
        } else if (type != ColumnType.DOUBLE) {
            t.stageRefused(c, mismatch(t, c, kind, shown(from, to), null));
        } else if (numLong > MAX_EXACT || numLong < -MAX_EXACT) {
            t.stageRefused(c, mismatch(t, c, kind, shown(from, to), "only integers within ±2^53 are taken "
                    + "into a DOUBLE column, where they are exact; send it as a float"));
        } else {
            t.stageDouble(c, numLong);
        }
    }

    private static String mismatch(LineTarget t, int c, String kind, String shown, String hint) {
        return "column '" + t.columnName(c) + "' is " + t.types[c] + ", the field is " + kind + " (" + shown + ")"
                + (hint == null ? "" : "; " + hint);
    }

    // ---- archives to create ------------------------------------------------------------------------------------

    /**
     * Defines the archive of {@code t} from the fields of this line (its first valid one): a column per field, typed
     * by the field's value. False after reporting why it cannot be (then the line is skipped).
     */
    private boolean define(LineTarget t) {
        int at = pos;
        int atLine = line;
        collected.clear();
        if (!fields(null, COLLECT)) {
            return false;
        }
        pos = at;
        line = atLine;
        List<Column> columns = new ArrayList<>();
        for (Map.Entry<String, ColumnType> f : collected.entrySet()) {
            try {
                columns.add(Column.of(f.getKey(), f.getValue()));
            } catch (TidemarkException e) {
                valueError(f.getKey(), "field '" + f.getKey() + "' cannot become a column of the new archive '"
                        + t.measurement + "': " + e.getMessage());
                return false;
            }
        }
        try {
            t.define(ArchiveDefinition.raw(t.measurement, columns));
        } catch (TidemarkException e) {
            valueError(null, e.getMessage());
            return false;
        }
        return true;
    }

    // ---- text --------------------------------------------------------------------------------------------------

    private static final boolean[] ESCAPES_MEASUREMENT = escapes(", \\");
    private static final boolean[] ESCAPES_KEY = escapes(",= \\");
    private static final boolean[] ESCAPES_STRING = escapes("\"\\");

    private static boolean[] escapes(String chars) {
        boolean[] out = new boolean[128];
        for (char ch : chars.toCharArray()) {
            out[ch] = true;
        }
        return out;
    }

    /**
     * The text of {@code b[from, to)}: a backslash before one of {@code escapes} stands for that character, any
     * other backslash for itself; null when the bytes are not UTF-8.
     */
    private String text(int from, int to, boolean escaped, boolean[] escapes) {
        if (!escaped) {
            return utf8(b, from, to);
        }
        if (unescaped.length < to - from) {
            unescaped = new byte[Math.max(to - from, unescaped.length * 2)];
        }
        int n = 0;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '\\' && i + 1 < to && b[i + 1] >= 0 && escapes[b[i + 1]]) {
                c = b[++i];
            }
            unescaped[n++] = c;
        }
        return utf8(unescaped, 0, n);
    }

    private String utf8(byte[] bytes, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to && ascii; i++) {
            ascii = bytes[i] >= 0;
        }
        if (ascii) {
            return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer out = utf8.reset().decode(ByteBuffer.wrap(bytes, from, to - from));
            return out.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code b[from, to)} as an error message shows it: at most 40 characters. */
    private String shown(int from, int to) {
        String s = new String(b, from, Math.min(to, from + 160) - from, StandardCharsets.UTF_8);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    /** Reports a syntax error in the point being read; always false. */
    private boolean syntax(String field, String reason) {
        malformed = true;
        add(field, reason);
        return false;
    }

    /** Reports a value the archive refuses (the line is read on, and not written). */
    private void valueError(String field, String reason) {
        refusedInLine++;
        add(field, reason);
    }

    private void add(String field, String reason) {
        if (errors.size() < LineProtocol.MAX_ERRORS) {
            errors.add(new LineProtocol.Error(lineNo, measurement, field, reason));
        }
    }

    /** What a series key maps to: a measurement's target and the rtId, or why its lines are refused. */
    static final class Series {
        final LineTarget target;
        final String measurement;
        final String rtId;
        final String field;
        final String error;
        final boolean syntax;

        private Series(LineTarget target, String measurement, String rtId, String field, String error, boolean syntax) {
            this.target = target;
            this.measurement = measurement;
            this.rtId = rtId;
            this.field = field;
            this.error = error;
            this.syntax = syntax;
        }

        static Series of(LineTarget t, String rtId) {
            return new Series(t, t.measurement, rtId, null, null, false);
        }

        static Series syntax(String measurement, String field, String reason) {
            return new Series(null, measurement, null, field, reason, true);
        }

        static Series refused(LineTarget t, String reason) {
            return new Series(t, t.measurement, null, null, reason, false);
        }

        static Series refused(LineTarget t, String reason, String field) {
            return new Series(t, t.measurement, null, field, reason, false);
        }
    }

    /**
     * Series by the bytes of their key, for one parser: a body names few series many times. Up to
     * {@value #MAX_CACHED} are kept; past that, each further new key is parsed every time.
     */
    static final class SeriesCache {
        static final int MAX_CACHED = 1 << 16;
        private byte[][] keys = new byte[256][];
        private Series[] values = new Series[256];
        private int[] hashes = new int[256];
        private int size;

        /** The series of the key {@code b[from, to)} whose hash is {@code h}; null for none. */
        Series get(byte[] b, int from, int to, int h) {
            int mask = keys.length - 1;
            for (int slot = h & mask; ; slot = (slot + 1) & mask) {
                byte[] k = keys[slot];
                if (k == null) {
                    return null;
                }
                if (hashes[slot] == h && java.util.Arrays.equals(k, 0, k.length, b, from, to)) {
                    return values[slot];
                }
            }
        }

        void put(byte[] b, int from, int to, int h, Series s) {
            if (size >= MAX_CACHED) {
                return;
            }
            int mask = keys.length - 1;
            int slot = h & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = java.util.Arrays.copyOfRange(b, from, to);
            values[slot] = s;
            hashes[slot] = h;
            if (++size * 2 > keys.length) {
                grow();
            }
        }

        /** A key's hash from the polynomial hash of its bytes, as {@link LineParser#seriesEnd} computes it. */
        static int mix(int h) {
            return (h ^ (h >>> 16)) * 0x9E3779B1;
        }

        private void grow() {
            byte[][] oldKeys = keys;
            Series[] oldValues = values;
            int[] oldHashes = hashes;
            keys = new byte[oldKeys.length * 2][];
            values = new Series[oldKeys.length * 2];
            hashes = new int[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != null) {
                    int slot = oldHashes[i] & mask;
                    while (keys[slot] != null) {
                        slot = (slot + 1) & mask;
                    }
                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                    hashes[slot] = oldHashes[i];
                }
            }
        }
    }
}
