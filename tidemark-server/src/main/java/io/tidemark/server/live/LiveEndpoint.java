package io.tidemark.server.live;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.live.LiveEngine;
import io.tidemark.protocol.Frame;
import io.tidemark.protocol.Protocol;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.server.auth.Caller;
import io.tidemark.store.TokenInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live WebSocket endpoint {@value Protocol#PATH} (docs/live-protocol.md). The upgrade request is authenticated
 * like every HTTP request (bearer token in the {@code Authorization} header; for browsers, which cannot set it, the
 * subprotocols {@code tidemark.live, tidemark.bearer.<token>} or {@code ?access_token=}); 401 without a valid token. The tenant is the token's; any role may read live queries. One {@link LiveSocket} and
 * one engine subscription per connection. Connections silent for longer than the heartbeat timeout are closed
 * with {@value Protocol#CLOSE_HEARTBEAT_TIMEOUT}.
 *
 * <h2>Revoked tokens</h2>
 * Each connection remembers the id of the token it was opened with. A connection whose token is revoked is closed
 * with {@value Protocol#CLOSE_TOKEN_REVOKED} and reason {@value Protocol#TOKEN_REVOKED_REASON}: at once by
 * {@link #tokenRevoked} (the server that handled the revocation), and otherwise at the next re-validation
 * ({@link #revalidateEvery}), which checks every open connection's token against the store in one query — so a
 * revocation made on another server sharing the store, or straight in the store, ends the connections within that
 * interval. While the store does not answer, connections stay open and each failed check is logged and counted.
 */
public final class LiveEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveEndpoint.class);
    private static final String CALLER = "tidemark.live.caller";
    private static final String TOKEN_ID = "tidemark.live.token";
    private static final String SEC_WEBSOCKET_PROTOCOL = "Sec-WebSocket-Protocol";

    private final LiveEngine engine;
    private volatile java.util.function.Consumer<io.tidemark.core.TenantId> admit = t -> { };
    private final Authenticator auth;
    private final ServerConfig.Live config;
    private final Map<String, LiveSocket> sockets = new ConcurrentHashMap<>();
    private final ExecutorService delivery;
    /** Result rows' wire text, shared by every socket (4,096 rows: a generation's distinct changes, typically). */
    private final TupleTexts texts = new TupleTexts(4_096);
    private final ScheduledExecutorService heartbeats;
    /** The token id each open connection was authenticated with, by session id. */
    private final Map<String, String> tokenIds = new ConcurrentHashMap<>();
    private final Counter revokedCloses;
    private final Counter revalidationFailures;
    private ScheduledExecutorService revalidation;

    public LiveEndpoint(LiveEngine engine, Authenticator auth, ServerConfig.Live config, MeterRegistry meters) {
        this.engine = engine;
        this.auth = auth;
        this.config = config;
        AtomicInteger n = new AtomicInteger();
        this.delivery = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "tidemark-live-delivery-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidemark-live-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(50, config.heartbeatTimeout().toMillis() / 4);
        heartbeats.scheduleWithFixedDelay(this::checkHeartbeats, every, every, TimeUnit.MILLISECONDS);
        Gauge.builder("tidemark.live.connections", sockets, Map::size).description("open live WebSockets")
                .register(meters);
        Gauge.builder("tidemark.live.outbound.bytes", this, LiveEndpoint::outboundBytes)
                .description("bytes queued for live WebSockets").register(meters);
        Gauge.builder("tidemark.live.outbound.peak.bytes", this, LiveEndpoint::peakOutboundBytes)
                .description("the most bytes any open live WebSocket has had queued").register(meters);
        Gauge.builder("tidemark.live.pending.rows", this, LiveEndpoint::pendingRows)
                .description("result rows the live engine holds for connections whose socket is behind").register(meters);
        this.revokedCloses = Counter.builder("tidemark.live.revoked.closes")
                .description("live connections closed because their token was revoked").register(meters);
        this.revalidationFailures = Counter.builder("tidemark.auth.revalidation.failures")
                .description("re-validations of live connections' tokens that failed because the store did not "
                        + "answer").register(meters);
    }

    /**
     * Re-validates every open connection's token against the store every {@code interval} (on a thread of its
     * own, so a slow store never delays heartbeats). Call once, after construction.
     */
    public synchronized void revalidateEvery(Duration interval) {
        if (revalidation != null) {
            throw new IllegalStateException("re-validation is already scheduled");
        }
        revalidation = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidemark-live-revalidate");
            t.setDaemon(true);
            return t;
        });
        long every = interval.toMillis();
        revalidation.scheduleWithFixedDelay(this::revalidate, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes every connection whose token is no longer valid in the store. Store faults are logged and counted;
     * the connections stay open until a check succeeds.
     */
    public void revalidate() {
        if (tokenIds.isEmpty()) {
            return;
        }
        Set<String> valid;
        try {
            valid = auth.validTokenIds();
        } catch (RuntimeException e) {
            revalidationFailures.increment();
            LOG.atWarn().addKeyValue("error", e.toString()).addKeyValue("connections", tokenIds.size())
                    .log("live: could not re-validate the connections' tokens; the store did not answer");
            return;
        }
        for (Map.Entry<String, String> e : List.copyOf(tokenIds.entrySet())) {
            if (!valid.contains(e.getValue())) {
                closeRevoked(e.getKey(), e.getValue());
            }
        }
    }

    /** The token with this id was revoked: closes its connections now. */
    public void tokenRevoked(String tokenId) {
        for (Map.Entry<String, String> e : List.copyOf(tokenIds.entrySet())) {
            if (e.getValue().equals(tokenId)) {
                closeRevoked(e.getKey(), tokenId);
            }
        }
    }

    private void closeRevoked(String sessionId, String tokenId) {
        if (tokenIds.remove(sessionId) == null) {
            return;
        }
        LiveSocket s = sockets.get(sessionId);
        if (s == null) {
            return;
        }
        revokedCloses.increment();
        LOG.atInfo().addKeyValue("tenant", s.caller.tenant().value()).addKeyValue("token_id", tokenId)
                .log("live: closing a connection whose token was revoked");
        // Not after a flush: a revoked token gets nothing more, not even what is queued for a slow socket.
        s.release();
        s.close(Protocol.CLOSE_TOKEN_REVOKED, Protocol.TOKEN_REVOKED_REASON);
    }

    LiveEngine engine() {
        return engine;
    }

    /**
     * Sets the check every query registration of a tenant passes first: it throws a {@link
     * io.tidemark.core.TidemarkException} (sent to the client as the query's error) when this node must not serve the
     * tenant's live queries now. Default: none. Cluster mode sets {@code LiveHub#admit}.
     */
    public void admitWith(java.util.function.Consumer<io.tidemark.core.TenantId> check) {
        this.admit = java.util.Objects.requireNonNull(check, "check");
    }

    /** Throws when this node must not serve {@code tenant}'s live queries now; see {@link #admitWith}. */
    void admit(io.tidemark.core.TenantId tenant) {
        admit.accept(tenant);
    }

    Duration heartbeatTimeout() {
        return config.heartbeatTimeout();
    }

    /** Adds the endpoint to the app: authentication on upgrade, then the socket handlers. */
    public void install(Javalin app) {
        app.wsBeforeUpgrade(Protocol.PATH, this::authenticate);
        app.ws(Protocol.PATH, this::configure);
    }

    private void authenticate(Context ctx) {
        TokenInfo t = auth.token(authorization(ctx.header("Authorization"), ctx.queryParam(Protocol.TOKEN_PARAM),
                ctx.header(SEC_WEBSOCKET_PROTOCOL)));
        ctx.attribute(CALLER, Authenticator.caller(t));
        ctx.attribute(TOKEN_ID, t.id());
    }

    /**
     * The bearer credential of an upgrade request, from the first of: the {@code Authorization} header, the
     * {@code access_token} query parameter, a {@code tidemark.bearer.<token>} entry of {@code Sec-WebSocket-Protocol}
     * (what the JavaScript client sends: browsers can set neither headers nor keep a token out of a query string's
     * logs otherwise). Null when none is there (the authenticator then refuses with UNAUTHENTICATED).
     */
    static String authorization(String header, String param, String subprotocols) {
        if (header != null) {
            return header;
        }
        if (param != null) {
            return "Bearer " + param;
        }
        if (subprotocols != null) {
            for (String p : subprotocols.split(",")) {
                String offered = p.trim();
                if (offered.startsWith(Protocol.TOKEN_SUBPROTOCOL_PREFIX)) {
                    return "Bearer " + offered.substring(Protocol.TOKEN_SUBPROTOCOL_PREFIX.length());
                }
            }
        }
        return null;
    }

    private void configure(WsConfig ws) {
        ws.onConnect(ctx -> {
            ctx.session.setIdleTimeout(config.heartbeatTimeout().plusSeconds(30));
            LiveSocket s = new LiveSocket(this, ctx.session, caller(ctx), config.outboundBytes(), delivery,
                    texts);
            sockets.put(ctx.sessionId(), s);
            tokenIds.put(ctx.sessionId(), tokenId(ctx));
        });
        ws.onMessage(ctx -> {
            LiveSocket s = sockets.get(ctx.sessionId());
            if (s != null) {
                s.onMessage(ctx.message());
            }
        });
        ws.onBinaryMessage(ctx -> {
            LiveSocket s = sockets.get(ctx.sessionId());
            if (s != null) {
                s.send(new Frame.ConnectionError(Protocol.INVALID_FRAME, "binary messages are not part of the "
                        + "protocol; send JSON text frames"));
            }
        });
        ws.onClose(ctx -> release(ctx.sessionId()));
        ws.onError(ctx -> release(ctx.sessionId()));
    }

    private String tokenId(WsContext ctx) {
        String id = ctx.attribute(TOKEN_ID);
        if (id != null) {
            return id;
        }
        return auth.token(authorization(ctx.header("Authorization"), ctx.queryParam(Protocol.TOKEN_PARAM),
                ctx.header(SEC_WEBSOCKET_PROTOCOL))).id();
    }

    private Caller caller(WsContext ctx) {
        Caller c = ctx.attribute(CALLER);
        if (c != null) {
            return c;
        }
        return auth.authenticate(authorization(ctx.header("Authorization"), ctx.queryParam(Protocol.TOKEN_PARAM),
                ctx.header(SEC_WEBSOCKET_PROTOCOL)));
    }

    private void release(String sessionId) {
        tokenIds.remove(sessionId);
        LiveSocket s = sockets.remove(sessionId);
        if (s != null) {
            s.release();
        }
    }

    /** A write failed: the socket is gone. */
    void closed(LiveSocket s) {
        sockets.values().remove(s);
        s.release();
        s.close(Protocol.CLOSE_INTERNAL, "write failed");
    }

    private void checkHeartbeats() {
        long limit = config.heartbeatTimeout().toNanos();
        long now = System.nanoTime();
        for (LiveSocket s : List.copyOf(sockets.values())) {
            if (now - s.lastHeardNanos > limit) {
                LOG.atInfo().addKeyValue("tenant", s.caller.tenant().value()).log("live: closing a silent connection");
                s.send(new Frame.ConnectionError(Protocol.HEARTBEAT_TIMEOUT, "nothing received for "
                        + config.heartbeatTimeout() + "; send ping frames more often"));
                s.closeAfterFlush(Protocol.CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout");
                s.lastHeardNanos = now; // close once
            }
        }
    }

    private double outboundBytes() {
        long b = 0;
        for (LiveSocket s : sockets.values()) {
            b += s.outboundBytes();
        }
        return b;
    }

    private double peakOutboundBytes() {
        long b = 0;
        for (LiveSocket s : sockets.values()) {
            b = Math.max(b, s.peakOutboundBytes());
        }
        return b;
    }

    private double pendingRows() {
        long n = 0;
        for (LiveSocket s : sockets.values()) {
            n += s.pendingRows();
        }
        return n;
    }

    /** Open live connections. */
    public int connections() {
        return sockets.size();
    }

    /** Closes every connection with 1001 (going away: clients reconnect) and stops the delivery threads. */
    @Override
    public void close() {
        heartbeats.shutdownNow();
        synchronized (this) {
            if (revalidation != null) {
                revalidation.shutdownNow();
            }
        }
        tokenIds.clear();
        for (LiveSocket s : List.copyOf(sockets.values())) {
            s.close(Protocol.CLOSE_GOING_AWAY, "server shutting down");
            s.release();
        }
        sockets.clear();
        delivery.shutdown();
    }
}
