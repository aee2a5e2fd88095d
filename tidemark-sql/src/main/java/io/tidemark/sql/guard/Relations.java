package io.tidemark.sql.guard;

/**
 * How the engine names a tenant's table in a rewritten statement: the engine's qualified name
 * ({@code "acme"."raw"} on PostgreSQL, {@code "tidemark"."acme"."raw"} on DuckDB) or, for a table readers see through
 * a view, a parenthesised {@code SELECT} (a rollup's reader view: its aggregates as values, AVG divided out). The
 * store supplies it; the guard never builds engine names itself.
 *
 * <p>The guard substitutes the text as a FROM item and gives it the user's alias, or the table's own name when the user
 * gave none, so {@code raw.value} keeps resolving. Implementations must be pure and thread-safe.
 */
@FunctionalInterface
public interface Relations {

    /** The FROM item the engine reads {@code table} through; never null. */
    String render(SqlTable table);
}
