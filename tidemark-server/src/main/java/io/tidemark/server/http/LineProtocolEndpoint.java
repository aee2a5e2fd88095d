package io.tidemark.server.http;

import io.javalin.http.Context;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.Names;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.IngestRejection;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.ingest.BodyLimits;
import io.tidemark.server.ingest.LineProtocolException;
import io.tidemark.server.ingest.LineProtocolReader;
import io.tidemark.server.ingest.fast.LineProtocol;
import io.tidemark.store.PublicError;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * InfluxDB line protocol over HTTP: {@code POST /api/v2/write?org=…&bucket=…&precision=ns|us|ms|s} and the v1
 * {@code POST /write?db=…&precision=…}, answered as InfluxDB answers its clients (Telegraf, the client libraries):
 * 204 without a body once every point is durable; errors as {@code {"code": "invalid" …, "message": …}} with
 * Tidemark's code and, for a refused body, the errors by line. Each measurement goes to the archive of the same
 * name; the whole body is one transaction. {@code org}, {@code bucket} and {@code db} are required (clients always
 * send them) but select nothing: the token selects the tenant. docs/ingest.md has the rules.
 */
final class LineProtocolEndpoint {
    /** The two write APIs. */
    enum Api {
        V1("/write"),
        V2("/api/v2/write");

        final String path;

        Api(String path) {
            this.path = path;
        }
    }

    private final Operations ops;
    private final LineProtocolReader reader = new LineProtocolReader();

    LineProtocolEndpoint(Operations ops) {
        this.ops = ops;
    }

    /** Whether {@code path} is one of this endpoint's, whose errors take InfluxDB's shape. */
    static boolean serves(String path) {
        return Api.V1.path.equals(path) || Api.V2.path.equals(path);
    }

    /**
     * Serves one request; {@code authenticate} turns the request into its caller (and notes it for the access
     * log). Every refusal after authentication is counted in {@code tidemark.ingest.batches{result=rejected}}.
     */
    void handle(Context ctx, Api api, Function<Context, Caller> authenticate) {
        Caller caller = null;
        try {
            caller = authenticate(ctx, authenticate);
            write(ctx, api, caller);
        } catch (Exception e) {
            if (caller != null) {
                ops.ingestRejected(caller, e instanceof TidemarkException t ? IngestRejection.of(t)
                        : IngestRejection.OTHER);
            }
            error(ctx, e);
        }
    }

