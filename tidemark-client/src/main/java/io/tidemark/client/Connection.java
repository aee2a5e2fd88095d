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
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A live connection to a Tidemark server (docs/live-protocol.md) over the JDK WebSocket client: live queries with
 * {@link #registerQuery}, ingest with {@link #publish}. Open with {@link #open(ConnectionConfig)}.
 *
 * <h2>Threading</h2>
 * Thread-safe. Each connection has one dispatch thread ({@code tidemark-live-N}) on which all its listeners'
 * callbacks run, in the order the server sent them (see {@link QueryListener}).
 *
 * <h2>Reconnects</h2>
 * When the socket closes or stays silent for three heartbeat intervals (not counting time when the connection itself
 * paused reading because its listeners fell behind), the connection reconnects with exponential
 * backoff ({@link ConnectionConfig#reconnectInitialBackoff()} doubling up to
 * {@link ConnectionConfig#reconnectMaxBackoff()}, with jitter) and registers every query again; each restarts with
 * {@code snapshotBegin}. A refused reconnect (401, 403, an unsupported protocol version) and a close for a revoked
 * token (4401, code {@code TOKEN_REVOKED}) are final: every query gets {@code exceptionRaised}.
 */
public final class Connection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Queued callbacks above which the socket stops reading (TCP backpressure reaches the server). */
    private static final int PAUSE_AT = 20_000;
    private static final int RESUME_AT = 2_000;

    private final ConnectionConfig config;
    /** Created on first use: each JDK HTTP client owns a selector thread, and most live connections never ingest. */
    private volatile TidemarkClient http;
    private final URI wsUri;
    private final LinkedBlockingQueue<Runnable> dispatch = new LinkedBlockingQueue<>();
    /** Frames received and not yet handled: what pauses and resumes reading. */
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final Thread dispatchThread;
    private final Object lock = new Object();
    private final AtomicLong epochs = new AtomicLong();
    private final CompletableFuture<Void> firstHello = new CompletableFuture<>();

    // Guarded by lock (current is also read without it, to drop the frames of a replaced socket).
    private final Map<String, Registered> queries = new LinkedHashMap<>();
    private volatile Socket current;
    private boolean closed;
    private long backoffNanos;
    private ScheduledFuture<?> timer;
    private volatile String lastError;

    // Confined to the dispatch thread.
    private List<QueryListener> markListeners = List.of();

    private Connection(ConnectionConfig config) {
        this.config = config;
        this.wsUri = liveUri(config.uri());
        this.backoffNanos = config.reconnectInitialBackoff().toNanos();
        this.dispatchThread = new Thread(this::runDispatch, "tidemark-live-" + IDS.incrementAndGet());
        this.dispatchThread.setDaemon(true);
    }

    /**
     * Connects and waits for the server's {@code hello}.
     *
     * @throws TidemarkClientException {@code UNAUTHENTICATED} (401), {@code FORBIDDEN} (403), {@code TRANSPORT} when
     *     the server cannot be reached within {@link ConnectionConfig#connectTimeout()}
     */
    public static Connection open(ConnectionConfig config) {
        Connection c = new Connection(config);
        c.dispatchThread.start();
        c.connect();
        try {
            c.firstHello.get(config.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            c.close();
            throw e.getCause() instanceof TidemarkClientException t ? t
                    : new TidemarkClientException("TRANSPORT", 0, "cannot connect to " + c.wsUri + ": " + e.getCause(),
                            List.of());
        } catch (TimeoutException e) {
            c.close();
            throw new TidemarkClientException("TRANSPORT", 0, "no hello from " + c.wsUri + " within "
                    + config.connectTimeout().multipliedBy(2), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new TidemarkClientException("TRANSPORT", 0, "interrupted while connecting", List.of());
        }
        return c;
    }

    public ConnectionConfig config() {
        return config;
    }

    /** The HTTP client of the same server and token, for administration. */
    public TidemarkClient http() {
        TidemarkClient h = http;
        if (h != null) {
            return h;
        }
        synchronized (lock) {
            if (http == null) {
                http = TidemarkClient.create(config);
            }
            return http;
        }
    }

    /** Ingest: see {@link TidemarkClient#publish}. */
    public int publish(String archive, List<Row> rows) {
        return http().publish(archive, rows);
    }

    /** The last connection-level {@code error} frame the server sent, or null. */
    public String lastError() {
        return lastError;
    }

    /** Whether the socket is up and the server's hello arrived. */
    public boolean isConnected() {
        synchronized (lock) {
            return current != null && current.ready;
        }
    }

    /**
     * Registers a live query; its snapshot arrives in the server's next generation. A query the server refuses ends
     * with {@link QueryListener#exceptionRaised} (code {@code INVALID_QUERY}, {@code NOT_FOUND}, …).
     *
     * @throws IllegalStateException when the id is in use on this connection or the connection is closed
     */
    public Query registerQuery(QueryConfig query, QueryListener listener) {
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
                current.send(register(query));
            }
        }
        return r;
    }

    /** Closes the socket (1000) and stops the dispatch thread once its queue is empty. Idempotent. */
    @Override
    public void close() {
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
        dispatch.add(() -> {
            throw new Stop();
        });
        firstHello.completeExceptionally(new TidemarkClientException("CLOSED", 0, "the connection was closed",
                List.of()));
    }

    // ---- connecting --------------------------------------------------------------------------------------------

    private void connect() {
        Socket s = new Socket(epochs.incrementAndGet());
        synchronized (lock) {
            if (closed) {
                return;
            }
            current = s;
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
        synchronized (lock) {
            if (s != current || closed) {
                return;
            }
            current = null;
            cancelTimer();
            if (fatal != null || !firstHello.isDone()) {
                closed = fatal != null || !firstHello.isDone();
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
            dispatch.add(() -> failAll(fatal));
            return;
        }
        long jittered = (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        LOG.log(System.Logger.Level.INFO, "tidemark live: connection to " + wsUri + " lost (" + why
                + "); reconnecting in " + Duration.ofNanos(jittered).toMillis() + " ms");
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

    // ---- dispatch ----------------------------------------------------------------------------------------------

    private void runDispatch() {
        while (true) {
            Runnable r;
            try {
                r = dispatch.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                r.run();
            } catch (Stop stop) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "tidemark live: a listener threw", e);
            }
            Socket s = current;
            if (s != null && s.paused.get() && queuedFrames.get() < RESUME_AT && s.paused.compareAndSet(true, false)) {
                s.lastHeard = System.nanoTime();
                s.ws.request(1);
            }
        }
    }

    /**
     * The frames of one message, in order, on the dispatch thread: one queued task per message, not per frame, so
     * the thread wakes once per message. A listener that throws loses only its own callback.
     */
    private void handleAll(Socket s, List<Frame> frames) {
        try {
            for (Frame f : frames) {
                try {
                    handle(s, f);
                } catch (Stop stop) {
                    throw stop;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "tidemark live: a listener threw", e);
                }
            }
        } finally {
            queuedFrames.addAndGet(-frames.size());
        }
    }

    /** One frame, on the dispatch thread. Frames of a socket that is no longer current are dropped. */
    private void handle(Socket s, Frame f) {
        if (s != current) {
            return;
        }
        if (f instanceof Frame.TupleFrame t) {
            tuple(t);
        } else if (f instanceof Frame.AggMarkBegin b) {
            markListeners = distinctListeners();
            markListeners.forEach(l -> l.aggMarkBegin(b.generation()));
        } else if (f instanceof Frame.AggMarkEnd e) {
            markListeners.forEach(l -> l.aggMarkEnd(e.generation()));
            markListeners = List.of();
        } else if (f instanceof Frame.SnapshotBegin b) {
            Registered r = active(b.queryId());
            if (r != null) {
                r.schema = schema(b.schema());
                r.listener.snapshotBegin(b.queryId(), r.schema);
            }
        } else if (f instanceof Frame.SnapshotEnd e) {
            snapshotEnd(e.queryId());
        } else if (f instanceof Frame.QueryError q) {
            Registered r = remove(q.queryId());
            if (r != null) {
                r.listener.exceptionRaised(q.queryId(), new TidemarkClientException(q.code(), 0, q.message(),
                        List.of()));
            }
        } else if (f instanceof Frame.QueryStatus q) {
            Registered r = active(q.queryId());
            if (r != null) {
                r.listener.queryStatusChanged(q.queryId(), new QueryStatus(q.status(), q.code(), q.message()));
            }
        } else if (f instanceof Frame.Hello h) {
            ready(s, h);
        } else if (f instanceof Frame.Ping p) {
            s.send(new Frame.Pong(p.nonce()));
        } else if (f instanceof Frame.ConnectionError e) {
            lastError = e.code() + ": " + e.message();
            LOG.log(System.Logger.Level.WARNING, "tidemark live: the server reported " + lastError);
        }
    }

    private void ready(Socket s, Frame.Hello h) {
        synchronized (lock) {
            if (s != current || s.ready) {
                return;
            }
            s.ready = true;
            backoffNanos = config.reconnectInitialBackoff().toNanos();
            for (Registered r : queries.values()) {
                s.send(register(r.config));
            }
            long every = config.heartbeatInterval().toNanos();
            timer = Timers.INSTANCE.scheduleAtFixedRate(() -> heartbeat(s), every, every, TimeUnit.NANOSECONDS);
        }
        if (!h.capabilities().contains(Protocol.AGGREGATE_MARK_GENERATION)) {
            LOG.log(System.Logger.Level.WARNING, "tidemark live: the server does not list "
                    + Protocol.AGGREGATE_MARK_GENERATION);
        }
        firstHello.complete(null);
    }

    private void tuple(Frame.TupleFrame t) {
        Registered r = active(t.queryId());
        if (r == null || r.schema == null) {
            return;
        }
        Tuple tuple = new Tuple(key(r.schema, t.key()), values(r.schema, t.values()));
        switch (t.kind()) {
            case ADDED -> r.listener.tupleAdded(t.queryId(), tuple);
            case UPDATED -> r.listener.tupleUpdated(t.queryId(), tuple);
            case REMOVED -> r.listener.tupleRemoved(t.queryId(), tuple);
        }
    }

    private void snapshotEnd(String queryId) {
        Registered r = active(queryId);
        if (r == null) {
            return;
        }
        if (r.config.type() == QueryType.SNAPSHOT) {
            remove(queryId); // the server dropped it after its snapshot; do not register it again on reconnect
        }
        r.listener.snapshotEnd(queryId);
    }

    private Registered active(String queryId) {
        synchronized (lock) {
            return queries.get(queryId);
        }
    }

    private Registered remove(String queryId) {
        synchronized (lock) {
            return queries.remove(queryId);
        }
    }

    private List<QueryListener> distinctListeners() {
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

    private void failAll(TidemarkClientException e) {
        List<Registered> all;
        synchronized (lock) {
            all = new ArrayList<>(queries.values());
            queries.clear();
        }
        for (Registered r : all) {
            r.listener.exceptionRaised(r.config.queryId(), e);
        }
    }

    // ---- values ------------------------------------------------------------------------------------------------

    private static QuerySchema schema(Frame.Schema s) {
        List<QuerySchema.Column> cols = new ArrayList<>(s.columns().size());
        for (Frame.Column c : s.columns()) {
            cols.add(new QuerySchema.Column(c.name(), c.type()));
        }
        return new QuerySchema(cols, s.keyColumns(), s.ordered());
    }

    private static List<Object> values(QuerySchema schema, List<Object> wire) {
        List<Object> out = new ArrayList<>(wire.size());
        for (int i = 0; i < wire.size(); i++) {
            String type = i < schema.columns().size() ? schema.columns().get(i).type() : "";
            out.add(convert(type, wire.get(i)));
        }
        return out;
    }

    private static List<Object> key(QuerySchema schema, List<Object> wire) {
        List<Object> out = new ArrayList<>(wire.size());
        for (int i = 0; i < wire.size(); i++) {
            boolean ts = i < schema.keyColumns().size() && schema.keyColumns().get(i).equals("timestamp");
            out.add(convert(ts ? "TIMESTAMP" : "", wire.get(i)));
        }
        return out;
    }

    private static Object convert(String type, Object v) {
        if (v == null) {
            return null;
        }
        return switch (type) {
            case "TIMESTAMP" -> v instanceof String s ? Instant.parse(s) : v;
            case "DOUBLE" -> v instanceof Number n ? (Object) n.doubleValue() : v;
            case "BIGINT" -> v instanceof Number n ? (Object) n.longValue() : v;
            default -> v;
        };
    }

    private Frame.Register register(QueryConfig q) {
        return new Frame.Register(q.queryId(), q.sql(), q.type().name());
    }

    private static URI liveUri(URI base) {
        String scheme = "https".equalsIgnoreCase(base.getScheme()) ? "wss" : "ws";
        String s = base.toString().replaceFirst("^[a-zA-Z]+://", scheme + "://");
        return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + Protocol.PATH);
    }

    // ---- the socket --------------------------------------------------------------------------------------------

    /** One WebSocket; replaced by a new one on reconnect. */
    private final class Socket implements WebSocket.Listener {
        final long epoch;
        volatile WebSocket ws;
        volatile long lastHeard = System.nanoTime();
        /** Guarded by {@code lock}: the server's hello arrived. */
        boolean ready;
        final AtomicBoolean paused = new AtomicBoolean();
        private final StringBuilder partial = new StringBuilder();
        private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);

        Socket(long epoch) {
            this.epoch = epoch;
        }

        /** Sends in order; the JDK socket allows one outstanding send at a time. */
        void send(Frame f) {
            String text = FrameCodec.encode(f);
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
            if (!frames.isEmpty()) {
                List<Frame> message = frames;
                queuedFrames.addAndGet(message.size());
                dispatch.add(() -> handleAll(this, message));
            }
            if (queuedFrames.get() > PAUSE_AT) {
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

    private final class Registered implements Query {
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

    /** Ends the dispatch thread. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
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

    static Set<String> capabilities(ConnectionConfig c) {
        return c.capabilities();
    }
}
