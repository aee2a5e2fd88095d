package io.tidemark.sql.wire;

import io.tidemark.sql.Login;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, on its own thread from start to end: the startup phase (SSL/GSS negotiation, the startup
 * packet, cleartext password authentication), then the message loop that {@link QueryProtocol} serves. A refused
 * connection (too many connections) runs the same startup phase so the client can read the 53300 error, then ends.
 */
final class WireConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(WireConnection.class);
    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;
    private static final int CANCEL_REQUEST = 80877102;
    private static final int PROTOCOL_3_0 = 196608;

    private final PgWireServer server;
    private final WireConfig config;
    private final boolean refuse;
    final int processId;
    final int secretKey;
    private Socket socket;
    private TimedOutputStream output;
    private MessageReader reader;
    private MessageWriter writer;
    private volatile QueryProtocol protocol;

    WireConnection(PgWireServer server, WireConfig config, Socket socket, int processId, int secretKey,
            boolean refuse) {
        this.server = server;
        this.config = config;
        this.socket = socket;
        this.processId = processId;
        this.secretKey = secretKey;
        this.refuse = refuse;
    }

    @Override
    public void run() {
        SqlSession session = null;
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(refuse ? 5_000 : (int) config.idleTimeout().toMillis());
            output = new TimedOutputStream(socket.getOutputStream());
            reader = new MessageReader(new BufferedInputStream(socket.getInputStream(), 8192), config.maxMessageBytes());
            writer = new MessageWriter(output);
            session = startup();
            if (session == null) {
                return;
            }
            protocol = new QueryProtocol(session, reader, writer);
            protocol.serve();
        } catch (SocketTimeoutException e) {
            fatal(new SqlException(SqlState.IDLE_SESSION_TIMEOUT,
                    "terminating connection due to idle-session timeout of " + config.idleTimeout()));
        } catch (SqlException e) {
            fatal(e);
        } catch (EOFException e) {
            LOG.debug("pgwire connection {}: client went away", processId);
        } catch (IOException | RuntimeException e) {
            LOG.debug("pgwire connection {} ended: {}", processId, e.toString());
        } finally {
            end(session);
        }
    }

    /** Cancels the running statement, if any; from the thread that read a CancelRequest. */
    void cancel() {
        QueryProtocol current = protocol;
        if (current != null) {
            current.cancel();
        }
    }

    /** Closes the socket if a write has been blocked too long; from the server's watchdog. */
    void checkWriteTimeout(long timeoutNanos, long nowNanos) {
        TimedOutputStream current = output;
        if (current != null && current.blockedLongerThan(timeoutNanos, nowNanos)) {
            LOG.info("pgwire connection {}: the client did not read for {}, closing", processId,
                    config.socketWriteTimeout());
            closeSocket();
        }
    }

    void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("pgwire connection {}: close failed: {}", processId, e.toString());
        }
    }

    private SqlSession startup() throws IOException, SqlException {
        while (true) {
            Message packet = reader.readStartup();
            int code = packet.int32();
            if (code == SSL_REQUEST) {
                answerSslRequest();
                continue;
            }
            if (code == GSSENC_REQUEST) {
                writer.rawByte('N');
                continue;
            }
            if (code == CANCEL_REQUEST) {
                server.cancel(packet.int32(), packet.int32());
                return null;
            }
            return startupMessage(code, packet);
        }
    }

    private void answerSslRequest() throws IOException {
        if (config.sslContext() == null || socket instanceof SSLSocket) {
            writer.rawByte('N');
            return;
        }
        writer.rawByte('S');
        SSLSocket tls = (SSLSocket) config.sslContext().getSocketFactory()
                .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        tls.setUseClientMode(false);
        tls.startHandshake();
        socket = tls;
        output = new TimedOutputStream(tls.getOutputStream());
        reader.reset(new BufferedInputStream(tls.getInputStream(), 8192));
        writer.reset(output);
    }

    private SqlSession startupMessage(int version, Message packet) throws IOException, SqlException {
        if (version >>> 16 != 3) {
            throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + (version >>> 16) + "." + (version & 0xffff) + ": the server speaks protocol 3.0");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> unrecognized = new ArrayList<>();
        while (packet.remaining() > 1) {
            String name = packet.cstring();
            String value = packet.cstring();
            if (name.startsWith("_pq_.")) {
                unrecognized.add(name);
                continue;
            }
            parameters.put(name, value);
        }
        if (version != PROTOCOL_3_0 || !unrecognized.isEmpty()) {
            writer.negotiateProtocolVersion(0, unrecognized);
        }
        if (refuse) {
            throw new SqlException(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already (the server "
                    + "allows " + config.maxConnections() + " connections)");
        }
        String user = parameters.get("user");
        if (user == null || user.isEmpty()) {
            throw new SqlException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no user name specified in the startup packet");
        }
        String password = readPassword();
        Login login = new Login(user, password, parameters.getOrDefault("database", user), parameters);
        SqlSession session = config.backend().open(login);
        try {
            socket.setSoTimeout((int) config.idleTimeout().toMillis());
            writer.authenticationOk();
            sendParameterStatus(user, login.applicationName());
            writer.backendKeyData(processId, secretKey);
            writer.readyForQuery('I');
            writer.flush();
            return session;
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private String readPassword() throws IOException, SqlException {
        writer.authenticationCleartextPassword();
        writer.flush();
        Message message = reader.read();
        if (message.type != 'p') {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION,
                    "expected a password message, got message type '" + (char) message.type + "'");
        }
        return message.cstring();
    }

    private void sendParameterStatus(String user, String applicationName) throws IOException {
        writer.parameterStatus("server_version", PgWireServer.SERVER_VERSION);
        writer.parameterStatus("server_encoding", "UTF8");
        writer.parameterStatus("client_encoding", "UTF8");
        writer.parameterStatus("DateStyle", "ISO, MDY");
        writer.parameterStatus("IntervalStyle", "postgres");
        writer.parameterStatus("TimeZone", "UTC");
        writer.parameterStatus("integer_datetimes", "on");
        writer.parameterStatus("standard_conforming_strings", "on");
        writer.parameterStatus("is_superuser", "off");
        writer.parameterStatus("session_authorization", user);
        writer.parameterStatus("application_name", applicationName);
    }

    /** Sends a FATAL error; the connection ends afterwards. */
    private void fatal(SqlException error) {
        if (writer == null || socket.isClosed()) {
            return;
        }
        try {
            writer.errorResponse("FATAL", error);
            writer.flush();
        } catch (IOException e) {
            LOG.debug("pgwire connection {}: could not send {}: {}", processId, error.sqlState(), e.toString());
        }
    }

    private void end(SqlSession session) {
        QueryProtocol current = protocol;
        if (current != null) {
            current.closeAll();
        }
        if (session != null) {
            session.close();
        }
        closeSocket();
        server.ended(this, refuse);
    }
}
