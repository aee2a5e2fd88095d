package io.tidemark.client;

import java.util.List;
import java.util.Set;

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
 *
 * <p>The reconnect lifecycle is {@link ConnectionLifecycle}'s; turning frames into listener callbacks is
 * {@link FrameDispatch}'s.
 */
public final class Connection implements AutoCloseable {
    private final ConnectionConfig config;
    private final ConnectionLifecycle lifecycle;
    private final Object lock = new Object();
    /** Created on first use: each JDK HTTP client owns a selector thread, and most live connections never ingest. */
    private volatile TidemarkClient http;

    private Connection(ConnectionConfig config) {
        this.config = config;
        this.lifecycle = new ConnectionLifecycle(config);
    }

    /**
     * Connects and waits for the server's {@code hello}.
     *
     * @throws TidemarkClientException {@code UNAUTHENTICATED} (401), {@code FORBIDDEN} (403), {@code TRANSPORT} when
     *     the server cannot be reached within {@link ConnectionConfig#connectTimeout()}
     */
    public static Connection open(ConnectionConfig config) {
        Connection c = new Connection(config);
        c.lifecycle.start();
        try {
            c.lifecycle.awaitFirstHello();
        } catch (TidemarkClientException e) {
            c.close();
            throw e;
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
        return lifecycle.lastError();
    }

    /** Whether the socket is up and the server's hello arrived. */
    public boolean isConnected() {
        return lifecycle.isConnected();
    }

    /**
     * Registers a live query; its snapshot arrives in the server's next generation. A query the server refuses ends
     * with {@link QueryListener#exceptionRaised} (code {@code INVALID_QUERY}, {@code NOT_FOUND}, …).
     *
     * @throws IllegalStateException when the id is in use on this connection or the connection is closed
     */
    public Query registerQuery(QueryConfig query, QueryListener listener) {
        return lifecycle.register(query, listener);
    }

    /** Closes the socket (1000) and stops the dispatch thread once its queue is empty. Idempotent. */
    @Override
    public void close() {
        lifecycle.close();
    }

    static Set<String> capabilities(ConnectionConfig c) {
        return c.capabilities();
    }
}
