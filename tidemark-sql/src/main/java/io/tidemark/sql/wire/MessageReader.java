package io.tidemark.sql.wire;

import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frontend messages off the socket, refusing any larger than the configured bound before reading its body (a
 * client cannot make the server allocate more than the bound). A refused length is fatal: the framing is lost.
 */
final class MessageReader {
    /** PostgreSQL's own bound on a startup packet. */
    static final int MAX_STARTUP_BYTES = 10_000;

    private InputStream in;
    private final int maxMessageBytes;

    MessageReader(InputStream in, int maxMessageBytes) {
        this.in = in;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Switches to another stream, after the TLS handshake. */
    void reset(InputStream stream) {
        this.in = stream;
    }

    /** An untyped startup-phase packet (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest). */
    Message readStartup() throws IOException, SqlException {
        int length = readInt32();
        if (length < 8 || length > MAX_STARTUP_BYTES) {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet: " + length);
        }
        return new Message((byte) 0, readFully(length - 4));
    }

    /** A typed message: type byte, length, body. */
    /** Whether the client has sent bytes not read yet (a read would not block). */
    boolean inputPending() throws IOException {
        return in.available() > 0;
    }

    Message read() throws IOException, SqlException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("the client closed the connection");
        }
        int length = readInt32();
        if (length < 4) {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION, "invalid message length " + length);
        }
        if (length - 4 > maxMessageBytes) {
            throw new SqlException(SqlState.PROTOCOL_VIOLATION, "message '" + (char) type + "' of " + (length - 4)
                    + " bytes exceeds the server's maximum of " + maxMessageBytes + " bytes");
        }
        return new Message((byte) type, readFully(length - 4));
    }

    private int readInt32() throws IOException {
        byte[] b = readFully(4);
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    private byte[] readFully(int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("the client closed the connection inside a message");
        }
        return bytes;
    }
}
