package io.tidemark.sql.wire;

import io.tidemark.sql.SqlBackend;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** The server's settings, checked by {@link PgWireServer.Builder}; {@code sslContext} is {@code null} without TLS. */
record WireConfig(SqlBackend backend, String host, int port, int maxConnections, int maxMessageBytes,
        Duration idleTimeout, Duration socketWriteTimeout, SSLContext sslContext) {
}
