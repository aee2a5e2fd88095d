package io.tidemark.protocol;

/**
 * Constants of the live wire protocol (docs/live-protocol.md): its version, where the endpoint is, capability and
 * error-code strings, and the WebSocket close codes. Capabilities and codes are strings on the wire, never ordinals.
 */
public final class Protocol {
    /** The protocol version this code speaks; sent in {@code hello}. */
    public static final int VERSION = 1;
    /** The WebSocket endpoint, relative to the server's base URI. */
    public static final String PATH = "/api/v1/live";
    /** Query parameter carrying the bearer token for clients that cannot set headers (browsers). */
    public static final String TOKEN_PARAM = "access_token";
    /**
     * WebSocket subprotocol a browser client offers first; the server selects it (the first offered) in its answer.
     * Offered together with {@link #TOKEN_SUBPROTOCOL_PREFIX} + token, it keeps the token out of the URL.
     */
    public static final String SUBPROTOCOL = "tidemark.live";
    /**
     * Prefix of the WebSocket subprotocol that carries the bearer token ({@code tidemark.bearer.tmk_…}) for clients
     * that cannot set headers; the server never selects it, so it is never echoed back.
     */
    public static final String TOKEN_SUBPROTOCOL_PREFIX = "tidemark.bearer.";

    /** Client capability: frame each generation with {@code aggMarkBegin} / {@code aggMarkEnd}. */
    public static final String AGG_MARK_END = "AGG_MARK_END";
    /** Server capability: the server cuts generations and can send aggregate marks. */
    public static final String AGGREGATE_MARK_GENERATION = "AGGREGATE_MARK_GENERATION";

    /** Error code of a frame that is not valid JSON or not a valid frame (bad type, missing or mistyped field). */
    public static final String INVALID_FRAME = "INVALID_FRAME";
    /** Error code of a frame sent before the client's {@code hello}, or a second {@code hello}. */
    public static final String HELLO_REQUIRED = "HELLO_REQUIRED";
    /** Error code of a {@code hello} with a protocol version the server does not speak (the connection closes). */
    public static final String UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION";
    /** Error code sent before closing a connection that stayed silent past the heartbeat timeout. */
    public static final String HEARTBEAT_TIMEOUT = "HEARTBEAT_TIMEOUT";

    /** Close code: normal closure (the client or server is done). */
    public static final int CLOSE_NORMAL = 1000;
    /** Close code: the server is shutting down; reconnect. */
    public static final int CLOSE_GOING_AWAY = 1001;
    /** Close code: a text message over the server's size limit (sent by the WebSocket layer); reconnect. */
    public static final int CLOSE_TOO_BIG = 1009;
    /** Close code: an internal error on the server; reconnect. */
    public static final int CLOSE_INTERNAL = 1011;
    /** Close code: the client's protocol version is not supported; do not reconnect with the same version. */
    public static final int CLOSE_UNSUPPORTED_VERSION = 4400;
    /** Close code: the connection was silent for longer than the heartbeat timeout; reconnect. */
    public static final int CLOSE_HEARTBEAT_TIMEOUT = 4408;
    /**
     * Close code: the connection's token was revoked (reason {@value #TOKEN_REVOKED_REASON}); do not reconnect with
     * the same token.
     */
    public static final int CLOSE_TOKEN_REVOKED = 4401;
    /** The close reason sent with {@link #CLOSE_TOKEN_REVOKED}. */
    public static final String TOKEN_REVOKED_REASON = "token revoked";
    /** Error code a client reports for a connection closed with {@link #CLOSE_TOKEN_REVOKED}. */
    public static final String TOKEN_REVOKED = "TOKEN_REVOKED";

    private Protocol() {}
}
