package io.tidemark.server.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.server.ingest.fast.FastCsv;
import io.tidemark.server.ingest.fast.PlainIso;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads CSV with a header line {@code rtId,timestamp,col…} (any order; columns may be left out) as a stream with
 * jackson-dataformat-csv, either straight into a {@link SampleBatch.Builder} or into {@link Sample}s. Fields are typed by the archive's columns; an empty field is null. A timestamp is
 * ISO-8601 or whole epoch milliseconds. Errors are collected, up to ten. Thread-safe.
 *
 * <p>The body is read whole into memory first; a body in {@link FastCsv}'s strict subset (plain unquoted ASCII,
 * no errors the reader itself reports) is parsed straight from its bytes, any other is handed unchanged to
 * Jackson, which gives every error. Both give the same rows, values and lines. A body of a megabyte or more is
 * read in two halves at once. With the fast path off ({@code ingest.fast-path=false}) Jackson reads every body.
 */
public final class CsvReader {
    private static final CsvMapper CSV = new CsvMapper();

    private final boolean fastPath;

    /** A reader that tries the fast path first. */
    public CsvReader() {
        this(true);
    }

    /** @param fastPath whether a body is offered to {@link FastCsv} before Jackson ({@code ingest.fast-path}) */
    public CsvReader(boolean fastPath) {
        this.fastPath = fastPath;
    }

    /**
     * Reads the body into {@link Sample}s.
     *
     * @throws MalformedBodyException when the body is not valid CSV of samples for the archive
     * @throws IOException from the stream, including the byte limit
     * @throws io.tidemark.core.TidemarkException {@code TOO_LARGE} past {@code maxRows} samples
     */
    public ParsedBody read(ArchiveDefinition archive, InputStream in, int maxRows) throws IOException {
        Rows.ToSamples rows = new Rows.ToSamples();
        int[] lines = read(archive, rows, in, maxRows);
        return new ParsedBody(rows.done(), lines);
    }

    /**
     * Reads the body straight into {@code batch}: the header is resolved to column indexes once, timestamps become
     * microseconds; {@link SampleBatch.Builder#build()} then validates. Same errors as {@link
     * #read(ArchiveDefinition, InputStream, int)}.
     */
    public ParsedBody read(SampleBatch.Builder batch, InputStream in, int maxRows) throws IOException {
        int[] lines = read(batch.archive(), new Rows.ToBatch(batch), in, maxRows);
        return new ParsedBody(batch, lines);
    }

    private int[] read(ArchiveDefinition archive, Rows rows, InputStream in, int maxRows) throws IOException {
        Body body = Body.read(in);
        int[] lines = fastPath && body.complete()
                ? FastCsv.read(archive, body.bytes, body.length, maxRows, rows, names -> targets(archive, names))
                : null;
        if (lines != null) {
            return lines;
        }
        try {
            return readWithJackson(archive, rows, body.replay(), maxRows);
        } catch (java.io.CharConversionException e) {
            if (!body.complete()) {
                throw e;
            }
            throw new MalformedBodyException(archive.name(), List.of(Utf8Errors.csv(body.bytes, body.length)));
        }
    }

    /** The general path: any CSV Jackson reads, every error reported; the fast path's oracle in tests. */
    int[] readWithJackson(ArchiveDefinition archive, Rows rows, InputStream in, int maxRows) throws IOException {
        List<BodyError> errors = new ArrayList<>();
        int[] lines = new int[64];
        int row = 0;
        List<String> fields = new ArrayList<>();
        try (CsvParser p = CSV.getFactory().createParser(in)) {
            // WRAP_AS_ARRAY: the body is one array of records, each an array of fields.
            p.enable(CsvParser.Feature.WRAP_AS_ARRAY);
            p.nextToken();
            if (!nextRecord(p, fields)) {
                throw new MalformedBodyException(archive.name(), List.of(new BodyError(0, 1, null,
                        "the body is empty; send a header line rtId,timestamp,column… and then rows")));
            }
            Header h = header(archive, fields.toArray(new String[0]), errors);
            if (!errors.isEmpty()) {
                throw new MalformedBodyException(archive.name(), errors);
            }
            while (errors.size() < NdjsonReader.MAX_ERRORS) {
                int line = p.currentLocation().getLineNr();
                if (!nextRecord(p, fields)) {
                    break;
                }
                if (fields.size() == 1 && fields.get(0).isEmpty()) {
                    continue;
                }
                if (row + 1 > maxRows) {
                    throw BodyLimits.tooManyRows(maxRows);
                }
                row++;
                if (row > lines.length) {
                    lines = java.util.Arrays.copyOf(lines, lines.length * 2);
                }
                lines[row - 1] = line;
                sample(h, fields, rows, row, line, errors);
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            errors.add(new BodyError(row + 1, line, null, "malformed CSV: " + e.getOriginalMessage()));
        }
        if (!errors.isEmpty()) {
            throw new MalformedBodyException(archive.name(), errors);
        }
        return java.util.Arrays.copyOf(lines, row);
    }

    /** Reads the next record's fields into {@code out}; false at the end of the body. */
    private static boolean nextRecord(CsvParser p, List<String> out) throws IOException {
        out.clear();
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_ARRAY) {
            return false;
        }
        for (t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
            out.add(p.getText());
        }
        return true;
    }

