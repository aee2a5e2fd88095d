package io.tidemark.server.http;

import io.javalin.http.Context;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.graphql.StreamCursor;
import io.tidemark.store.PublicError;
import io.tidemark.store.ReadRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/archives/{archive}/samples}: the rows of a raw or rollup archive as NDJSON or CSV, streamed
 * page by page. Each page is one bounded store read ({@link #pageRows} rows, keyset-paged by (timestamp, rtId) like
 * {@code streamData}) written to the response and flushed before the next is read, so memory stays constant
 * whatever the count. Errors before the body (role, archive, parameters, the first read) get their status and the
 * JSON error body; an error after it has started ends the body with the format's error line
 * ({@link ExportWriter}), logged and counted. A write to a client that stopped reading is bounded by Jetty's idle
 * timeout; every read by the store's timeouts.
 */
final class ExportEndpoint {
    /** The response header with the cursor to resume from when {@code limit} cut the result. */
    static final String NEXT_CURSOR = "Tidemark-Next-Cursor";
    /** Rows per store read. */
    static final int PAGE_ROWS = 5_000;
    private static final String ROUTE = "/api/v1/archives/{archive}/samples";
    private static final Logger LOG = LoggerFactory.getLogger(ExportEndpoint.class);
    private final Operations ops;
    private final BooleanSupplier draining;
    private final int pageRows;

    /**
     * @param draining true once the server is shutting down: an export in flight stops after its current page with
     *     an {@code UNAVAILABLE} error line that carries the cursor to resume from
     */
    ExportEndpoint(Operations ops, BooleanSupplier draining, int pageRows) {
        this.ops = ops;
        this.draining = draining;
        this.pageRows = pageRows;
    }

    void handle(Context ctx, Caller caller) throws IOException {
        Plan plan;
        try {
            plan = plan(ctx, caller);
        } catch (RuntimeException e) {
            ops.exportRejected(caller);
            throw e;
        }
        stream(ctx, caller, plan);
    }

    /** What to send: checked, and with its first page read, before any byte of the body. */
    private record Plan(Operations.ReadableArchive archive, ExportParams params, Instant to, ReadRequest.Key end,
            List<Operations.DataRow> first, boolean firstIsAll) {}

    private Plan plan(Context ctx, Caller caller) {
        Operations.ReadableArchive a = ops.readableArchive(caller, ctx.pathParam("archive"));
        ExportParams p = ExportParams.parse(ctx.queryParamMap());
        if (p.limit() == 0) {
            return new Plan(a, p, p.to(), null, read(a, p, p.to(), p.after(), pageRows), false);
        }
        return limited(a, p);
    }

    /**
     * With a limit, the cursor goes in a header, so it must be known before the body: the limit's last row is
     * found first, reading pages without keeping them (one read when the limit fits a page, and that page is then
     * the body). The body is every row up to and including that row's key — a row written meanwhile before it is
     * included, so resuming after it loses and repeats nothing.
     */
    private Plan limited(Operations.ReadableArchive a, ExportParams p) {
        long left = p.limit();
        ReadRequest.Key after = p.after();
        for (int reads = 0; ; reads++) {
            int n = (int) Math.min(pageRows, left + 1);
            List<Operations.DataRow> page = read(a, p, p.to(), after, n);
            if (page.size() <= left && page.size() == n) {
                left -= page.size();
                after = key(page.get(page.size() - 1));
                continue;
            }
            if (page.size() <= left) {
                // The rows ran out within the limit: no cut, no cursor.
                return reads == 0 ? new Plan(a, p, p.to(), null, page, true)
                        : new Plan(a, p, p.to(), null, read(a, p, p.to(), p.after(), pageRows), false);
            }
            ReadRequest.Key end = key(page.get((int) left - 1));
            if (reads == 0) {
                return new Plan(a, p, p.to(), end, page.subList(0, (int) left), true);
            }
            // No row after the end's timestamp can come before it: read no further than that.
            Instant to = min(p.to(), end.timestamp().plusNanos(1000));
            return new Plan(a, p, to, end, read(a, p, to, p.after(), pageRows), false);
        }
    }

    private void stream(Context ctx, Caller caller, Plan plan) throws IOException {
        ExportParams p = plan.params();
        String name = plan.archive().info().name();
        ctx.status(200);
        ctx.contentType(p.csv() ? IngestEndpoint.CSV + "; charset=utf-8" : IngestEndpoint.NDJSON);
        ctx.header("Content-Disposition", "attachment; filename=\"" + name + "." + p.format() + "\"");
        ctx.header("Cache-Control", "no-store");
        if (plan.end() != null) {
            ctx.header(NEXT_CURSOR, StreamCursor.encode(plan.end()));
        }
        // Javalin's stream: gzip when the client accepts it (the server's compression setting), else plain.
        OutputStream out = ctx.outputStream();
        ExportWriter w = ExportWriter.of(p.csv(), plan.archive().columns(), out);
        long rows = 0;
        ReadRequest.Key last = null;
        List<Operations.DataRow> page = plan.first();
        try {
            w.begin();
            while (true) {
                boolean atEnd = false;
                long before = rows;
                for (Operations.DataRow r : page) {
                    w.row(r);
                    rows++;
                    last = key(r);
                    if (last.equals(plan.end())) {
                        atEnd = true;
                        break;
                    }
                }
                flush(ctx, w);
                ops.exportedRows(caller, p.format(), rows - before);
                if (atEnd || plan.firstIsAll() || page.size() < pageRows) {
                    break;
                }
                if (draining.getAsBoolean()) {
                    throw new TidemarkException(ErrorCode.UNAVAILABLE, "the server is shutting down; resume with "
                            + "after= and the cursor of this line");
                }
                page = read(plan.archive(), p, plan.to(), last, pageRows);
            }
        } catch (IOException e) {
            // The client went away (or stopped reading past the idle timeout): nobody is left to tell.
            LOG.atInfo().addKeyValue("archive", name).addKeyValue("rows", rows).addKeyValue("reason", e.toString())
                    .log("export aborted by the client");
            ops.exported(caller, p.format(), "aborted");
            return;
        } catch (RuntimeException e) {
            fail(ctx, caller, w, p, name, rows, last, e);
            return;
        }
        out.close();
        ops.exported(caller, p.format(), plan.end() == null ? "complete" : "limited");
    }

    /** An error after the status went out: the error line ends the body; logged and counted. */
    private void fail(Context ctx, Caller caller, ExportWriter w, ExportParams p, String name, long rows,
            ReadRequest.Key last, RuntimeException e) throws IOException {
        ErrorCode code;
        String message;
        if (e instanceof TidemarkException t && !PublicError.isFault(t.code())) {
            code = t.code();
            message = t.getMessage();
            LOG.atWarn().addKeyValue("archive", name).addKeyValue("rows", rows).addKeyValue("code", code)
                    .log("export ended early: " + message);
        } else {
            // Logged in full under an error id by PublicError; the client gets the code, a plain message and the id.
            PublicError pe = PublicError.report("GET " + ctx.path(), e);
            code = pe.code();
            if (code == ErrorCode.STORE_UNAVAILABLE) {
                ops.storeUnavailable(ROUTE);
            }
            message = pe.message() + " (error id " + pe.errorId() + ")";
        }
        ops.exported(caller, p.format(), "failed");
        try {
            w.error(code, message, last == null ? null : StreamCursor.encode(last));
            w.flush();
            ctx.outputStream().close();
        } catch (IOException gone) {
            // the client went away as well
        }
    }

    private static void flush(Context ctx, ExportWriter w) throws IOException {
        w.flush();
        // The servlet stream, not Javalin's wrapper (whose flush does nothing): the page goes on the wire now.
        ctx.res().flushBuffer();
    }

    private static List<Operations.DataRow> read(Operations.ReadableArchive a, ExportParams p, Instant to,
            ReadRequest.Key after, int limit) {
        return a.read(new ReadRequest(a.info().name(), p.rtIds(), p.from(), to, limit, after));
    }

    private static ReadRequest.Key key(Operations.DataRow r) {
        return new ReadRequest.Key(r.timestamp(), r.rtId());
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
