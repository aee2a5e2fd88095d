package io.tidemark.client;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a client reaches a Tidemark server. Immutable; build with {@link #builder(URI)}.
 *
 * @param uri the server's base URI, e.g. {@code http://127.0.0.1:8080}; {@code ws://} / {@code wss://} and the live
 *     endpoint's own URI ({@code ws://127.0.0.1:8080/api/v1/live}) are accepted too and reduced to the base, so
 *     either form a user copies works
 * @param token the bearer token ({@code tmk_…}); null only for servers that need none (none do today)
 * @param capabilities what the client declares to the server on live connections, as strings (for example
 *     {@value #AGG_MARK_END}); the HTTP calls do not use them
 * @param reconnectInitialBackoff first pause before a live connection reconnects; doubles up to the maximum
 * @param reconnectMaxBackoff longest pause between reconnect attempts
 * @param requestTimeout longest wait for one HTTP response
 * @param heartbeatInterval how often a live connection pings the server; a connection that hears nothing for three
 *     intervals is considered dead and reconnects. Keep it below the server's heartbeat timeout (default 30 s)
 * @param failover other servers of the same cluster (cluster mode, docs/scale-out.md), base URIs as {@code uri}: a
 *     live connection that is lost, or whose first attempt fails, opens its next socket to the next server in the
 *     order {@code uri}, {@code failover…}, and round again. Empty: {@code uri} only. The HTTP calls of
 *     {@link TidemarkClient} use {@code uri} only
 */
public record ConnectionConfig(URI uri, String token, Set<String> capabilities, Duration reconnectInitialBackoff,
        Duration reconnectMaxBackoff, Duration connectTimeout, Duration requestTimeout, Duration heartbeatInterval,
        java.util.List<URI> failover) {
    /** The capability of clients that want generations framed by aggregate marks. */
    public static final String AGG_MARK_END = "AGG_MARK_END";

    public ConnectionConfig {
        uri = baseUri(uri);
        capabilities = Set.copyOf(capabilities);
        failover = failover.stream().map(ConnectionConfig::baseUri).toList();
        Objects.requireNonNull(reconnectInitialBackoff, "reconnectInitialBackoff");
        Objects.requireNonNull(reconnectMaxBackoff, "reconnectMaxBackoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        if (heartbeatInterval.isZero() || heartbeatInterval.isNegative() || reconnectInitialBackoff.isNegative()
                || reconnectInitialBackoff.isZero()) {
            throw new IllegalArgumentException("heartbeatInterval and reconnectInitialBackoff must be positive");
        }
        if (reconnectMaxBackoff.compareTo(reconnectInitialBackoff) < 0) {
            throw new IllegalArgumentException("reconnectMaxBackoff " + reconnectMaxBackoff
                    + " is shorter than reconnectInitialBackoff " + reconnectInitialBackoff);
        }
    }

    /**
     * The server's base URI for {@code uri}: {@code ws} becomes {@code http}, {@code wss} {@code https}, and a
     * trailing live-endpoint path or slash is dropped. Anything but those four schemes, or a URI without a host,
     * is refused with a message that shows the expected form.
     */
    static URI baseUri(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        String http = switch (scheme) {
            case "http", "ws" -> "http";
            case "https", "wss" -> "https";
            default -> null;
        };
        if (http == null || uri.getRawAuthority() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("server URI '" + uri + "' is not an http(s) or ws(s) URL with a host;"
                    + " use e.g. http://127.0.0.1:8080");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.endsWith(io.tidemark.protocol.Protocol.PATH)) {
            path = path.substring(0, path.length() - io.tidemark.protocol.Protocol.PATH.length());
        }
        return URI.create(http + "://" + uri.getRawAuthority() + path);
    }

    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    @Override
    public String toString() {
        return "ConnectionConfig[" + uri + ", token=" + (token == null ? "none" : "***") + ", capabilities="
                + capabilities + "]";
    }

    /**
     * Builds a {@link ConnectionConfig}; capabilities default to {@value #AGG_MARK_END}, reconnect backoff to 100 ms
     * doubling up to 10 s.
     */
    public static final class Builder {
        private final URI uri;
        private String token;
        private final Set<String> capabilities = new LinkedHashSet<>(Set.of(AGG_MARK_END));
        private Duration reconnectInitialBackoff = Duration.ofMillis(100);
        private Duration reconnectMaxBackoff = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(120);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private final java.util.List<URI> failover = new java.util.ArrayList<>();

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        public Builder token(String t) {
            this.token = t;
            return this;
        }

        /** Replaces the declared capabilities. */
        public Builder capabilities(Set<String> c) {
            capabilities.clear();
            capabilities.addAll(c);
            return this;
        }

        public Builder reconnectBackoff(Duration initial, Duration max) {
            this.reconnectInitialBackoff = initial;
            this.reconnectMaxBackoff = max;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /** How often a live connection pings; default 10 s. */
        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = d;
            return this;
        }

        /**
         * Other servers of the same cluster that a live connection moves to, in turn, when its socket is lost or its
         * first attempt fails; replaces those given before.
         */
        public Builder failover(java.util.List<URI> others) {
            failover.clear();
            others.forEach(u -> failover.add(Objects.requireNonNull(u, "failover URI")));
            return this;
        }

        public ConnectionConfig build() {
            return new ConnectionConfig(uri, token, capabilities, reconnectInitialBackoff, reconnectMaxBackoff,
                    connectTimeout, requestTimeout, heartbeatInterval, failover);
        }
    }
}
