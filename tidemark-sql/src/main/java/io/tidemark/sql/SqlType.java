package io.tidemark.sql;

/**
 * The column and parameter types the SQL endpoint speaks, with their PostgreSQL type OIDs.
 *
 * <p>The Java value of each type, as a {@link RowCursor} returns it and as {@link BindParameter#value()} decodes it:
 * {@link #TIMESTAMPTZ} an {@link java.time.Instant} (an {@link java.time.OffsetDateTime} is accepted too),
 * {@link #FLOAT8} a {@link Double} (any {@link Number}), {@link #INT8} a {@link Long} (any {@link Number}),
 * {@link #BOOL} a {@link Boolean}, {@link #TEXT} a {@link String} (any object, through {@code toString()}).
 * {@code null} is SQL NULL for every type.
 */
public enum SqlType {
    /** {@code timestamptz}: microseconds, shown in UTC. */
    TIMESTAMPTZ(1184, 8),
    /** {@code float8} (double precision). */
    FLOAT8(701, 8),
    /** {@code int8} (bigint). */
    INT8(20, 8),
    /** {@code bool}. */
    BOOL(16, 1),
    /** {@code text}; also what a {@code varchar} column is reported as. */
    TEXT(25, -1);

    private final int oid;
    private final short size;

    SqlType(int oid, int size) {
        this.oid = oid;
        this.size = (short) size;
    }

    /** The PostgreSQL type OID ({@code pg_type.oid}) clients see in RowDescription and ParameterDescription. */
    public int oid() {
        return oid;
    }

    /** The PostgreSQL type size ({@code pg_type.typlen}); -1 for variable length. */
    public short size() {
        return size;
    }
}