    /** Where each field goes: -1 rtId, -2 timestamp, else the column index; null for an unusable header. */
    private record Header(String[] names, int[] target, Column[] columns) {}

    private static int indexOf(ArchiveDefinition archive, String name) {
        List<Column> cols = archive.columns();
        for (int c = 0; c < cols.size(); c++) {
            if (cols.get(c).name().equals(name)) {
                return c;
            }
        }
        return -1;
    }

    /** The header's field targets ({@link Header#target()}), or null for a header this reader rejects. */
    static int[] targets(ArchiveDefinition archive, String[] names) {
        List<BodyError> errors = new ArrayList<>();
        Header h = header(archive, names, errors);
        return errors.isEmpty() ? h.target() : null;
    }

    private static Header header(ArchiveDefinition archive, String[] names, List<BodyError> errors) {
        int[] target = new int[names.length];
        Column[] columns = new Column[names.length];
        boolean rtId = false;
        boolean ts = false;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < names.length; i++) {
            String n = names[i].trim();
            names[i] = n;
            if (!seen.add(n)) {
                errors.add(new BodyError(0, 1, n, "the header names the column '" + n + "' twice; name each column "
                        + "once"));
                continue;
            }
            if (n.equals("rtId")) {
                target[i] = -1;
                rtId = true;
            } else if (n.equals("timestamp")) {
                target[i] = -2;
                ts = true;
            } else {
                target[i] = indexOf(archive, n);
                columns[i] = target[i] < 0 ? null : archive.columns().get(target[i]);
                if (columns[i] == null) {
                    errors.add(new BodyError(0, 1, n, "archive '" + archive.name() + "' has no such column; its "
                            + "columns are " + archive.columns().stream().map(Column::name).toList()));
                }
            }
        }
        if (!rtId || !ts) {
            errors.add(new BodyError(0, 1, null, "the header line must name rtId and timestamp, got "
                    + java.util.Arrays.toString(names)));
        }
        return new Header(names, target, columns);
    }

    private static void sample(Header h, List<String> fields, Rows rows, int row, int line,
            List<BodyError> errors) {
        rows.row();
        if (fields.size() != h.names().length) {
            errors.add(new BodyError(row, line, null, "the line has " + fields.size() + " fields, the header "
                    + h.names().length));
            return;
        }
        for (int i = 0; i < fields.size(); i++) {
            String f = fields.get(i);
            int target = h.target()[i];
            try {
                switch (target) {
                    case -1 -> rows.rtId(f);
                    case -2 -> timestamp(f, rows);
                    default -> value(h.columns()[i], h.names()[i], target, f, rows);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new BodyError(row, line, h.names()[i], e.getMessage()));
            }
        }
    }

    private static void timestamp(String f, Rows rows) {
        if (f.isEmpty()) {
            rows.timestamp(null);
        } else if (isDigits(f)) {
            rows.millis(Long.parseLong(f));
        } else {
            long micros = PlainIso.plainIsoMicros(f);
            if (micros != PlainIso.NOT_PLAIN) {
                rows.micros(micros);
            } else {
                rows.timestamp(Timestamps.isoTimestamp(f));
            }
        }
    }

    private static void value(Column c, String name, int col, String f, Rows rows) {
        if (f.isEmpty()) {
            rows.value(name, col, null);
        } else if (c.type() == ColumnType.DOUBLE) {
            double d;
            try {
                d = com.fasterxml.jackson.core.io.NumberInput.parseDouble(f.trim(), true);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected " + c.type() + ", got '" + Timestamps.shortened(f) + "'");
            }
            rows.doubleValue(name, col, d);
        } else {
            rows.value(name, col, typed(c, f));
        }
    }

    private static boolean isDigits(String f) {
        int start = f.charAt(0) == '-' ? 1 : 0;
        if (f.length() == start || f.length() > 19) {
            return false;
        }
        for (int i = start; i < f.length(); i++) {
            if (f.charAt(i) < '0' || f.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static Object typed(Column c, String f) {
        try {
            return switch (c.type()) {
                case DOUBLE -> com.fasterxml.jackson.core.io.NumberInput.parseDouble(f.trim(), true);
                case BIGINT -> Long.parseLong(f);
                case BOOLEAN -> bool(f);
                case VARCHAR -> f;
                case TIMESTAMP -> throw new IllegalArgumentException("TIMESTAMP is not an ingest column type");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + c.type() + ", got '" + Timestamps.shortened(f) + "'");
        }
    }

    private static Boolean bool(String f) {
        if (f.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (f.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("expected BOOLEAN (true or false), got '" + Timestamps.shortened(f) + "'");
    }
}
