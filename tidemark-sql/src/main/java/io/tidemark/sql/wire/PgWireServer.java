package io.tidemark.sql.wire;

import io.tidemark.sql.SqlBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the PostgreSQL frontend/backend protocol version 3.0, in front of a {@link SqlBackend}: psql,
 * pgjdbc, Grafana's PostgreSQL data source and other PostgreSQL clients connect to it unchanged. It parses no SQL:
 * every statement text goes to the backend's session as the client sent it.
 *
 * <h2>Supported</h2>
 * <ul>
 *   <li>Startup: {@code SSLRequest} answered {@code S} and TLS negotiated when an {@link SSLContext} is configured,
 *       {@code N} otherwise; {@code GSSENCRequest} answered {@code N}; {@code StartupMessage} 3.0 (a newer minor
 *       version or {@code _pq_.} options get {@code NegotiateProtocolVersion} down to 3.0); cleartext password
 *       authentication ({@code AuthenticationCleartextPassword}): the password is a Tidemark token, so configure TLS
 *       wherever the network is not trusted. Then {@code AuthenticationOk}, {@code ParameterStatus}
 *       ({@code server_version} {@value #SERVER_VERSION}, {@code server_encoding}/{@code client_encoding} UTF8,
 *       {@code DateStyle} "ISO, MDY", {@code IntervalStyle} postgres, {@code TimeZone} UTC,
 *       {@code integer_datetimes} on, {@code standard_conforming_strings} on, {@code is_superuser} off,
 *       {@code session_authorization}, {@code application_name}), {@code BackendKeyData},
 *       {@code ReadyForQuery}.</li>
 *   <li>Simple query: a query string the session splits into statements, each answered with RowDescription,
 *       DataRow…, CommandComplete (or EmptyQueryResponse); the first error ends the string.</li>
 *   <li>Extended query: Parse, Bind, Describe (statement and portal), Execute with a row limit (PortalSuspended,
 *       resumed by the next Execute), Sync, Close, Flush; named and unnamed statements and portals; after an error
 *       every message up to Sync is discarded.</li>
 *   <li>Transaction status in ReadyForQuery ('I', 'T', 'E') following the session's {@code BEGIN}, {@code COMMIT},
 *       {@code ROLLBACK} command tags; portals outlive a Sync only inside a transaction block, as in PostgreSQL.</li>
 *   <li>Types timestamptz, float8, int8, bool, text; text format for all, binary format for all when the client asks
 *       for it in Bind (pgjdbc does for int8, float8, timestamptz once a statement is prepared).</li>
 *   <li>{@code COPY (SELECT …) TO STDOUT (FORMAT csv)} when the session reports a copy: CopyOutResponse, one
 *       CopyData per CSV line, CopyDone.</li>
 *   <li>{@code CancelRequest} by process id and secret key (also accepted when the server is full), {@code
 *       Terminate}.</li>
 * </ul>
 *
 * <h2>Refused</h2>
 * Protocol versions other than 3 (0A000), GSSAPI/SCRAM/MD5 authentication (only cleartext is offered), COPY FROM
 * STDIN (the session never starts one), the function call message, replication connections (the session decides
 * whether {@code replication} in the startup parameters matters), unknown message types (08P01).
 *
 * <h2>Bounds and threads</h2>
 * <ul>
 *   <li>{@link Builder#maxConnections(int)}: one thread per connection from a pool of at most that many; a
 *       connection beyond it is answered, after its startup packet, with FATAL 53300 (too_many_connections) by one
 *       separate thread with a short queue, and closed.</li>
 *   <li>{@link Builder#maxMessageBytes(int)}: a message announcing a larger body is refused with FATAL 08P01 before
 *       its body is read, and the connection closed (the startup packet has PostgreSQL's bound of 10,000 bytes).</li>
 *   <li>{@link Builder#idleTimeout(Duration)}: a connection that sends nothing for that long (also during startup)
 *       gets FATAL 57P05 and is closed.</li>
 *   <li>{@link Builder#socketWriteTimeout(Duration)}: a write the client does not read for that long closes the
 *       connection (a watchdog thread checks). Rows are pulled from the session's cursor only as the socket takes
 *       them, so a slow client holds at most one send buffer (about 32 KiB) plus the socket buffers.</li>
 * </ul>
 *
 * <p>Lifecycle: {@link Builder#start()} binds and accepts; {@link #close()} stops accepting, closes every connection
 * (their sessions are closed) and stops the threads. Threads are daemon threads named {@code tidemark-pgwire-*}.
 */
public final class PgWireServer implements AutoCloseable {
    /** What {@code server_version} reports: a version pgjdbc and libpq parse as 14.0, and the server's name. */
    public static final String SERVER_VERSION = "14.0 (Tidemark)";

    private static final Logger LOG = LoggerFactory.getLogger(PgWireServer.class);

    private final WireConfig config;
    private final ServerSocket serverSocket;
    private final Semaphore slots;
    private final ThreadPoolExecutor connections;
    private final ThreadPoolExecutor refusals;
    private final ScheduledExecutorService watchdog;
    private final Map<Integer, WireConnection> live = new ConcurrentHashMap<>();
    private final AtomicInteger processIds = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final Thread acceptor;
    private volatile boolean closed;

    private PgWireServer(WireConfig config) throws IOException {
        this.config = config;
        this.serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()), 128);
        this.slots = new Semaphore(config.maxConnections());
        this.connections = new ThreadPoolExecutor(config.maxConnections(), config.maxConnections(), 60,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads("tidemark-pgwire-connection-"));
        connections.allowCoreThreadTimeOut(true);
        this.refusals = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
                threads("tidemark-pgwire-refusal-"));
        refusals.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(threads("tidemark-pgwire-watchdog-"));
        long periodMillis = Math.max(50, config.socketWriteTimeout().toMillis() / 4);
        watchdog.scheduleWithFixedDelay(this::checkWrites, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        this.acceptor = threads("tidemark-pgwire-acceptor-").newThread(this::acceptLoop);
        acceptor.start();
        LOG.info("PostgreSQL wire protocol listening on {}:{}", config.host(), port());
    }

    /** A builder for a server in front of {@code backend}. */
    public static Builder builder(SqlBackend backend) {
        return new Builder(backend);
    }

    /** The port the server is bound to (the free port it got when configured with 0). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** How many client connections are open now (refused ones not counted). */
    public int connectionCount() {
        return config.maxConnections() - slots.availablePermits();
    }

    /** Stops accepting, closes every connection and stops the threads; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            LOG.debug("closing the server socket: {}", e.toString());
        }
        live.values().forEach(WireConnection::closeSocket);
        connections.shutdown();
        refusals.shutdown();
        watchdog.shutdownNow();
        try {
            acceptor.join(5_000);
            connections.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Cancels the statement running on the connection with that process id, if the secret key matches. */
    void cancel(int processId, int secretKey) {
        WireConnection connection = live.get(processId);
        if (connection == null || !MessageDigest.isEqual(bytes(connection.secretKey), bytes(secretKey))) {
            LOG.debug("pgwire cancel request for unknown process {} ignored", processId);
            return;
        }
        connection.cancel();
    }

    /** Called by a connection at its end. */
    void ended(WireConnection connection, boolean refused) {
        if (refused) {
            return;
        }
        live.remove(connection.processId, connection);
        slots.release();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                accept(serverSocket.accept());
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accepting a PostgreSQL wire connection failed: {}", e.toString());
                }
            }
        }
    }

    private void accept(Socket socket) {
        boolean admitted = slots.tryAcquire();
        int processId = processIds.incrementAndGet();
        WireConnection connection = new WireConnection(this, config, socket, processId, random.nextInt(), !admitted);
        try {
            if (admitted) {
                live.put(processId, connection);
                connections.execute(connection);
            } else {
                refusals.execute(connection);
            }
        } catch (RejectedExecutionException e) {
            connection.closeSocket();
            if (admitted) {
                ended(connection, false);
            }
        }
    }

    private void checkWrites() {
        long timeoutNanos = config.socketWriteTimeout().toNanos();
        long now = System.nanoTime();
        live.values().forEach(connection -> connection.checkWriteTimeout(timeoutNanos, now));
    }

    private static byte[] bytes(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Settings for a {@link PgWireServer}; every bound has a default. Not thread-safe. */
    public static final class Builder {
        private final SqlBackend backend;
        private String host = "127.0.0.1";
        private int port;
        private int maxConnections = 64;
        private int maxMessageBytes = 1 << 20;
        private Duration idleTimeout = Duration.ofMinutes(30);
        private Duration socketWriteTimeout = Duration.ofSeconds(60);
        private SSLContext sslContext;

        private Builder(SqlBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** The address to bind; default 127.0.0.1. */
        public Builder host(String value) {
            this.host = Objects.requireNonNull(value, "host");
            return this;
        }

        /** The port to bind; 0 (the default) picks a free port, see {@link PgWireServer#port()}. */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535: " + value);
            }
            this.port = value;
            return this;
        }

        /** The most client connections open at once, each with its own thread; default 64. */
        public Builder maxConnections(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + value);
            }
            this.maxConnections = value;
            return this;
        }

        /** The largest frontend message body accepted (a Parse's SQL text, a Bind's values); default 1 MiB. */
        public Builder maxMessageBytes(int value) {
            if (value < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024: " + value);
            }
            this.maxMessageBytes = value;
            return this;
        }

        /** How long a connection may send nothing before it is closed; {@link Duration#ZERO} for never. */
        public Builder idleTimeout(Duration value) {
            if (value.isNegative() || value.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("idleTimeout must be 0 (none) or positive: " + value);
            }
            this.idleTimeout = value;
            return this;
        }

        /** How long one socket write may stay blocked by a client that does not read; default 60 s. */
        public Builder socketWriteTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("socketWriteTimeout must be positive: " + value);
            }
            this.socketWriteTimeout = value;
            return this;
        }

        /** Offers TLS to clients that ask (SSLRequest) with this context's key and certificate; null for none. */
        public Builder sslContext(SSLContext value) {
            this.sslContext = value;
            return this;
        }

        /** Binds and starts accepting connections. */
        public PgWireServer start() throws IOException {
            return new PgWireServer(new WireConfig(backend, host, port, maxConnections, maxMessageBytes, idleTimeout,
                    socketWriteTimeout, sslContext));
        }
    }
}
