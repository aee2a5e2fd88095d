/**
 * The server side of the PostgreSQL frontend/backend protocol v3: {@link io.tidemark.sql.wire.PgWireServer} (its
 * Javadoc lists what is supported, what is refused and the bounds) over package-private parts: the message codec
 * ({@code MessageReader}, {@code Message}, {@code MessageWriter}, {@code PgValues}), one {@code WireConnection} per
 * client (startup and authentication) and its {@code QueryProtocol} (simple and extended query, portals, transaction
 * status).
 */
package io.tidemark.sql.wire;
