package io.tidemark.client;

import io.tidemark.protocol.Frame;
import io.tidemark.protocol.FrameCodec;
import io.tidemark.protocol.Protocol;
import io.tidemark.protocol.ProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reconnect lifecycle of one {@link Connection}: opens a WebSocket, says hello, registers every query once the
 * server's hello arrives, pings and gives up on a silent socket, and after a socket ends opens the next one with
 * exponential backoff and jitter, unless the end is final (a refused handshake, an unsupported version, a revoked
 * token). Holds the registered queries. Thread-safe: state is guarded by one lock; the frames a socket receives go
 * to the {@link FrameDispatch}, whose thread calls back {@link #ready} on a hello.
 */
final class ConnectionLifecycle {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    private final ConnectionConfig config;
    /** The live endpoints: the configured server's, then its failover servers'. */
    private final List<URI> wsUris;
    private final FrameDispatch dispatch;
    private final Object lock = new Object();
    private final AtomicLong epochs = new AtomicLong();
    private final CompletableFuture<Void> firstHello = new CompletableFuture<>();

    // Guarded by lock (current is also read without it, to drop the frames of a replaced socket).
    private final Map<String, Registered> queries = new LinkedHashMap<>();
    private volatile Socket current;
    private boolean closed;
    private long backoffNanos;
    /** The index in {@link #wsUris} of the server the current (or next) socket goes to. */
    private int node;
    /** Servers tried without a hello since the last one: a first connect fails once every one refused. */
    private int failedInARow;
    private ScheduledFuture<?> timer;

    ConnectionLifecycle(ConnectionConfig config) {
        this.config = config;
        List<URI> all = new java.util.ArrayList<>();
        all.add(liveUri(config.uri()));
        config.failover().forEach(u -> all.add(liveUri(u)));
        this.wsUris = List.copyOf(all);
        this.backoffNanos = config.reconnectInitialBackoff().toNanos();
        this.dispatch = new FrameDispatch(this);
    }

    /** Starts the dispatch thread and opens the first socket. */
    void start() {
        dispatch.start();
        connect();
    }

    /**
     * Waits for the first socket's hello, up to twice {@link ConnectionConfig#connectTimeout()}.
     *
     * @throws TidemarkClientException why the first socket failed ({@code UNAUTHENTICATED}, {@code FORBIDDEN} …),
     *     or {@code TRANSPORT} when no hello came in time or the wait was interrupted
     */
    void awaitFirstHello() {
        try {
            firstHello.get(config.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof TidemarkClientException t ? t
                    : new TidemarkClientException("TRANSPORT", 0, "cannot connect to " + wsUris + ": " + e.getCause(),
                            List.of());
        } catch (TimeoutException e) {
            throw new TidemarkClientException("TRANSPORT", 0, "no hello from " + wsUris + " within "
                    + config.connectTimeout().multipliedBy(2), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TidemarkClientException("TRANSPORT", 0, "interrupted while connecting", List.of());
        }
    }

    String lastError() {
        return dispatch.lastError();
    }

    boolean isConnected() {
        synchronized (lock) {
            return current != null && current.ready;
        }
    }

    /** See {@link Connection#registerQuery}. */
    Query register(QueryConfig query, QueryListener listener) {
        Registered r = new Registered(query, listener);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the connection is closed");
            }
            if (queries.containsKey(query.queryId())) {
                throw new IllegalStateException("query id '" + query.queryId() + "' is already registered");
            }
            queries.put(query.queryId(), r);
            if (current != null && current.ready) {
                current.send(registerFrame(query));
            }
        }
        return r;
    }

    /** See {@link Connection#close}. */
    void close() {
        Socket s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = current;
            current = null;
            cancelTimer();
            queries.clear();
        }
        if (s != null && s.ws != null) {
            s.ws.sendClose(Protocol.CLOSE_NORMAL, "bye").exceptionally(e -> null);
            Timers.INSTANCE.schedule(() -> s.ws.abort(), 2, TimeUnit.SECONDS);
        }
        dispatch.stop();
        firstHello.completeExceptionally(new TidemarkClientException("CLOSED", 0, "the connection was closed",
                List.of()));
    }

    // ---- for the dispatch thread ---------------------------------------------------------------------------------

    /** The socket whose frames count; frames of any other are dropped. Null while none is open. */
    Socket current() {
        return current;
    }

    /**
     * The server's hello on {@code s}: register every query, start the heartbeat, end {@link #awaitFirstHello}.
     *
     * @return on a reconnect, the ids of the queries registered again (their snapshots restart them); on the first
     *     hello, or a hello to ignore, none
     */
    java.util.Set<String> ready(Socket s, Frame.Hello h) {
        java.util.Set<String> again;
        synchronized (lock) {
            if (s != current || s.ready) {
                return java.util.Set.of();
            }
            again = firstHello.isDone() ? java.util.Set.copyOf(queries.keySet()) : java.util.Set.of();
            s.ready = true;
            backoffNanos = config.reconnectInitialBackoff().toNanos();
            failedInARow = 0;
            // In one message: the server registers them together, so every query restarts in the same generation
            // (one by one, a generation could restart some while the others still show the lost connection's).
            List<Frame> registers = new ArrayList<>();
            for (Registered r : queries.values()) {
                registers.add(registerFrame(r.config));
            }
            s.sendAll(registers);
            long every = config.heartbeatInterval().toNanos();
            timer = Timers.INSTANCE.scheduleAtFixedRate(() -> heartbeat(s), every, every, TimeUnit.NANOSECONDS);
        }
        if (!h.capabilities().contains(Protocol.AGGREGATE_MARK_GENERATION)) {
            LOG.log(System.Logger.Level.WARNING, "tidemark live: the server does not list "
                    + Protocol.AGGREGATE_MARK_GENERATION);
        }
        firstHello.complete(null);
        return again;
    }

    /** The registered query of an id, or null. */
    Registered active(String queryId) {
        synchronized (lock) {
            return queries.get(queryId);
        }
    }

    /** Forgets a query (it will not be registered again on reconnect); returns it, or null. */
    Registered remove(String queryId) {
        synchronized (lock) {
            return queries.remove(queryId);
        }
    }

    /** Forgets every query; returns them in registration order. */
    List<Registered> removeAll() {
        synchronized (lock) {
            List<Registered> all = new ArrayList<>(queries.values());
            queries.clear();
            return all;
        }
    }

    /** Each registered query's listener once, in registration order. */
    List<QueryListener> distinctListeners() {
        Map<QueryListener, Boolean> seen = new IdentityHashMap<>();
        List<QueryListener> out = new ArrayList<>();
        synchronized (lock) {
            for (Registered r : queries.values()) {
                if (seen.put(r.listener, Boolean.TRUE) == null) {
                    out.add(r.listener);
                }
            }
        }
        return out;
    }

    // ---- connecting --------------------------------------------------------------------------------------------

    private void connect() {
        Socket s = new Socket(epochs.incrementAndGet());
        URI wsUri;
        synchronized (lock) {
            if (closed) {
                return;
            }
            current = s;
            wsUri = wsUris.get(node);
        }
        WebSocket.Builder b = Shared.HTTP.newWebSocketBuilder().connectTimeout(config.connectTimeout());
        if (config.token() != null) {
            b.header("Authorization", "Bearer " + config.token());
        }
        b.buildAsync(wsUri, s).whenComplete((ws, e) -> {
            if (e != null) {
                lost(s, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
    }

    /** The socket ended or never opened: reconnect after the backoff, unless that is pointless. */
    private void lost(Socket s, Object why) {
        TidemarkClientException fatal = fatal(why);
        long delay;
        URI wsUri;
        URI nextUri;
        synchronized (lock) {
            if (s != current || closed) {
                return;
            }
            current = null;
            cancelTimer();
            wsUri = wsUris.get(node);
            // The next socket goes to the next server (with one server, to the same one).
            node = (node + 1) % wsUris.size();
            nextUri = wsUris.get(node);
            failedInARow++;
            boolean untried = !firstHello.isDone() && failedInARow < wsUris.size();
            if (fatal != null || (!firstHello.isDone() && !untried)) {
                closed = true;
            }
            if (untried && fatal == null) {
                // A first connect tries every server once before it fails.
                timer = Timers.INSTANCE.schedule(this::connect, 0, TimeUnit.NANOSECONDS);
                return;
            }
            delay = backoffNanos;
            backoffNanos = Math.min(backoffNanos * 2, config.reconnectMaxBackoff().toNanos());
        }
        if (!firstHello.isDone()) {
            firstHello.completeExceptionally(fatal != null ? fatal : new TidemarkClientException("TRANSPORT", 0,
                    "cannot connect to " + wsUri + ": " + why, List.of()));
            return;
        }
        if (fatal != null) {
            LOG.log(System.Logger.Level.WARNING, "tidemark live: " + fatal.getMessage() + "; not reconnecting");
            dispatch.failAll(fatal);
            return;
        }
        long jittered = (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        LOG.log(System.Logger.Level.INFO, "tidemark live: connection to " + wsUri + " lost (" + why
                + "); reconnecting " + (nextUri.equals(wsUri) ? "" : "to " + nextUri + " ") + "in "
                + Duration.ofNanos(jittered).toMillis() + " ms");
        synchronized (lock) {
            if (!closed) {
                timer = Timers.INSTANCE.schedule(this::connect, jittered, TimeUnit.NANOSECONDS);
            }
        }
    }

    private static TidemarkClientException fatal(Object why) {
        if (why instanceof WebSocketHandshakeException h) {
            int status = h.getResponse().statusCode();
            if (status >= 400 && status < 500) {
                String code = status == 401 ? "UNAUTHENTICATED" : status == 403 ? "FORBIDDEN"
                        : status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT";
                // Tidemark answers JSON; anything else (an HTML error page of a proxy) is noise in a message.
                String body = h.getResponse().body() instanceof String s && s.trim().startsWith("{") ? s.trim() : "";
                return new TidemarkClientException(code, status, "the server refused the live connection to "
                        + h.getResponse().uri() + " (HTTP " + status + ")" + (body.isEmpty() ? "" : " " + body),
                        List.of());
            }
        }
        if (why instanceof Closed c && c.code == Protocol.CLOSE_UNSUPPORTED_VERSION) {
            return new TidemarkClientException(Protocol.UNSUPPORTED_VERSION, 0, c.reason, List.of());
        }
        if (why instanceof Closed c && c.code == Protocol.CLOSE_TOKEN_REVOKED) {
            return new TidemarkClientException(Protocol.TOKEN_REVOKED, 0, "the server closed the live connection "
                    + "with " + c.code + " (" + c.reason + "): its token was revoked; connect with a valid token",
                    List.of());
        }
        return null;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * Runs on the shared timer: ping, or give up on a socket that went silent. While this connection has paused
     * reading (its listeners are behind), the silence is its own doing, so it does not count.
     */
    private void heartbeat(Socket s) {
        if (s.paused.get()) {
            s.lastHeard = System.nanoTime();
        }
        long silentNanos = System.nanoTime() - s.lastHeard;
        if (silentNanos > config.heartbeatInterval().toNanos() * 3) {
            if (s.ws != null) {
                s.ws.abort();
            }
            lost(s, "no frame for " + Duration.ofNanos(silentNanos).toMillis() + " ms");
            return;
        }
        s.send(new Frame.Ping(Long.toString(System.nanoTime())));
    }

    private static Frame.Register registerFrame(QueryConfig q) {
        return new Frame.Register(q.queryId(), q.sql(), q.type().name());
    }

    private static URI liveUri(URI base) {
        String scheme = "https".equalsIgnoreCase(base.getScheme()) ? "wss" : "ws";
        String s = base.toString().replaceFirst("^[a-zA-Z]+://", scheme + "://");
        return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + Protocol.PATH);
    }

    // ---- the socket --------------------------------------------------------------------------------------------

    /** One WebSocket; replaced by a new one on reconnect. */
    final class Socket implements WebSocket.Listener {
        final long epoch;
        volatile WebSocket ws;
        volatile long lastHeard = System.nanoTime();
        /** Guarded by {@code lock}: the server's hello arrived. */
        boolean ready;
        /** Reading stopped because the dispatch queue is too long; the dispatch thread resumes it. */
        final AtomicBoolean paused = new AtomicBoolean();
        private final StringBuilder partial = new StringBuilder();
        private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);

        Socket(long epoch) {
            this.epoch = epoch;
        }

        /** Sends in order; the JDK socket allows one outstanding send at a time. */
        void send(Frame f) {
            sendText(FrameCodec.encode(f));
        }

        /** Sends several frames as one message (a JSON array); nothing when the list is empty. */
        void sendAll(List<Frame> frames) {
            if (!frames.isEmpty()) {
                sendText(FrameCodec.encodeAll(frames));
            }
        }

        private void sendText(String text) {
            synchronized (this) {
                WebSocket w = ws;
                if (w == null) {
                    return;
                }
                sends = sends.handle((r, e) -> null).thenCompose(x -> w.sendText(text, true));
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            send(new Frame.Hello(Protocol.VERSION, List.copyOf(config.capabilities()), "tidemark-java/0.1", null, 0));
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeard = System.nanoTime();
            if (!last) {
                partial.append(data);
                webSocket.request(1);
                return null;
            }
            String text;
            if (partial.length() == 0) {
                text = data.toString();
            } else {
                text = partial.append(data).toString();
                partial.setLength(0);
            }
            List<Frame> frames;
            try {
                frames = FrameCodec.decode(text);
            } catch (ProtocolException e) {
                LOG.log(System.Logger.Level.WARNING, "tidemark live: the server sent an invalid frame: "
                        + e.getMessage());
                frames = List.of();
            }
            dispatch.offer(this, frames);
            if (dispatch.backlogged()) {
                paused.set(true);
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            lost(this, new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost(this, error);
        }
    }

    /** Why a socket ended: the close frame's code and reason. */
    private record Closed(int code, String reason) {
        @Override
        public String toString() {
            return "closed " + code + (reason == null || reason.isEmpty() ? "" : " " + reason);
        }
    }

    /** A registered query; {@link #schema} is confined to the dispatch thread. */
    final class Registered implements Query {
        final QueryConfig config;
        final QueryListener listener;
        /** Confined to the dispatch thread. */
        QuerySchema schema;

        Registered(QueryConfig config, QueryListener listener) {
            this.config = config;
            this.listener = listener;
        }

        @Override
        public QueryConfig config() {
            return config;
        }

        @Override
        public void unregister() {
            synchronized (lock) {
                if (queries.get(config.queryId()) != this) {
                    return;
                }
                queries.remove(config.queryId());
                if (current != null && current.ready) {
                    current.send(new Frame.Unregister(config.queryId()));
                }
            }
        }
    }

    /** One HTTP client for every connection of the JVM: each JDK client owns a selector thread. */
    private static final class Shared {
        static final HttpClient HTTP = HttpClient.newBuilder().build();
    }

    /** Heartbeats and reconnect timers of every connection, on one daemon thread. */
    private static final class Timers {
        static final ScheduledExecutorService INSTANCE = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidemark-live-timers");
            t.setDaemon(true);
            return t;
        });
    }
}
