package io.tidemark.sql.guard;

import io.tidemark.sql.guard.SqlScanner.Token;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names that make a statement a catalog query ({@link GuardedStatement.CatalogQuery}) and how the guard renames
 * them for the shadow database that answers it.
 *
 * <p>Resolution follows PostgreSQL with {@code pg_catalog} first on the search path: {@code pg_catalog.pg_class} and
 * an unqualified {@code pg_class} are the catalog relation, {@code information_schema.tables} is the information
 * schema's, an unqualified {@code tables} is the tenant's table of that name. Every catalog relation the shadow offers
 * lives in one of its two schemas ({@link #SHADOW_PG_CATALOG}, {@link #SHADOW_INFORMATION_SCHEMA}); a catalog name
 * outside these lists is answered 42P01, never by the engine's own system views, so what a tool sees is the same on
 * every engine and never more than the shadow holds. Catalog functions are the shadow's macros of the same name in
 * {@link #SHADOW_PG_CATALOG} ({@code version()}, {@code format_type(oid, int)}, {@code pg_get_userbyid(oid)} …).
 */
public final class CatalogNames {
    /** The shadow's schema holding the {@code pg_catalog} relations and the catalog functions. */
    public static final String SHADOW_PG_CATALOG = "tidemark_pg_catalog";
    /** The shadow's schema holding the {@code information_schema} relations. */
    public static final String SHADOW_INFORMATION_SCHEMA = "tidemark_information_schema";

    /** The {@code pg_catalog} relations the shadow offers (lower case). */
    public static final Set<String> PG_CATALOG_RELATIONS = Set.of("pg_namespace", "pg_class", "pg_attribute",
            "pg_type", "pg_database", "pg_description", "pg_shdescription", "pg_am", "pg_roles", "pg_user",
            "pg_auth_members", "pg_tables", "pg_views", "pg_matviews", "pg_index", "pg_indexes", "pg_constraint",
            "pg_attrdef", "pg_inherits", "pg_extension", "pg_settings", "pg_tablespace", "pg_proc", "pg_collation",
            "pg_foreign_table", "pg_partitioned_table", "pg_policy", "pg_statistic_ext", "pg_publication",
            "pg_publication_rel", "pg_publication_namespace", "pg_trigger", "pg_rewrite", "pg_depend", "pg_enum",
            "pg_sequence", "pg_sequences", "pg_event_trigger", "pg_language", "pg_stat_activity");

    /** The {@code information_schema} relations the shadow offers (lower case). */
    public static final Set<String> INFORMATION_SCHEMA_RELATIONS = Set.of("schemata", "tables", "columns", "views",
            "table_constraints", "key_column_usage", "referential_constraints", "routines", "sequences");

    /** The catalog functions, answered by the shadow's macros of the same name (lower case). */
    public static final Set<String> FUNCTIONS = Set.of("version", "current_database", "current_catalog",
            "current_schema", "current_schemas", "current_user", "session_user", "current_role", "user",
            "pg_backend_pid", "current_setting", "pg_get_userbyid", "pg_table_is_visible", "pg_type_is_visible",
            "pg_function_is_visible", "format_type", "obj_description", "col_description", "shobj_description",
            "pg_encoding_to_char", "pg_get_expr", "pg_get_indexdef", "pg_get_constraintdef", "pg_get_viewdef",
            "pg_get_triggerdef", "pg_get_partkeydef", "pg_get_statisticsobjdef_columns",
            "pg_relation_is_publishable", "_pg_expandarray", "pg_get_function_result", "pg_get_function_arguments",
            "pg_get_serial_sequence", "pg_size_pretty", "pg_table_size", "pg_relation_size",
            "pg_total_relation_size", "pg_indexes_size", "pg_database_size", "has_table_privilege",
            "has_schema_privilege", "has_database_privilege", "has_column_privilege", "has_any_column_privilege",
            "has_function_privilege", "has_sequence_privilege", "pg_has_role", "quote_ident", "parse_ident",
            "array_lower", "array_upper", "pg_is_in_recovery", "pg_postmaster_start_time",
            "pg_tablespace_location", "to_regclass", "regclass", "regtype", "txid_current", "inet_server_addr",
            "inet_server_port", "pg_is_other_temp_schema", "pg_my_temp_schema", "pg_conf_load_time");

    /**
     * Functions that, with no tenant table in the statement, also make it a catalog query (array and set-returning
     * helpers the tools' catalog statements use); they are answered by the engine's own function of that name.
     */
    static final Set<String> HELPER_FUNCTIONS = Set.of("array_to_string", "string_to_array", "array_length",
            "generate_series", "unnest", "generate_subscripts");

    /** PostgreSQL's catalog types: a cast to one ({@code 'raw'::regclass}) makes a statement a catalog query. */
    static final Set<String> CATALOG_TYPES = Set.of("regclass", "regtype", "regproc", "regprocedure",
            "regnamespace", "regrole", "oid");

    /** Keywords that are catalog functions called without parentheses. */
    static final Set<String> KEYWORD_FUNCTIONS = Set.of("current_user", "session_user", "current_role", "user",
            "current_catalog", "current_schema");

    /**
     * Functions a catalog query may never call, although the shadow holds nothing to read with them: the engine's
     * file, URL and SQL-string readers and environment access (name prefixes and names).
     */
    private static final List<String> DENIED_PREFIXES = List.of("read_", "parquet_", "iceberg_", "delta_",
            "sqlite_", "postgres_", "mysql_", "duckdb_", "json_execute", "load_", "install_", "sniff_", "glob");
    private static final Set<String> DENIED = Set.of("query", "query_table", "getenv", "getvariable", "pg_sleep",
            "set_config", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import",
            "lo_export", "dblink", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf");

    private CatalogNames() {}

    /** Whether a function name (lower case, without schema) is refused in a catalog query. */
    static boolean denied(String name) {
        return DENIED.contains(name) || DENIED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /**
     * What in a statement's tokens names the catalog, or null when nothing does: {@code pg_catalog.} or
     * {@code information_schema.}, an unqualified {@code pg_catalog} relation, a catalog or helper function call, a
     * catalog keyword ({@code current_user} …), a cast to a catalog type ({@code ::regclass}, {@code ::oid} …), or
     * {@code current_setting('x')} of a setting that is not a harmless one. Cheap and conservative: the guard then
     * parses the statement as a catalog query, and a statement that also reads the tenant's tables is refused there
     * with 0A000 naming both.
     *
     * @return the construct as the user wrote it ({@code pg_class}, {@code version(…)}, {@code ::regclass})
     */
    static String catalogMention(List<Token> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.type() != Token.Type.WORD) {
                continue;
            }
            String w = t.text();
            boolean call = i + 1 < tokens.size() && tokens.get(i + 1).is("(");
            boolean dotted = i + 1 < tokens.size() && tokens.get(i + 1).is(".");
            boolean qualified = i > 0 && tokens.get(i - 1).is(".");
            if ((w.equals("pg_catalog") || w.equals("information_schema")) && dotted) {
                return w + ".";
            }
            if (!qualified && !dotted && PG_CATALOG_RELATIONS.contains(w)) {
                return w;
            }
            if (call && !qualified && w.equals("current_setting")) {
                boolean harmless = i + 2 < tokens.size() && tokens.get(i + 2).type() == Token.Type.STRING
                        && SqlGuard.HARMLESS_SETTINGS.containsKey(tokens.get(i + 2).text().toLowerCase(Locale.ROOT));
                if (!harmless) {
                    return "current_setting(…) of a server setting";
                }
                continue;
            }
            if (call && !qualified && (FUNCTIONS.contains(w) || HELPER_FUNCTIONS.contains(w))) {
                return w + "(…)";
            }
            if (!call && !qualified && !dotted && KEYWORD_FUNCTIONS.contains(w)) {
                return w;
            }
            boolean castTo = i > 0 && (tokens.get(i - 1).is(":") || tokens.get(i - 1).is("as"));
            if (castTo && CATALOG_TYPES.contains(w)) {
                return "a cast to " + w;
            }
        }
        return null;
    }
}
