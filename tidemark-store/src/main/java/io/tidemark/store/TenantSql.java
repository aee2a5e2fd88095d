package io.tidemark.store;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.sql.guard.SqlFunctions;
import java.util.List;

/**
 * Runs one tenant's SQL read on the store's engine: a single, already guarded and qualified, read-only statement (see
 * {@code io.tidemark.sql.guard.SqlGuard}), with bind parameters, a statement timeout and a cursor that pulls rows as
 * the caller asks for them. Thread-safe; each {@link #query} holds one connection until its {@link SqlRows} is
 * closed.
 *
 * <p><b>Defence in depth.</b> The guard is the first line; the store does not trust it. Every statement runs in a
 * read-only transaction, and a text with a {@code ;} before its end is refused (JDBC drivers split such a text into
 * several statements). On PostgreSQL the statement runs as the tenant's reader role ({@code NOLOGIN}, {@code USAGE}
 * and {@code SELECT} on the tenant's schema only, created with the tenant or before its first SQL read), set with
 * {@code SET LOCAL ROLE} inside the transaction, with {@code SET LOCAL statement_timeout}; the store revokes
 * {@code set_config} from {@code PUBLIC} where its user may, so a statement cannot set the role back. On DuckDB,
 * which has no roles, the whole embedded database runs with {@code enable_external_access = false} and
 * {@code lock_configuration = true} from the moment the store opens (no file, URL, {@code ATTACH},
 * {@code INSTALL}/{@code LOAD} or {@code SET} for anyone), and the transaction is {@code READ ONLY}; tenant isolation
 * between the schemas of one DuckDB file rests on the guard.
 *
 * <p><b>Time zone.</b> Every statement runs with UTC as the engine's session time zone, whatever the JVM's, the
 * host's or the database server's default zone is: {@code SET LOCAL TIME ZONE 'UTC'} in the transaction on
 * PostgreSQL, {@code TimeZone = 'UTC'} for the whole embedded database on DuckDB before its configuration is locked.
 * Timestamp results are instants: a {@code TIMESTAMP} is read as UTC, a {@code timestamptz} as its instant and a
 * {@code date} as its midnight in UTC.
 */
public interface TenantSql {

    /**
     * The FROM item the tenant's SQL reads an archive through, in the engine's names: the archive's table for a raw
     * archive; for a rollup archive a parenthesised {@code SELECT} of its reader view ({@code timestamp}, {@code rtId},
     * each aggregation by name, AVG as {@code sum / count} and null for an empty count, FIRST / LAST without their
     * timestamps) — the values {@link io.tidemark.core.RollupPlan#readValues} gives, never the stored partials.
     * The guard's {@code Relations} is this method for the tenant.
     */
    String relation(TenantId tenant, ArchiveDefinition archive);

    /**
     * How this engine computes tenant SQL's time functions ({@code date_trunc}, {@code date_bin},
     * {@code time_bucket}, {@code AT TIME ZONE}, {@code EXTRACT}, {@code now()}) so that they mean the same on every
     * engine; the guard's {@code SqlGuard.of(catalog, relations, functions)} takes it. Thread-safe.
     */
    SqlFunctions functions();

    /**
     * Starts one statement and returns its cursor; the caller must close it (closing ends the transaction and
     * returns the connection).
     *
     * @throws SqlStatementException with the SQLSTATE of what went wrong (the engine's where it gives one; 57014
     *     for a statement past its timeout, 42501 for a text of several statements or a read outside the tenant's
     *     privileges)
     */
    SqlRows query(TenantId tenant, SqlQuery query);

    /**
     * {@link #query(TenantId, SqlQuery)} with a cancel switch that also stops the statement while the engine is still
     * executing it, before the cursor is returned.
     *
     * @throws SqlStatementException as {@link #query(TenantId, SqlQuery)}; 57014 when {@code cancel} fired
     */
    default SqlRows query(TenantId tenant, SqlQuery query, SqlCancel cancel) {
        if (cancel.isCancelled()) {
            throw new SqlStatementException(SqlStatementException.QUERY_CANCELED, "canceling statement due to user "
                    + "request", null);
        }
        SqlRows rows = query(tenant, query);
        cancel.onCancel(rows::cancel);
        return rows;
    }

    /**
     * The result columns of a statement, from the engine's own metadata of the prepared statement: the statement is
     * prepared (in the same read-only transaction, role and timeout as {@link #query}) but not executed, so a statement
     * that would run for minutes is described in milliseconds. The binds are ignored (pass nulls of the right count or
     * none); the columns are typed as {@link SqlRows#columns()} types them. A parameter the engine cannot type from
     * the statement ({@code SELECT ? AS label}) is described as text, the type it has when a text value is bound; a
     * parameter of another type should be written as a cast ({@code CAST(? AS BIGINT)}) so that the description and
     * the rows agree.
     *
     * @throws SqlStatementException as {@link #query}: the statement does not prepare (syntax, unknown column)
     */
    List<SqlColumn> describe(TenantId tenant, SqlQuery query);
}
