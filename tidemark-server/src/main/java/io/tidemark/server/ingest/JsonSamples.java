package io.tidemark.server.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tidemark.core.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one JSON document holding one sample object or an array of them, each in the NDJSON sample shape
 * ({@code {"rtId": "…", "timestamp": "…" or epoch millis, "col": value…}}), with {@link NdjsonReader}'s object rules:
 * the same types, timestamp forms and error texts. An MQTT message's payload, for instance. Fields left out stay
 * null in the {@link Sample} (the caller may fill rtId and timestamp). Thread-safe.
 */
public final class JsonSamples {
    private JsonSamples() {}

    /**
     * @param archive for the error's message
     * @return the samples in document order
     * @throws MalformedBodyException naming the bad samples (row = position in the array, from 1; line = the
     *     document's line), or "the body holds no samples" for an empty array
     * @throws io.tidemark.core.TidemarkException {@code TOO_LARGE} past {@code maxRows} samples
     */
    public static List<Sample> read(String archive, byte[] json, int maxRows) {
        Rows.ToSamples rows = new Rows.ToSamples();
        List<BodyError> errors = new ArrayList<>();
        int row = 0;
        try (JsonParser p = NdjsonReader.JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                NdjsonReader.object(p, rows, 1, p.currentTokenLocation().getLineNr(), errors);
                row = 1;
            } else if (t == JsonToken.START_ARRAY) {
                while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null && errors.size() < NdjsonReader.MAX_ERRORS) {
                    row++;
                    if (row > maxRows) {
                        throw BodyLimits.tooManyRows(maxRows);
                    }
                    int line = p.currentTokenLocation().getLineNr();
                    if (t != JsonToken.START_OBJECT) {
                        errors.add(new BodyError(row, line, null, "expected a sample object in the array, got "
                                + (t.isScalarValue() ? p.getText() : t.asString())));
                        p.skipChildren();
                        continue;
                    }
                    NdjsonReader.object(p, rows, row, line, errors);
                }
            } else {
                errors.add(new BodyError(0, 1, null, "expected a sample object or an array of them, got "
                        + (t == null ? "nothing" : t.isScalarValue() ? p.getText() : t.asString())));
            }
            if (errors.isEmpty() && p.nextToken() != null) {
                errors.add(new BodyError(0, p.currentTokenLocation().getLineNr(), null, "more than one JSON value; "
                        + "send one sample object or one array of them"));
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            errors.add(new BodyError(row, line, null, "malformed JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail to read
        }
        if (!errors.isEmpty()) {
            throw new MalformedBodyException(archive, errors.size() > NdjsonReader.MAX_ERRORS
                    ? List.copyOf(errors.subList(0, NdjsonReader.MAX_ERRORS)) : errors);
        }
        List<Sample> samples = rows.done();
        if (samples.isEmpty()) {
            throw new MalformedBodyException(archive, List.of(new BodyError(0, 1, null, "the body holds no samples; "
                    + "send a sample object or a non-empty array of them")));
        }
        return samples;
    }
}
