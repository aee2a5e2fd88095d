package io.tidemark.server.http;

import io.javalin.http.Context;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.ingest.BodyError;
import io.tidemark.server.ingest.BodyLimits;
import io.tidemark.server.ingest.CsvReader;
import io.tidemark.server.ingest.MalformedBodyException;
import io.tidemark.server.ingest.NdjsonReader;
import io.tidemark.server.ingest.ParsedBody;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/v1/archives/{archive}/samples}: NDJSON or CSV, read as a stream, validated whole, written in one
 * transaction; 200 only once durable. 400 names the first bad rows (row, line, column, reason), 413 a body over
 * the byte or row limit, 415 another content type.
 */
final class IngestEndpoint {
    static final String NDJSON = "application/x-ndjson";
    static final String CSV = "text/csv";
    /** Bytes of an oversized body read and dropped so the client gets the 413 instead of a reset connection. */
    private static final long DRAIN_LIMIT = 16L << 20;
    private final Operations ops;
    private final NdjsonReader ndjson;
    private final CsvReader csv;

    IngestEndpoint(Operations ops) {
        this.ops = ops;
        this.ndjson = new NdjsonReader(ops.config().ingestFastPath());
        this.csv = new CsvReader(ops.config().ingestFastPath());
    }

    /**
     * Serves one request; every refusal after authentication is counted in {@code tidemark.ingest.batches} with
     * {@code result=rejected} and its {@link IngestRejection reason}.
     */
    void handle(Context ctx, Caller caller) throws IOException {
        try {
            write(ctx, caller);
        } catch (TidemarkException e) {
            ops.ingestRejected(caller, io.tidemark.server.IngestRejection.of(e));
            throw e;
        }
    }

    private void write(Context ctx, Caller caller) throws IOException {
        String archive = ctx.pathParam("archive");
        Operations.WritableArchive a = ops.writableArchive(caller, archive);
        boolean isCsv = format(ctx.contentType());
        boolean gzip = gzip(ctx.header("Content-Encoding"));
        long maxBytes = ops.config().ingestMaxBytes();
        int maxRows = ops.config().ingestMaxRows();
        if (ctx.contentLength() > maxBytes) {
            drain(ctx.bodyInputStream());
            throw BodyLimits.tooManyBytes(maxBytes);
        }
        ParsedBody body;
        InputStream raw = ctx.bodyInputStream();
        try {
            InputStream in = BodyLimits.limit(raw, maxBytes);
            if (gzip) {
                // The limit holds for the compressed bytes and again for what they inflate to: a gzip bomb is 413.
                in = BodyLimits.limit(BodyLimits.gunzip(in), maxBytes);
            }
            SampleBatch.Builder rows = SampleBatch.builder(a.info().definition(), Operations.batchLimits(maxRows));
            body = isCsv ? csv.read(rows, in, maxRows) : ndjson.read(rows, in, maxRows);
        } catch (IOException e) {
            if (BodyLimits.isBadEncoding(e)) {
                drain(raw);
                throw new MalformedBodyException(archive, List.of(new BodyError(0, 0, null, e.getMessage())));
            }
            if (!BodyLimits.isTooLarge(e)) {
                throw e;
            }
            drain(raw);
            throw BodyLimits.tooManyBytes(maxBytes);
        } catch (TidemarkException e) {
            if (e.code() == ErrorCode.TOO_LARGE) {
                drain(raw);
            }
            throw e;
        }
        if (body.received() == 0) {
            throw new MalformedBodyException(archive, List.of(new BodyError(0, 0, null, "the body holds no samples; "
                    + (isCsv ? "after the header line rtId,timestamp,column… send one line per sample"
                            : "send one JSON object per line"))));
        }
        int written;
        try {
            written = ops.ingest(a, body.batch(), maxRows);
        } catch (BatchRejectedException e) {
            List<BodyError> errors = new ArrayList<>();
            e.errors().forEach(r -> errors.add(new BodyError(r.row(), body.lineOf(r.row()), r.column(), r.reason())));
            throw new MalformedBodyException(archive, errors, true);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("archive", archive);
        out.put("received", body.received());
        out.put("written", written);
        Json.send(ctx, 200, out);
    }

    /** True for CSV, false for NDJSON; {@code INVALID_ARGUMENT} (415) for anything else. */
    private static boolean format(String contentType) {
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (ct.startsWith(NDJSON) || ct.startsWith("application/jsonl") || ct.startsWith("application/json")) {
            return false;
        }
        if (ct.startsWith(CSV)) {
            return true;
        }
        throw new UnsupportedType(contentType);
    }

    /**
     * Whether the body is gzip; false for none or {@code identity}; 415 for any other content coding (also for line
     * protocol, {@link LineProtocolEndpoint}).
     */
    static boolean gzip(String contentEncoding) {
        if (contentEncoding == null) {
            return false;
        }
        String e = contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (e.isEmpty() || e.equals("identity")) {
            return false;
        }
        if (e.equals("gzip") || e.equals("x-gzip")) {
            return true;
        }
        throw new UnsupportedType("content encoding '" + contentEncoding + "' is not supported; send the body "
                + "uncompressed or with Content-Encoding: gzip", true);
    }

    /** 415: the body's content type is neither NDJSON nor CSV. */
    static final class UnsupportedType extends TidemarkException {
        private static final long serialVersionUID = 1L;

        UnsupportedType(String contentType) {
            super(ErrorCode.INVALID_ARGUMENT, "content type '" + contentType + "' is not supported; send "
                    + NDJSON + " (one JSON object per line) or " + CSV + " (header rtId,timestamp,column…)");
        }

        UnsupportedType(String message, boolean encoding) {
            super(ErrorCode.INVALID_ARGUMENT, message);
        }
    }

    static void drain(InputStream in) {
        byte[] buf = new byte[64 * 1024];
        long left = DRAIN_LIMIT;
        try {
            int n;
            while (left > 0 && (n = in.read(buf)) > 0) {
                left -= n;
            }
        } catch (IOException e) {
            // the client went away or the body ended badly; the error response is all that is left to send
        }
    }

    static Map<String, Object> body(MalformedBodyException e) {
        Map<String, Object> m = Json.error(e.code(), e.getMessage());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BodyError r : e.errors()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("row", r.row());
            row.put("line", r.line());
            row.put("column", r.column());
            row.put("reason", r.reason());
            rows.add(row);
        }
        m.put("errors", rows);
        return m;
    }
}