    private static Caller authenticate(Context ctx, Function<Context, Caller> authenticate) {
        String header = ctx.header("Authorization");
        if (header == null && (ctx.queryParam("u") != null || ctx.queryParam("p") != null)) {
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "credentials in the query string (u, p) are not "
                    + "supported: send the token as 'Authorization: Token tmk_…'");
        }
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "basic authentication (a user name and password) "
                    + "is not supported: send the token as 'Authorization: Token tmk_…'");
        }
        return authenticate.apply(ctx);
    }

    private void write(Context ctx, Api api, Caller caller) throws IOException {
        ops.requireIngest(caller);
        LineProtocol.Precision precision = parameters(ctx, api);
        boolean gzip = IngestEndpoint.gzip(ctx.header("Content-Encoding"));
        long maxBytes = ops.config().ingestMaxBytes();
        int maxRows = ops.config().ingestMaxRows();
        if (ctx.contentLength() > maxBytes) {
            IngestEndpoint.drain(ctx.bodyInputStream());
            throw BodyLimits.tooManyBytes(maxBytes);
        }
        long now = Micros.toMicros(ops.now());
        LineProtocolReader.Bytes body = body(ctx.bodyInputStream(), gzip, maxBytes);
        for (int attempt = 1; ; attempt++) {
            Map<String, Operations.WritableArchive> found = new ConcurrentHashMap<>();
            LineProtocol.Parsed parsed;
            try {
                parsed = reader.parse(body, m -> resolve(caller, m, found), precision, now,
                        Operations.batchLimits(maxRows));
            } catch (TidemarkException e) {
                if (e.code() == ErrorCode.TOO_LARGE) {
                    throw new TidemarkException(ErrorCode.TOO_LARGE, e.getMessage() + " (ingest.max-rows)");
                }
                throw e;
            }
            List<Operations.WritableArchive> targets = new ArrayList<>();
            List<SampleBatch> batches = new ArrayList<>();
            try {
                for (LineProtocol.Measurement m : parsed.measurements()) {
                    targets.add(m.create() ? ops.autoCreateArchive(caller, m.batch().archive()) : found.get(m.name()));
                    batches.add(m.batch());
                }
            } catch (TidemarkException e) {
                if (e.code() == ErrorCode.ALREADY_EXISTS && attempt == 1) {
                    continue; // another request created it first: read the body again against it
                }
                throw e;
            }
            ops.ingest(targets, batches);
            ctx.status(204);
            return;
        }
    }

    /** The body, inflated if gzip, read whole within {@code maxBytes} (compressed and inflated). */
    private LineProtocolReader.Bytes body(InputStream raw, boolean gzip, long maxBytes) throws IOException {
        try {
            InputStream in = BodyLimits.limit(raw, maxBytes);
            if (gzip) {
                in = BodyLimits.limit(BodyLimits.gunzip(in), maxBytes);
            }
            return reader.readBody(in);
        } catch (IOException e) {
            if (BodyLimits.isBadEncoding(e)) {
                IngestEndpoint.drain(raw);
                throw LineProtocolReader.badEncoding(e);
            }
            if (!BodyLimits.isTooLarge(e)) {
                throw e;
            }
            IngestEndpoint.drain(raw);
            throw BodyLimits.tooManyBytes(maxBytes);
        }
    }

    /** What measurement {@code m} maps to for {@code caller}; the archives found go to {@code found}. */
    private LineProtocol.Resolution resolve(Caller caller, String m, Map<String, Operations.WritableArchive> found) {
        try {
            Names.require("archive", m);
        } catch (TidemarkException e) {
            return LineProtocol.Resolution.refused("measurement '" + m + "' is not an archive name: each measurement "
                    + "is written to the archive of the same name, 1 to 63 characters, a lower-case letter first, "
                    + "then lower-case letters, digits or '_'");
        }
        String tag = ops.config().line().rtIdTagOf(caller.tenant().value(), m);
        try {
            Operations.WritableArchive a = ops.lineArchive(caller, m);
            found.put(m, a);
            return LineProtocol.Resolution.archive(a.info().definition(), tag);
        } catch (TidemarkException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return ops.config().line().autoCreate() ? LineProtocol.Resolution.create(tag)
                        : LineProtocol.Resolution.refused("no archive '" + m + "' for measurement '" + m + "': "
                                + "create and activate it first, or let line protocol create archives with "
                                + "ingest.line.auto-create=true");
            }
            if (e.code() == ErrorCode.INVALID_STATE) {
                return LineProtocol.Resolution.refused("measurement '" + m + "': " + e.getMessage());
            }
            throw e;
        }
    }

    /** Checks the query parameters InfluxDB requires; returns the precision. */
    private static LineProtocol.Precision parameters(Context ctx, Api api) {
        String p = ctx.queryParam("precision");
        if (api == Api.V2) {
            if (blank(ctx.queryParam("org")) && blank(ctx.queryParam("orgID"))) {
                throw invalid("the query parameter org is required (any name: the token selects the tenant)");
            }
            if (blank(ctx.queryParam("bucket"))) {
                throw invalid("the query parameter bucket is required (any name: each measurement is written to the "
                        + "archive of the same name)");
            }
            LineProtocol.Precision v = LineProtocol.Precision.v2(p);
            if (v == null) {
                throw invalid("precision '" + p + "' is not one of ns, us, ms, s");
            }
            return v;
        }
        if (blank(ctx.queryParam("db"))) {
            throw invalid("the query parameter db is required (any name: each measurement is written to the archive "
                    + "of the same name)");
        }
        LineProtocol.Precision v = LineProtocol.Precision.v1(p);
        if (v == null) {
            throw invalid("precision '" + p + "' is not one of n, ns, u, us, ms, s, m, h");
        }
        return v;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static TidemarkException invalid(String message) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, message);
    }

    /**
     * Answers an error in InfluxDB's shape: {@code code} InfluxDB's ({@code invalid}, {@code unauthorized},
     * {@code forbidden}, {@code not found}, {@code request too large}, {@code unavailable}, {@code internal error}),
     * {@code message}, and {@code tidemarkCode} with Tidemark's stable code; a refused body's {@code errors}; a fault's
     * {@code errorId}; {@code Retry-After} on 503.
     */
    void error(Context ctx, Exception e) {
        PublicError p = PublicError.report(ctx.method() + " " + ctx.path(), e);
        int status = status(p.code(), e);
        if (status == 503) {
            ctx.header("Retry-After", Integer.toString(ops.config().storeWaits().retryAfterSeconds()));
            if (p.code() == ErrorCode.STORE_UNAVAILABLE) {
                ops.storeUnavailable(ctx.path());
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", influxCode(status));
        body.put("message", p.message());
        body.put("tidemarkCode", p.code().name());
        if (p.errorId() != null) {
            body.put("errorId", p.errorId());
        }
        if (e instanceof LineProtocolException l) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LineProtocol.Error r : l.errors()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("line", r.line());
                row.put("measurement", r.measurement());
                row.put("field", r.field());
                row.put("reason", r.reason());
                rows.add(row);
            }
            body.put("errors", rows);
        }
        Json.send(ctx, status, body);
    }

    private static int status(ErrorCode code, Exception e) {
        if (e instanceof IngestEndpoint.UnsupportedType) {
            return 415;
        }
        return switch (code) {
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case TOO_LARGE -> 413;
            case UNAVAILABLE, STORE_UNAVAILABLE, LOG_UNAVAILABLE -> 503;
            case STORE_ERROR, INTERNAL -> 500;
            default -> 400;
        };
    }

    private static String influxCode(int status) {
        return switch (status) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 413 -> "request too large";
            case 503 -> "unavailable";
            case 500 -> "internal error";
            default -> "invalid";
        };
    }
}
