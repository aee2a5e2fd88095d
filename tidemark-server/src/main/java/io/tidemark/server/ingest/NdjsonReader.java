package io.tidemark.server.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.server.ingest.fast.FastNdjson;
import io.tidemark.server.ingest.fast.PlainIso;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads NDJSON — one JSON object per line, {@code {"rtId": "…", "timestamp": "…" or epoch millis, "col": value…}} —
 * as a stream with Jackson's streaming parser, either straight into a {@link SampleBatch.Builder} or into
 * {@link Sample}s; values keep their JSON type (integer → Long, fraction → Double, boolean, string, null) for the
 * builder to check against the archive. A syntax
 * error stops the read; other errors are collected, up to {@value #MAX_ERRORS}. Thread-safe.
 *
 * <p>Into a builder, the body is read whole into memory first; a body in {@link FastNdjson}'s strict subset (ASCII,
 * no escapes, known fields, no errors the reader itself reports) is parsed straight from its bytes, any other is
 * handed unchanged to Jackson, which gives every error. Both give the same rows, values and lines. A body of a
 * megabyte or more is read in two halves at once. With the fast path off ({@code ingest.fast-path=false}) Jackson
 * reads every body.
 */
public final class NdjsonReader {
    static final int MAX_ERRORS = 10;
    /** FastDoubleParser (bundled with Jackson): numbers dominate sample bodies. */
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER).build();

    private final boolean fastPath;

    /** A reader that tries the fast path first. */
    public NdjsonReader() {
        this(true);
    }

    /** @param fastPath whether a body is offered to {@link FastNdjson} before Jackson ({@code ingest.fast-path}) */
    public NdjsonReader(boolean fastPath) {
        this.fastPath = fastPath;
    }

    /**
     * Reads the body into {@link Sample}s.
     *
     * @throws MalformedBodyException when the body is not valid NDJSON of samples
     * @throws IOException from the stream, including {@link LimitedInputStream.TooLarge}
     * @throws io.tidemark.core.TidemarkException {@code TOO_LARGE} past {@code maxRows} samples
     */
    public ParsedBody read(String archive, InputStream in, int maxRows) throws IOException {
        Rows.ToSamples rows = new Rows.ToSamples();
        int[] lines = readWithJackson(archive, rows, in, maxRows);
        List<Sample> samples = rows.done();
        return new ParsedBody(samples, java.util.Arrays.copyOf(lines, samples.size()));
    }

    /**
     * Reads the body straight into {@code batch} (field names looked up by its column index, timestamps as
     * microseconds); {@link SampleBatch.Builder#build()} then validates. Same errors as {@link #read(String,
     * InputStream, int)}.
     */
    public ParsedBody read(SampleBatch.Builder batch, InputStream in, int maxRows) throws IOException {
        Rows rows = new Rows.ToBatch(batch);
        Body body = Body.read(in);
        int[] lines = fastPath && body.complete()
                ? FastNdjson.read(batch.archive(), body.bytes, body.length, maxRows, rows) : null;
        if (lines == null) {
            lines = readWithJackson(batch.archive().name(), rows, body.replay(), maxRows);
        }
        return new ParsedBody(batch, java.util.Arrays.copyOf(lines, batch.rows()));
    }

    /** The general path: any NDJSON Jackson reads, every error reported; the fast path's oracle in tests. */
    int[] readWithJackson(String archive, Rows rows, InputStream in, int maxRows) throws IOException {
        int[] lines = new int[64];
        List<BodyError> errors = new ArrayList<>();
        int row = 0;
        int objects = 0;
        int lastEndLine = 0;
        try (JsonParser p = JSON.createParser(in)) {
            JsonToken t;
            while ((t = p.nextToken()) != null && errors.size() < MAX_ERRORS) {
                row++;
                if (row > maxRows) {
                    throw BodyLimits.tooManyRows(maxRows);
                }
                int line = p.currentTokenLocation().getLineNr();
                if (line == lastEndLine) {
                    errors.add(new BodyError(row, line, null, "a second JSON value on line " + line
                            + "; NDJSON takes one object per line"));
                    p.skipChildren();
                    lastEndLine = p.currentLocation().getLineNr();
                    continue;
                }
                if (t != JsonToken.START_OBJECT) {
                    errors.add(new BodyError(row, line, null, "expected a JSON object per line, got " + t.asString()
                            + (t.asString() == null ? t : "")));
                    p.skipChildren();
                    continue;
                }
                if (row > lines.length) {
                    lines = java.util.Arrays.copyOf(lines, lines.length * 2);
                }
                lines[row - 1] = line;
                objects++;
                object(p, rows, row, line, errors);
                lastEndLine = p.currentLocation().getLineNr();
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            errors.add(new BodyError(row, line, null, "malformed JSON: " + e.getOriginalMessage()));
        }
        if (!errors.isEmpty()) {
            throw new MalformedBodyException(archive, withValueErrors(errors, rows.valueErrors(), lines));
        }
        return java.util.Arrays.copyOf(lines, objects);
    }

    /**
     * The reader's own errors (syntax, rtId, timestamp) and the sink's value errors on the other rows read, by row,
     * at most {@value #MAX_ERRORS}: a user fixes every reported line in one go.
     */
    private static List<BodyError> withValueErrors(List<BodyError> own, List<BatchRejectedException.RowError> values,
            int[] lines) {
        java.util.Set<Integer> reported = new java.util.HashSet<>();
        own.forEach(e -> reported.add(e.row()));
        List<BodyError> all = new ArrayList<>(own);
        for (BatchRejectedException.RowError e : values) {
            if (!reported.contains(e.row()) && e.row() >= 1 && e.row() <= lines.length && lines[e.row() - 1] > 0) {
                all.add(new BodyError(e.row(), lines[e.row() - 1], e.column(), e.reason()));
            }
        }
        all.sort(java.util.Comparator.comparingInt(BodyError::row));
        return all.size() > MAX_ERRORS ? List.copyOf(all.subList(0, MAX_ERRORS)) : all;
    }

    /** One sample object, its opening brace just read; also {@link JsonSamples}'s. */
    static void object(JsonParser p, Rows rows, int row, int line, List<BodyError> errors)
            throws IOException {
        rows.row();
        java.util.Set<String> names = new java.util.HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (!names.add(name)) {
                errors.add(new BodyError(row, line, name, "the field '" + name + "' appears twice in the object; "
                        + "give each field once"));
                p.skipChildren();
                continue;
            }
            switch (name) {
                case "rtId" -> rows.rtId(rtId(p, v, row, line, errors));
                case "timestamp" -> timestamp(p, v, rows, row, line, errors);
                default -> value(p, v, rows, name, row, line, errors);
            }
        }
    }

    private static String rtId(JsonParser p, JsonToken v, int row, int line, List<BodyError> errors)
            throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        errors.add(new BodyError(row, line, "rtId", "rtId must be a JSON string, got "
                + (v.isScalarValue() ? p.getText() : v.asString())));
        p.skipChildren();
        return null;
    }

    private static void timestamp(JsonParser p, JsonToken v, Rows rows, int row, int line, List<BodyError> errors)
            throws IOException {
        try {
            if (v == JsonToken.VALUE_STRING) {
                String text = p.getText();
                long micros = PlainIso.plainIsoMicros(text);
                if (micros != PlainIso.NOT_PLAIN) {
                    rows.micros(micros);
                } else {
                    rows.timestamp(Timestamps.isoTimestamp(text));
                }
                return;
            }
            if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG
                    || v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                rows.millis(p.getLongValue());
                return;
            }
            throw new IllegalArgumentException("timestamp must be an ISO-8601 string or whole epoch milliseconds, got "
                    + (v.isScalarValue() ? p.getText() : v.asString()));
        } catch (IllegalArgumentException e) {
            errors.add(new BodyError(row, line, "timestamp", e.getMessage()));
            rows.timestamp(null);
            p.skipChildren();
        }
    }

    private static void value(JsonParser p, JsonToken v, Rows rows, String name, int row, int line,
            List<BodyError> errors) throws IOException {
        switch (v) {
            case VALUE_NUMBER_FLOAT -> rows.doubleValue(name, Rows.UNRESOLVED, p.getDoubleValue());
            case VALUE_NUMBER_INT -> rows.value(name, Rows.UNRESOLVED,
                    p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                            : (Object) p.getLongValue());
            case VALUE_STRING -> rows.value(name, Rows.UNRESOLVED, p.getText());
            case VALUE_TRUE -> rows.value(name, Rows.UNRESOLVED, Boolean.TRUE);
            case VALUE_FALSE -> rows.value(name, Rows.UNRESOLVED, Boolean.FALSE);
            case VALUE_NULL -> rows.value(name, Rows.UNRESOLVED, null);
            default -> {
                errors.add(new BodyError(row, line, name, "nested objects and arrays are not sample values"));
                p.skipChildren();
                rows.value(name, Rows.UNRESOLVED, null);
            }
        }
    }
}
