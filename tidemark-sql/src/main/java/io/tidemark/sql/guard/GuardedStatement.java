package io.tidemark.sql.guard;

import java.util.List;

/**
 * One statement the guard admits, as the wire layer must answer it. Each kind is an immutable record.
 */
public sealed interface GuardedStatement {

    /**
     * A read-only query to run on the store's engine.
     *
     * @param sql the rewritten text: every table qualified into the tenant's schema (or its reader view), bind
     *     parameters as JDBC's {@code ?}
     * @param reads the tenant's tables it reads, each once, in order of first mention
     * @param parameters for each {@code ?} in {@code sql}, in order, the 1-based number of the client's parameter it
     *     stands for ({@code $2 … $1 … $2} becomes {@code ? ? ?} with {@code [2, 1, 2]}); the client's parameter count
     *     is the largest
     */
    record Query(String sql, List<SqlTable> reads, List<Integer> parameters) implements GuardedStatement {
        public Query {
            reads = List.copyOf(reads);
            parameters = List.copyOf(parameters);
        }

        /** How many parameters the client binds: the largest parameter number, 0 when there is none. */
        public int parameterCount() {
            return parameters.stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        /** Whether it reads a live table ({@code latest.<archive>}, {@code recent.<archive>}). */
        public boolean readsLive() {
            return reads.stream().anyMatch(t -> t.kind().live());
        }

        /**
         * This query with each parameter of a declared type written as a cast to it ({@code CAST(? AS BIGINT)}), so
         * that the engine types the parameter as PostgreSQL types a declared one — alike when it prepares the
         * statement (the columns a Describe announces) and when it runs it. Left as {@code ?}, DuckDB types a
         * parameter by its context when it prepares ({@code SELECT $1}: unknown) and by its value when it runs.
         *
         * @param types for client parameter {@code $n} at index n - 1, the SQL type to cast it to, or null to leave it
         *     as it is (its type left open, or declared text: the engine gives it the type the statement needs);
         *     parameters past the list's end are left as they are
         */
        public Query withParameterTypes(List<String> types) {
            return new Query(Parameters.typed(sql, parameters, types, false), reads, parameters);
        }
    }

    /**
     * A query over PostgreSQL's catalog only ({@code pg_catalog.*}, {@code information_schema.*}, catalog functions
     * such as {@code version()} or {@code current_schema()}), as psql, pgjdbc's DatabaseMetaData, DBeaver and
     * Grafana's pickers send them. It reads none of the tenant's tables (a statement mixing both is refused with
     * 0A000) and is answered by a {@code io.tidemark.sql.catalog.CatalogDatabase}: a shadow database that holds the
     * tenant's table names and columns but no rows.
     *
     * @param sql the rewritten text for the shadow: catalog relations and functions renamed to the shadow's own
     *     ({@link CatalogNames#SHADOW_PG_CATALOG}, {@link CatalogNames#SHADOW_INFORMATION_SCHEMA}), bind parameters as
     *     JDBC's {@code ?}
     * @param parameters for each {@code ?} in {@code sql}, in order, the 1-based number of the client's parameter it
     *     stands for, as in {@link Query#parameters()}
     */
    record CatalogQuery(String sql, List<Integer> parameters) implements GuardedStatement {
        public CatalogQuery {
            parameters = List.copyOf(parameters);
        }

        /** How many parameters the client binds: the largest parameter number, 0 when there is none. */
        public int parameterCount() {
            return parameters.stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /** {@code COPY (query) TO STDOUT}: run the query, write its rows in {@code format} as CopyData. */
    record CopyOut(Query query, CopyFormat format) implements GuardedStatement {}

    /**
     * A harmless {@code SET} or {@code RESET} of a session setting (see {@link SqlGuard#HARMLESS_SETTINGS}), answered
     * as a no-op ({@code SET}); the wire layer may echo it as a ParameterStatus.
     *
     * @param name the setting's canonical name ({@code TimeZone}, {@code application_name}), or {@code ALL} for
     *     {@code RESET ALL}
     * @param value the value as written (quotes removed), or null for {@code RESET}
     */
    record Setting(String name, String value) implements GuardedStatement {}

    /**
     * {@code SHOW name} (or {@code SHOW ALL}): answered by the server from its own parameter values, never by the
     * engine.
     *
     * @param name lower case, {@code all} for every parameter
     */
    record Show(String name) implements GuardedStatement {}

    /**
     * {@code BEGIN}, {@code START TRANSACTION}, {@code COMMIT}, {@code END}, {@code ROLLBACK}, {@code ABORT}: answered
     * as a no-op with the command tag {@code command}, since every query runs in its own read-only transaction.
     */
    record Transaction(String command) implements GuardedStatement {}
}
