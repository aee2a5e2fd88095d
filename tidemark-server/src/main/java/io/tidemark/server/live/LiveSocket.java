package io.tidemark.server.live;

import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.PublicError;
import io.tidemark.live.Capabilities;
import io.tidemark.live.LiveListener;
import io.tidemark.live.QueryConfig;
import io.tidemark.live.QuerySchema;
import io.tidemark.live.QueryStatus;
import io.tidemark.live.QueryType;
import io.tidemark.live.Subscription;
import io.tidemark.live.Tuple;
import io.tidemark.protocol.Frame;
import io.tidemark.protocol.FrameCodec;
import io.tidemark.protocol.Protocol;
import io.tidemark.protocol.ProtocolException;
import io.tidemark.server.auth.Caller;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live WebSocket: the protocol state machine, one engine {@link Subscription}, and a bounded outbound queue.
 *
 * <h2>Slow sockets</h2>
 * Socket writes are asynchronous, one at a time; nothing ever blocks on the socket. The subscription delivers on
 * a gate in front of the shared delivery pool: while more than the outbound bound is queued for this socket, the
 * engine's delivery task is parked instead of run, so the engine's own slow-subscriber path takes over (further
 * generations are merged into one, delivered once the socket drains). Memory per socket stays bounded by the
 * outbound bound, plus the engine's pending-row bound, plus one generation.
 *
 * <h2>Threads</h2>
 * Frames from the client arrive on Jetty threads, one message at a time; engine callbacks run on the delivery pool,
 * one at a time for this subscription; write completions on Jetty threads. Shared state is guarded by {@code this}.
 */
final class LiveSocket implements LiveListener {
    private static final Logger LOG = LoggerFactory.getLogger(LiveSocket.class);
    /** Frames per outbound text message; a large snapshot goes out as several messages. */
    private static final int FRAMES_PER_MESSAGE = 1_000;

    private final LiveEndpoint endpoint;
    private final Session session;
    final Caller caller;
    private final long outboundBound;
    private final Executor pool;
    final Executor gate = this::gated;
    volatile long lastHeardNanos = System.nanoTime();

    // Touched by the Jetty thread delivering client messages only.
    private volatile Subscription subscription;
    private volatile boolean marks;

    private final TupleTexts texts;

    // Confined to the delivery (one task at a time per subscription).
    private final FrameCodec.Message generation = FrameCodec.message();

    // Guarded by this.
    private final ArrayDeque<String> outbound = new ArrayDeque<>();
    private long outboundBytes;
    /** The most {@link #outboundBytes} has been on this connection. */
    private long peakOutboundBytes;
    private boolean writing;
    private Runnable parked;
    private boolean closed;
    private int closeCode;
    private String closeReason;

    LiveSocket(LiveEndpoint endpoint, Session session, Caller caller, long outboundBound, Executor pool,
            TupleTexts texts) {
        this.endpoint = endpoint;
        this.texts = texts;
        this.session = session;
        this.caller = caller;
        this.outboundBound = outboundBound;
        this.pool = pool;
    }

    // ---- from the client ---------------------------------------------------------------------------------------

