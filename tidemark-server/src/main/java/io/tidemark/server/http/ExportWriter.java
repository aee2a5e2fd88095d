package io.tidemark.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.tidemark.core.Column;
import io.tidemark.core.ErrorCode;
import io.tidemark.server.Operations;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Exported rows in the ingest formats, so an export posts back as it is: NDJSON lines
 * {@code {"rtId":…,"timestamp":…,<column>:…}} with every column (null when the row has none), or CSV with the
 * header {@code rtId,timestamp,<columns>}. An error after the body has started ends it with one line a re-import
 * refuses: {@code {"error":{"code":…,"message":…,"cursor":…}}}, or {@code #error,<code>,<message>,<cursor>} in CSV
 * (a data row never starts with an unquoted {@code #}: such an rtId is quoted). Buffers at most a few KiB; not
 * thread-safe.
 */
abstract sealed class ExportWriter {
    /** Bytes buffered before they go to the response stream. */
    private static final int BUFFER = 8 * 1024;

    static ExportWriter of(boolean csv, List<Column> columns, OutputStream out) throws IOException {
        return csv ? new Csv(columns, out) : new Ndjson(columns, out);
    }

    /** Starts the body (the CSV header). */
    abstract void begin() throws IOException;

    abstract void row(Operations.DataRow r) throws IOException;

    /**
     * The final line of a body cut short by an error.
     *
     * @param cursor the cursor of the last row written (resume with {@code after=}); null when none was
     */
    abstract void error(ErrorCode code, String message, String cursor) throws IOException;

    /** Hands what is buffered to the response stream. */
    abstract void flush() throws IOException;

    private static final class Ndjson extends ExportWriter {
        private final List<Column> columns;
        private final JsonGenerator g;

        Ndjson(List<Column> columns, OutputStream out) throws IOException {
            this.columns = columns;
            this.g = Json.MAPPER.getFactory().createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            g.enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN.mappedFeature());
        }

        @Override
        void begin() {
            // NDJSON has no header
        }

        @Override
        void row(Operations.DataRow r) throws IOException {
            g.writeStartObject();
            g.writeStringField("rtId", r.rtId());
            g.writeStringField("timestamp", r.timestamp().toString());
            for (Column c : columns) {
                g.writeFieldName(c.name());
                value(r.values().get(c.name()));
            }
            g.writeEndObject();
            g.writeRaw('\n');
        }

        private void value(Object v) throws IOException {
            if (v == null) {
                g.writeNull();
            } else if (v instanceof Double || v instanceof Float) {
                g.writeNumber(((Number) v).doubleValue());
            } else if (v instanceof BigDecimal d) {
                g.writeNumber(d);
            } else if (v instanceof BigInteger i) {
                g.writeNumber(i);
            } else if (v instanceof Number n) {
                g.writeNumber(n.longValue());
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else {
                g.writeString(v.toString());
            }
        }

        @Override
        void error(ErrorCode code, String message, String cursor) throws IOException {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code.name());
            g.writeStringField("message", message);
            if (cursor != null) {
                g.writeStringField("cursor", cursor);
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
        }

        @Override
        void flush() throws IOException {
            g.flush();
        }
    }

    private static final class Csv extends ExportWriter {
        private final List<Column> columns;
        private final Writer w;

        Csv(List<Column> columns, OutputStream out) {
            this.columns = columns;
            // Not closed: closing would close the response stream, which the endpoint ends itself.
            this.w = new java.io.BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), BUFFER);
        }

        @Override
        void begin() throws IOException {
            w.write("rtId,timestamp");
            for (Column c : columns) {
                w.write(',');
                w.write(c.name());
            }
            w.write('\n');
        }

        @Override
        void row(Operations.DataRow r) throws IOException {
            field(r.rtId(), true);
            w.write(',');
            w.write(r.timestamp().toString());
            for (Column c : columns) {
                w.write(',');
                Object v = r.values().get(c.name());
                if (v instanceof String s) {
                    field(s, false);
                } else if (v instanceof BigDecimal d) {
                    w.write(d.toPlainString());
                } else if (v != null) {
                    w.write(v.toString());
                }
            }
            w.write('\n');
        }

        /**
         * RFC 4180: quoted when it holds a comma, quote or line break, or is empty (an empty field is null); a first
         * field starting with {@code #} is quoted too, so only the error line starts with an unquoted one.
         */
        private void field(String s, boolean first) throws IOException {
            boolean quote = s.isEmpty() || first && s.charAt(0) == '#';
            for (int i = 0; i < s.length() && !quote; i++) {
                char ch = s.charAt(i);
                quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
            }
            if (!quote) {
                w.write(s);
                return;
            }
            w.write('"');
            w.write(s.replace("\"", "\"\""));
            w.write('"');
        }

        @Override
        void error(ErrorCode code, String message, String cursor) throws IOException {
            w.write("#error,");
            w.write(code.name());
            w.write(',');
            field(message, false);
            w.write(',');
            if (cursor != null) {
                w.write(cursor);
            }
            w.write('\n');
        }

        @Override
        void flush() throws IOException {
            w.flush();
        }
    }
}
