package io.tidemark.server.http;

import com.fasterxml.jackson.core.type.TypeReference;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.graphql.GraphQlApi;
import io.tidemark.server.ingest.MalformedBodyException;
import io.tidemark.server.live.LiveEndpoint;
import io.tidemark.store.PublicError;
import io.tidemark.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the server, on one port: {@code /graphql}, {@code /api/v1/archives/{archive}/samples} (POST
 * ingest, GET export), {@code /metrics}, {@code /health}, the live WebSocket {@code /api/v1/live}, and static files
 * (the classpath folder {@code public}, and WebJars under {@code /webjars}) for a GET no route matches. Javalin 6 on
 * Jetty 11: routing, a request logger that sees every request with its status and time, and WebSockets.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("tidemark.access");
    private static final String CALLER = "tidemark.caller";
    private static final String COUNTED = "tidemark.counted";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    /**
     * Classpath folder of the static files (the console, the JavaScript live client) served for a {@code GET} that no
     * route matches; routes always win.
     */
    static final String STATIC_DIRECTORY = "/public";
    /**
     * Classpath folder of the WebJars on the class path (the console's chart library, uPlot), served at
     * {@code /webjars/<name>/<version>/…} with the same headers: nothing the console loads comes from elsewhere.
     */
    static final String WEBJARS_DIRECTORY = "/META-INF/resources/webjars";
    /**
     * Headers on every static file: revalidate (a new server version is picked up at once), and a content security
     * policy that lets a page talk to this server only (fetch, WebSocket) and load nothing from elsewhere.
     */
    private static final Map<String, String> STATIC_HEADERS = Map.of(
            "Cache-Control", "no-cache",
            "Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                    + "style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer");
    /** Largest text message a live client may send; a larger one closes the socket with 1009. */
    private static final long MAX_LIVE_MESSAGE = 1L << 20;

    private final Operations ops;
    private final Store store;
    private final Authenticator auth;
    private final GraphQlApi graphQl;
    private final PrometheusMeterRegistry meters;
    private final IngestEndpoint ingest;
    private final LineProtocolEndpoint lineProtocol;
    private final ExportEndpoint export;
    private final LiveEndpoint live;
    private final InFlight inFlight = new InFlight();
    private final byte[] metricsTokenHash;
    private final boolean metricsOpen;
    private final StoreHealth health;
    private Javalin app;

    public HttpApi(Operations ops, Store store, GraphQlApi graphQl, PrometheusMeterRegistry meters, LiveEndpoint live) {
        this.ops = ops;
        this.live = live;
        this.store = store;
        this.auth = new Authenticator(store.tokens());
        this.graphQl = graphQl;
        this.meters = meters;
        this.ingest = new IngestEndpoint(ops);
        this.lineProtocol = new LineProtocolEndpoint(ops);
        this.export = new ExportEndpoint(ops, inFlight::isDraining, ExportEndpoint.PAGE_ROWS);
        String token = ops.config().metricsToken();
        this.metricsTokenHash = token == null || token.isEmpty() ? null
                : Tokens.hash(token).getBytes(StandardCharsets.US_ASCII);
        this.metricsOpen = metricsTokenHash == null && isLoopback(ops.config().host());
        this.health = new StoreHealth(store, ops.config().storeWaits().healthInterval(), meters);
    }

    /** Binds and starts serving; returns the bound port. */
    public int start() {
        io.micrometer.core.instrument.Gauge.builder("tidemark.http.inflight", inFlight, InFlight::count)
                .description("HTTP requests being served").register(meters);
        health.start();
        app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = ops.config().graphqlMaxBytes();
            cfg.requestLogger.http(this::logRequest);
            cfg.jetty.modifyWebSocketServletFactory(f -> f.setMaxTextMessageSize(MAX_LIVE_MESSAGE));
            serveStatic(cfg, "/", STATIC_DIRECTORY);
            serveStatic(cfg, "/webjars", WEBJARS_DIRECTORY);
        });
        live.install(app);
        app.before(this::enter);
        app.get("/health", this::health);
        app.get("/metrics", this::metrics);
        app.post("/graphql", ctx -> graphql(ctx, authenticate(ctx)));
        app.post("/api/v1/archives/{archive}/samples", ctx -> ingest.handle(ctx, authenticate(ctx)));
        app.get("/api/v1/archives/{archive}/samples", ctx -> export.handle(ctx, authenticate(ctx)));
        app.post(LineProtocolEndpoint.Api.V2.path, ctx -> lineProtocol.handle(ctx, LineProtocolEndpoint.Api.V2,
                this::authenticateTokenOrBearer));
        app.post(LineProtocolEndpoint.Api.V1.path, ctx -> lineProtocol.handle(ctx, LineProtocolEndpoint.Api.V1,
                this::authenticateTokenOrBearer));
        app.get("/ping", this::ping);
        app.head("/ping", this::ping);
        app.exception(MalformedBodyException.class, (e, ctx) -> Json.send(ctx, 400, IngestEndpoint.body(e)));
        app.exception(IngestEndpoint.UnsupportedType.class, (e, ctx) ->
                Json.send(ctx, 415, Json.error(e.code(), e.getMessage())));
        app.exception(TidemarkException.class, this::tidemarkError);
        app.exception(Exception.class, this::fault);
        app.error(404, ctx -> {
            if (ctx.result() == null || !ctx.result().startsWith("{")) {
                Json.send(ctx, 404, Json.error(ErrorCode.NOT_FOUND, "no endpoint " + ctx.method() + " " + ctx.path()
                        + "; see docs/api.md"));
            }
        });
        app.error(405, ctx -> Json.send(ctx, 405, Json.error(ErrorCode.INVALID_ARGUMENT, "method " + ctx.method()
                + " is not allowed on " + ctx.path())));
        try {
            app.start(ops.config().host(), ops.config().port());
        } catch (RuntimeException e) {
            throw bindFailure(e);
        }
        return app.port();
    }

    /** Serves a classpath folder at {@code hostedPath} with {@link #STATIC_HEADERS}. */
    private static void serveStatic(io.javalin.config.JavalinConfig cfg, String hostedPath, String directory) {
        cfg.staticFiles.add(files -> {
            files.hostedPath = hostedPath;
            files.directory = directory;
            files.location = Location.CLASSPATH;
            files.headers = STATIC_HEADERS;
        });
    }

    /**
     * A start that failed to bind, as one clear {@code UNAVAILABLE} error naming the port and the address (the
     * operator's mistake, not a fault: no stack trace); anything else unchanged.
     */
    private RuntimeException bindFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException b) {
                String where = "port " + ops.config().port() + " on " + ops.config().host();
                String msg = String.valueOf(b.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("in use")
                        ? where + " is in use; stop the other process or use --port"
                        : "cannot listen on " + where + " (" + b.getMessage() + "); check --host and --port";
                return new TidemarkException(ErrorCode.UNAVAILABLE, msg);
            }
        }
        return e;
    }

    /**
     * Stops accepting connections, refuses new requests on open ones with 503, and waits up to {@code timeout} for
     * the requests in flight (an ingest batch in flight commits and is answered); then stops the HTTP server.
     *
     * @return requests still in flight when the wait ended (0 after a clean drain)
     */
    public int stop(Duration timeout) {
        health.close();
        if (app == null) {
            return 0;
        }
        inFlight.drain();
        for (Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof NetworkConnector n) {
                n.close();
            }
        }
        int left;
        try {
            left = inFlight.awaitIdle(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            left = -1;
        }
        app.stop();
        return left;
    }

    private void enter(Context ctx) {
        inFlight.enter();
        ctx.attribute(COUNTED, Boolean.TRUE);
    }

    private Caller authenticate(Context ctx) {
        Caller c = auth.authenticate(ctx.header("Authorization"));
        ctx.attribute(CALLER, c);
        return c;
    }

    /** {@link #authenticate} taking {@code Token …} too, as InfluxDB clients send it. */
    private Caller authenticateTokenOrBearer(Context ctx) {
        Caller c = auth.authenticateTokenOrBearer(ctx.header("Authorization"));
        ctx.attribute(CALLER, c);
        return c;
    }

    /**
     * {@code GET}/{@code HEAD /ping}: 204, as InfluxDB answers the probe its clients and Telegraf send before
     * writing; without authentication, like {@code /health}.
     */
    private void ping(Context ctx) {
        ctx.header("X-Influxdb-Build", "Tidemark");
        ctx.header("X-Influxdb-Version", "2.7-compatible (Tidemark)");
        ctx.status(204);
    }

    private void graphql(Context ctx, Caller caller) {
        Map<String, Object> req;
        byte[] body;
        try {
            body = graphqlBody(ctx);
        } catch (TidemarkException e) {
            Json.send(ctx, Json.status(e.code()), GraphQlApi.errorResponse(e.code(), e.getMessage()));
            return;
        }
        try {
            req = Json.MAPPER.readValue(body, MAP);
        } catch (IOException e) {
            Json.send(ctx, 400, GraphQlApi.errorResponse(ErrorCode.INVALID_QUERY,
                    "the body must be JSON: {\"query\": \"…\", \"variables\": {…}}"));
            return;
        }
        Object query = req.get("query");
        Object vars = req.get("variables");
        Object op = req.get("operationName");
        if (!(query instanceof String) || vars != null && !(vars instanceof Map) || op != null && !(op instanceof String)) {
            Json.send(ctx, 400, GraphQlApi.errorResponse(ErrorCode.INVALID_QUERY,
                    "'query' must be a string, 'variables' an object and 'operationName' a string"));
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = (Map<String, Object>) vars;
        Json.send(ctx, 200, graphQl.execute(caller, (String) query, variables, (String) op));
    }

    /**
     * The GraphQL body, read up to {@code graphql.max-bytes}: {@code TOO_LARGE} past it (declared or read), after
     * reading and dropping a bounded part of the rest so the client sees the answer.
     */
    private byte[] graphqlBody(Context ctx) {
        long max = ops.config().graphqlMaxBytes();
        TidemarkException tooLarge = new TidemarkException(ErrorCode.TOO_LARGE, "the GraphQL request body is larger "
                + "than " + max + " bytes (graphql.max-bytes); send a smaller query or pass data as variables in "
                + "several requests");
        try (InputStream in = ctx.bodyInputStream()) {
            if (ctx.contentLength() > max) {
                IngestEndpoint.drain(in);
                throw tooLarge;
            }
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) {
                IngestEndpoint.drain(in);
                throw tooLarge;
            }
            return b;
        } catch (IOException e) {
            throw new TidemarkException(ErrorCode.INVALID_QUERY, "the request body could not be read: " + e.getMessage());
        }
    }

    private void health(Context ctx) {
        if (inFlight.isDraining()) {
            Json.send(ctx, 503, Map.of("status", "DOWN", "reason", "shutting down"));
            return;
        }
        StoreHealth.Status s = health.current();
        if (s.up()) {
            Json.send(ctx, 200, Map.of("status", "UP"));
            return;
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("status", "DOWN");
        body.put("reason", s.reason());
        if (s.errorId() != null) {
            body.put("errorId", s.errorId());
        }
        ctx.header("Retry-After", Integer.toString(ops.config().storeWaits().retryAfterSeconds()));
        Json.send(ctx, 503, body);
    }

    private void metrics(Context ctx) {
        if (!metricsOpen && !metricsTokenMatches(ctx.header("Authorization"))) {
            throw metricsTokenHash == null
                    ? new TidemarkException(ErrorCode.FORBIDDEN, "/metrics needs metrics.token when the server "
                            + "listens beyond loopback; set it and give it to the scraper")
                    : new TidemarkException(ErrorCode.UNAUTHENTICATED, "send the metrics token as 'Authorization: "
                            + "Bearer …'");
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(meters.scrape());
    }

    private boolean metricsTokenMatches(String header) {
        if (metricsTokenHash == null || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = Tokens.hash(header.substring(7).trim()).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(presented, metricsTokenHash);
    }

    private void tidemarkError(TidemarkException e, Context ctx) {
        if (LineProtocolEndpoint.serves(ctx.path())) {
            lineProtocol.error(ctx, e);
            return;
        }
        if (PublicError.isFault(e.code())) {
            fault(e, ctx);
            return;
        }
        if (ctx.path().equals("/graphql")) {
            Json.send(ctx, Json.status(e.code()), GraphQlApi.errorResponse(e.code(), e.getMessage()));
            return;
        }
        Json.sendError(ctx, e);
    }

    /**
     * A store or internal fault: logged in full under an error id ({@link PublicError}); the client gets the code,
     * a plain message and the id. {@code STORE_UNAVAILABLE} is 503 with {@code Retry-After}, counted by
     * {@code tidemark_store_unavailable_total{route}}; {@code LOG_UNAVAILABLE} (cluster mode) is 503 with
     * {@code Retry-After}; anything else 500.
     */
    private void fault(Exception e, Context ctx) {
        if (LineProtocolEndpoint.serves(ctx.path())) {
            lineProtocol.error(ctx, e);
            return;
        }
        PublicError p = PublicError.report(ctx.method() + " " + ctx.path(), e);
        boolean unavailable = p.code() == ErrorCode.STORE_UNAVAILABLE || p.code() == ErrorCode.LOG_UNAVAILABLE;
        int status = unavailable ? 503 : 500;
        if (unavailable) {
            ctx.header("Retry-After", Integer.toString(ops.config().storeWaits().retryAfterSeconds()));
        }
        if (p.code() == ErrorCode.STORE_UNAVAILABLE) {
            ops.storeUnavailable(route(ctx));
        }
        if (ctx.path().equals("/graphql")) {
            Json.send(ctx, status, GraphQlApi.errorResponse(p));
            return;
        }
        Map<String, Object> body = Json.error(p.code(), p.message());
        body.put("errorId", p.errorId());
        Json.send(ctx, status, body);
    }

    /** The access log line and the request timer, for every request, after its response. */
    private void logRequest(Context ctx, Float ms) {
        if (ctx.attribute(COUNTED) != null) {
            ctx.attribute(COUNTED, null);
            flushQuietly(ctx);
            inFlight.exit();
        }
        String route = route(ctx);
        int status = ctx.statusCode();
        Timer.builder("tidemark.http.requests").description("HTTP requests by route and status")
                .tags("method", ctx.method().name(), "route", route, "status", Integer.toString(status))
                .register(meters).record((long) (ms * 1_000_000L), TimeUnit.NANOSECONDS);
        Caller c = ctx.attribute(CALLER);
        ACCESS.atInfo().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
                .addKeyValue("status", status).addKeyValue("ms", String.format(java.util.Locale.ROOT, "%.1f", ms))
                .addKeyValue("tenant", c == null ? "-" : c.tenant().value())
                .addKeyValue("bytes", ctx.contentLength()).log("request");
    }

    /**
     * Puts the response on the wire before the request stops counting as in flight: Javalin's request logger runs
     * before Jetty completes the exchange, and a shutdown that stopped Jetty in between would drop an answer whose
     * batch is already committed.
     */
    private static void flushQuietly(Context ctx) {
        try {
            ctx.res().flushBuffer();
        } catch (IOException | RuntimeException e) {
            // the client went away; the request is over either way
        }
    }

    private static String route(Context ctx) {
        try {
            String p = ctx.endpointHandlerPath();
            if (p != null && !p.isEmpty()) {
                return p;
            }
        } catch (RuntimeException e) {
            // no route matched: a static file or nothing
        }
        return ctx.statusCode() < 400 ? "static" : "unmatched";
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
