package io.tidemark.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection that POSTs bodies and reads the answers, as a gateway holds one: blocking, one
 * request at a time, no pooling, no allocation per request beyond the answer's body. The benchmarks use it instead
 * of {@code java.net.http.HttpClient} so that the client's own cost (which shares the 2 cores with the server under
 * test) stays small and the same for every server measured. Not thread-safe: one per writer thread.
 *
 * <p>Every wait is bounded: connecting by {@code timeout}, and each read of the answer by {@code timeout} (the
 * socket's read timeout), so a server that stops answering ends the request with a
 * {@link java.net.SocketTimeoutException}.
 */
final class HttpPoster implements AutoCloseable {
    /** A server's answer: its status and body (empty for 204). */
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final Duration timeout;
    private final byte[] head;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /**
     * @param base scheme, host and port of the server ({@code http} only)
     * @param path the request target of every POST, with its query
     * @param headers extra header lines ({@code "Name: value"}), e.g. the authorization and the content type
     */
    HttpPoster(URI base, String path, Duration timeout, String... headers) {
        this.base = base;
        this.timeout = timeout;
        StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(base.getHost())
                .append(':').append(base.getPort()).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        this.head = sb.append("Content-Length: ").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code length} bytes of {@code body} and returns the answer; reconnects when the server closed. */
    Answer post(byte[] body, int length) throws IOException {
        if (socket == null) {
            connect();
        }
        out.write(head);
        out.write((length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, length);
        out.flush();
        return read();
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        in = new BufferedInputStream(socket.getInputStream(), 8192);
        out = new java.io.BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    private Answer read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = status.startsWith("HTTP/1.0");
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, Math.max(0, colon)).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        byte[] body = chunked ? chunked() : fixed(length, close);
        if (close) {
            close();
        }
        return new Answer(code, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = chunkSize(); size > 0; size = chunkSize()) {
            body.write(in.readNBytes(size));
            line();
        }
        for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
            // trailers are not used
        }
        return body.toByteArray();
    }

    private int chunkSize() throws IOException {
        String s = line();
        int semi = s.indexOf(';');
        return Integer.parseInt((semi < 0 ? s : s.substring(0, semi)).trim(), 16);
    }

    private byte[] fixed(long length, boolean close) throws IOException {
        if (length >= 0) {
            byte[] b = in.readNBytes((int) length);
            if (b.length < length) {
                throw new IOException("connection closed after " + b.length + " of " + length + " body bytes");
            }
            return b;
        }
        return close ? in.readAllBytes() : new byte[0];
    }

    /** One header line without its CRLF; the connection ending before it is an error. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
