package io.tidemark.server.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tidemark.core.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads NDJSON — one JSON object per line, {@code {"rtId": "…", "timestamp": "…" or epoch millis, "col": value…}} —
 * as a stream with Jackson's streaming parser; values keep their JSON type (integer → Long, fraction → Double,
 * boolean, string, null) for {@link io.tidemark.core.SampleBatch#validate} to check against the archive. A syntax
 * error stops the read; other errors are collected, up to {@value #MAX_ERRORS}. Thread-safe.
 */
public final class NdjsonReader {
    static final int MAX_ERRORS = 10;
    /** FastDoubleParser (bundled with Jackson): numbers dominate sample bodies. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER).build();

    /**
     * @throws MalformedBodyException when the body is not valid NDJSON of samples
     * @throws IOException from the stream, including {@link LimitedInputStream.TooLarge}
     * @throws io.tidemark.core.TidemarkException {@code TOO_LARGE} past {@code maxRows} samples
     */
    public ParsedBody read(String archive, InputStream in, int maxRows) throws IOException {
        List<Sample> samples = new ArrayList<>();
        int[] lines = new int[64];
        List<BodyError> errors = new ArrayList<>();
        int row = 0;
        try (JsonParser p = JSON.createParser(in)) {
            JsonToken t;
            while ((t = p.nextToken()) != null && errors.size() < MAX_ERRORS) {
                row++;
                if (row > maxRows) {
                    throw BodyLimits.tooManyRows(maxRows);
                }
                int line = p.currentTokenLocation().getLineNr();
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
                samples.add(object(p, row, line, errors));
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            errors.add(new BodyError(row, line, null, "malformed JSON: " + e.getOriginalMessage()));
        }
        if (!errors.isEmpty()) {
            throw new MalformedBodyException(archive, errors);
        }
        return new ParsedBody(samples, java.util.Arrays.copyOf(lines, samples.size()));
    }

    private static Sample object(JsonParser p, int row, int line, List<BodyError> errors) throws IOException {
        String rtId = null;
        Instant ts = null;
        Map<String, Object> values = new HashMap<>(8);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "rtId" -> rtId = rtId(p, v, row, line, errors);
                case "timestamp" -> ts = timestamp(p, v, row, line, errors);
                default -> values.put(name, value(p, v, name, row, line, errors));
            }
        }
        return new Sample(rtId, ts, values);
    }

    private static String rtId(JsonParser p, JsonToken v, int row, int line, List<BodyError> errors)
            throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        errors.add(new BodyError(row, line, "rtId", "rtId must be a JSON string, got " + v.asString()));
        p.skipChildren();
        return null;
    }

    private static Instant timestamp(JsonParser p, JsonToken v, int row, int line, List<BodyError> errors)
            throws IOException {
        try {
            if (v == JsonToken.VALUE_STRING) {
                return Values.isoTimestamp(p.getText());
            }
            if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG
                    || v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                return Values.epochMillis(p.getLongValue());
            }
            throw new IllegalArgumentException("timestamp must be an ISO-8601 string or whole epoch milliseconds, got "
                    + (v.isScalarValue() ? p.getText() : v.asString()));
        } catch (IllegalArgumentException e) {
            errors.add(new BodyError(row, line, "timestamp", e.getMessage()));
            p.skipChildren();
            return null;
        }
    }

    private static Object value(JsonParser p, JsonToken v, String name, int row, int line, List<BodyError> errors)
            throws IOException {
        return switch (v) {
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                    : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> {
                errors.add(new BodyError(row, line, name, "nested objects and arrays are not sample values"));
                p.skipChildren();
                yield null;
            }
        };
    }
}