    void onMessage(String text) {
        lastHeardNanos = System.nanoTime();
        List<Frame> frames;
        try {
            frames = FrameCodec.decode(text);
        } catch (ProtocolException e) {
            error(e.code(), e.getMessage());
            return;
        }
        // The register frames of one message are registered together (Subscription.registerAll): their snapshots
        // arrive in one generation, as a client re-registering after a reconnect needs.
        List<Frame.Register> registers = new java.util.ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof Frame.Register r && subscription != null) {
                registers.add(r);
                continue;
            }
            registerAll(registers);
            onFrame(f);
        }
        registerAll(registers);
    }

    /** Registers the frames together and empties the list; one frame goes through {@link #register}. */
    private void registerAll(List<Frame.Register> registers) {
        if (registers.size() == 1) {
            register(registers.get(0));
        } else if (!registers.isEmpty()) {
            List<QueryConfig> configs = new java.util.ArrayList<>();
            for (Frame.Register r : registers) {
                QueryType type = type(r);
                if (type != null) {
                    configs.add(new QueryConfig(r.queryId(), r.sql(), type));
                }
            }
            subscription.registerAll(configs).forEach(this::registerFailed);
        }
        registers.clear();
    }

    private void onFrame(Frame f) {
        if (f instanceof Frame.Hello h) {
            hello(h);
            return;
        }
        if (f instanceof Frame.Ping p) {
            send(new Frame.Pong(p.nonce()));
            return;
        }
        if (f instanceof Frame.Pong) {
            return;
        }
        if (subscription == null) {
            error(Protocol.HELLO_REQUIRED, "send hello first: {\"type\":\"hello\",\"protocol\":" + Protocol.VERSION
                    + ",\"capabilities\":[\"AGG_MARK_END\"]}");
            return;
        }
        if (f instanceof Frame.Register r) {
            register(r);
        } else if (f instanceof Frame.Unregister u) {
            subscription.unregister(u.queryId());
        } else {
            error(Protocol.INVALID_FRAME, "'" + f.type() + "' frames are sent by the server only; a client sends "
                    + "hello, register, unregister, ping and pong");
        }
    }

    private void hello(Frame.Hello h) {
        if (subscription != null) {
            error(Protocol.HELLO_REQUIRED, "hello was already received on this connection");
            return;
        }
        if (h.protocol() != Protocol.VERSION) {
            error(Protocol.UNSUPPORTED_VERSION, "protocol version " + h.protocol() + " is not supported; this server "
                    + "speaks version " + Protocol.VERSION);
            closeAfterFlush(Protocol.CLOSE_UNSUPPORTED_VERSION, "unsupported protocol version");
            return;
        }
        marks = h.capabilities().contains(Capabilities.AGG_MARK_END);
        // The engine always frames generations for us (it is how a socket message is cut); the marks are dropped
        // on the wire for a client that did not declare AGG_MARK_END.
        subscription = endpoint.engine().subscribe(caller.tenant(), Set.of(Capabilities.AGG_MARK_END), this, gate);
        send(new Frame.Hello(Protocol.VERSION, List.of(Capabilities.AGGREGATE_MARK_GENERATION), "tidemark/0.1",
                caller.tenant().value(), endpoint.heartbeatTimeout().toMillis()));
    }

    private void register(Frame.Register r) {
        QueryType type = type(r);
        if (type == null) {
            return;
        }
        try {
            endpoint.admit(caller.tenant());
            subscription.register(new QueryConfig(r.queryId(), r.sql(), type));
        } catch (RuntimeException | StackOverflowError e) {
            registerFailed(r.queryId(), e);
        }
    }

    /** The frame's query type, or null after answering a query error. */
    private QueryType type(Frame.Register r) {
        try {
            return QueryType.valueOf(r.queryType().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            send(new Frame.QueryError(r.queryId(), ErrorCode.INVALID_ARGUMENT.name(), "query type '" + r.queryType()
                    + "' is not one of SNAPSHOT, SNAPSHOT_AND_CONTINUOUS, CONTINUOUS_ONLY"));
            return null;
        }
    }

    private void registerFailed(String queryId, Throwable e) {
        if (e instanceof TidemarkException t) {
            send(queryError(queryId, t));
            return;
        }
        // One query's registration never takes the connection (and its other queries) down: this query fails.
        PublicError p = PublicError.report("live query " + queryId + " of tenant " + caller.tenant().value(), e);
        send(new Frame.QueryError(queryId, p.code().name(), p.message() + " (error id " + p.errorId()
                + "); the connection and its other queries are unaffected"));
    }

    private void error(String code, String message) {
        send(new Frame.ConnectionError(code, message));
    }

    // ---- from the engine (delivery pool) ----------------------------------------------------------------------

    @Override
    public void aggMarkBegin(long g) {
        if (marks) {
            generation.add(new Frame.AggMarkBegin(g));
        }
    }

    @Override
    public void snapshotBegin(String queryId, QuerySchema schema) {
        add(new Frame.SnapshotBegin(queryId, wire(schema)));
    }

    @Override
    public void tupleAdded(String queryId, Tuple t) {
        addTuple(Frame.TupleKind.ADDED, queryId, t);
    }

    @Override
    public void snapshotEnd(String queryId) {
        add(new Frame.SnapshotEnd(queryId));
    }

    @Override
    public void tupleUpdated(String queryId, Tuple t) {
        addTuple(Frame.TupleKind.UPDATED, queryId, t);
    }

    @Override
    public void tupleRemoved(String queryId, Tuple t) {
        addTuple(Frame.TupleKind.REMOVED, queryId, t);
    }

    @Override
    public void exceptionRaised(String queryId, TidemarkException error) {
        add(queryError(queryId, error));
    }

    /** A query's error frame; a store or internal fault goes through {@link PublicError} (plain message, id). */
    private Frame.QueryError queryError(String queryId, TidemarkException e) {
        if (!PublicError.isFault(e.code())) {
            return new Frame.QueryError(queryId, e.code().name(), e.getMessage());
        }
        PublicError p = PublicError.report("live query " + queryId + " of tenant " + caller.tenant().value(), e);
        return new Frame.QueryError(queryId, p.code().name(), p.message() + " (error id " + p.errorId() + ")");
    }

    @Override
    public void queryStatusChanged(String queryId, QueryStatus status) {
        add(new Frame.QueryStatus(queryId, status.state().name(), status.code(), status.message()));
    }

    @Override
    public void aggMarkEnd(long g) {
        if (marks) {
            generation.add(new Frame.AggMarkEnd(g));
        }
        flush();
    }

    private void add(Frame f) {
        generation.add(f);
        if (generation.size() >= FRAMES_PER_MESSAGE) {
            flush();
        }
    }

    /** A result row: its text is the one shared by every socket that receives this tuple ({@link TupleTexts}). */
    private void addTuple(Frame.TupleKind kind, String queryId, Tuple t) {
        generation.addTuple(kind, queryId, texts.of(t));
        if (generation.size() >= FRAMES_PER_MESSAGE) {
            flush();
        }
    }

    private void flush() {
        if (!generation.isEmpty()) {
            enqueue(generation.text());
        }
    }

    private static Frame.Schema wire(QuerySchema s) {
        List<Frame.Column> cols = new ArrayList<>(s.columns().size());
        for (QuerySchema.OutputColumn c : s.columns()) {
            cols.add(new Frame.Column(c.name(), c.type() == null ? ColumnType.VARCHAR.name() : c.type().name()));
        }
        return new Frame.Schema(cols, s.keyColumns(), s.ordered());
    }

    // ---- outbound ----------------------------------------------------------------------------------------------

    void send(Frame f) {
        enqueue(FrameCodec.encode(f));
    }

    private void enqueue(String text) {
        synchronized (this) {
            if (closed) {
                return;
            }
            outbound.add(text);
            outboundBytes += text.length();
            peakOutboundBytes = Math.max(peakOutboundBytes, outboundBytes);
            if (writing) {
                return;
            }
            writing = true;
        }
        writeNext();
    }

    private void writeNext() {
        String next;
        int code;
        synchronized (this) {
            next = outbound.peek();
            code = closeCode;
            if (next == null || closed) {
                writing = false;
            }
        }
        if (next == null && code != 0) {
            close(code, closeReason);
        }
        if (next == null || !writing) {
            return;
        }
        session.getRemote().sendString(next, new WriteCallback() {
            @Override
            public void writeSuccess() {
                written(next);
                writeNext();
            }

            @Override
            public void writeFailed(Throwable x) {
                LOG.atDebug().addKeyValue("tenant", caller.tenant().value()).addKeyValue("error", x.toString())
                        .log("live: write failed; closing");
                endpoint.closed(LiveSocket.this);
            }
        });
    }

    private void written(String text) {
        Runnable release = null;
        synchronized (this) {
            outbound.poll();
            outboundBytes -= text.length();
            if (parked != null && outboundBytes <= outboundBound / 2) {
                release = parked;
                parked = null;
            }
        }
        if (release != null) {
            pool.execute(release);
        }
    }

    /** The subscription's executor: runs delivery on the pool unless this socket is over its outbound bound. */
    private void gated(Runnable task) {
        synchronized (this) {
            if (outboundBytes > outboundBound && !closed) {
                parked = task;
                return;
            }
        }
        pool.execute(task);
    }

    synchronized long outboundBytes() {
        return outboundBytes;
    }

    synchronized long peakOutboundBytes() {
        return peakOutboundBytes;
    }

    /** Result rows the engine holds for this connection (queued or merged), waiting for the socket. */
    int pendingRows() {
        Subscription s = subscription;
        return s == null ? 0 : s.pendingRows();
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------------

    /** Closes once what is queued has been written (an error frame before the close, for instance). */
    void closeAfterFlush(int code, String reason) {
        boolean now;
        synchronized (this) {
            closeCode = code;
            closeReason = reason;
            now = !writing;
        }
        if (now) {
            close(code, reason);
        }
    }

    void close(int code, String reason) {
        try {
            session.close(code, reason);
        } catch (RuntimeException e) {
            // already closed
        }
    }

    /** The socket ended: drop the subscription and the queue. Idempotent. */
    void release() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            outbound.clear();
            outboundBytes = 0;
            parked = null;
        }
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
