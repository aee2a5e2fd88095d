package io.tidemark.sql.guard;

import io.tidemark.sql.guard.SqlScanner.Piece;
import io.tidemark.sql.guard.SqlScanner.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.Select;

/**
 * The read-only allow-list for SQL over one tenant's tables. {@link #check} takes the text a client sent (one or more
 * statements), parses each with JSqlParser, and either refuses the whole text with a {@link GuardException} (SQLSTATE
 * 42501 naming the construct, 42P01 for a name that is not the tenant's, 42601 for a syntax error, 54000/54001 past
 * {@link GuardLimits}) or answers one {@link GuardedStatement} per statement, queries rewritten so that every table
 * is the engine's name for the tenant's table ({@link Relations}).
 *
 * <p>Admitted: {@code SELECT} (and {@code WITH}, {@code VALUES}, {@code UNION [ALL]}/{@code INTERSECT}/{@code EXCEPT},
 * joins, subqueries, {@code WHERE}, {@code GROUP BY}, {@code HAVING}, {@code ORDER BY}, {@code LIMIT/OFFSET/FETCH},
 * window functions) over the tenant's tables, the functions of {@link #ALLOWED_FUNCTIONS}, casts to
 * {@link #ALLOWED_CAST_TYPES}, operators, the time functions with one meaning on every engine
 * ({@link SqlFunctions}: {@code date_trunc}, {@code date_bin}, {@code time_bucket}, {@code AT TIME ZONE},
 * {@code EXTRACT}, {@code now()}), {@code CASE}, {@code IN}, {@code BETWEEN}, {@code LIKE/ILIKE},
 * {@code AT TIME ZONE}, {@code EXTRACT}, PostgreSQL's interval literals, bind parameters ({@code ?} or {@code $n}, not both);
 * {@code COPY (query) TO STDOUT} and {@code COPY table TO STDOUT}; harmless {@code SET}s ({@link #HARMLESS_SETTINGS});
 * {@code SHOW}; transaction control as no-ops. Everything else is refused — in particular writes, DDL, other
 * schemas, table functions (file and URL readers), {@code COPY} to or from files, {@code ATTACH}, {@code PRAGMA},
 * {@code INSTALL}/{@code LOAD}, system functions, {@code SELECT … INTO}, {@code FOR UPDATE}.
 *
 * <p>Immutable and thread-safe; make one per catalog version.
 */
public final class SqlGuard {
    /**
     * Every function a query may call (lower case, without schema). Aggregates, window functions, time bucketing,
     * arithmetic and string functions; nothing that reads files, settings, the catalog or other sessions, sleeps,
     * or has side effects. A function on the list may still be missing on one engine (e.g. {@code time_bucket} on
     * PostgreSQL without TimescaleDB); the engine then reports it.
     */
    public static final Set<String> ALLOWED_FUNCTIONS = Set.of(
            // aggregates
            "count", "sum", "avg", "min", "max", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp",
            "var_pop", "bool_and", "bool_or", "every", "string_agg", "corr", "covar_pop", "covar_samp",
            "regr_slope", "regr_intercept", "percentile_cont", "percentile_disc", "median", "mode", "arg_min",
            "arg_max", "min_by", "max_by", "first", "last", "any_value",
            // window functions
            "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
            "first_value", "last_value", "nth_value",
            // time
            "now", "date_trunc", "date_bin", "time_bucket", "date_part", "to_timestamp", "epoch", "epoch_ms",
            "make_interval", "age", "timezone", "current_setting",
            // null handling and comparison
            "coalesce", "nullif", "greatest", "least",
            // arithmetic
            "abs", "ceil", "ceiling", "floor", "round", "trunc", "sqrt", "cbrt", "exp", "ln", "log", "log10",
            "log2", "power", "pow", "sign", "mod", "pi", "degrees", "radians", "sin", "cos", "tan", "asin", "acos",
            "atan", "atan2", "isnan", "isinf",
            // strings
            "lower", "upper", "length", "char_length", "character_length", "substr", "substring", "trim", "ltrim",
            "rtrim", "btrim", "replace", "concat", "concat_ws", "left", "right", "strpos", "position",
            "split_part", "lpad", "rpad", "starts_with", "reverse", "repeat", "initcap", "md5");

    /** The types a {@code CAST} or {@code ::} may name (lower case, whitespace collapsed). */
    public static final Set<String> ALLOWED_CAST_TYPES = Set.of("timestamp", "timestamptz", "timestamp with time zone",
            "timestamp without time zone", "date", "time", "interval", "double precision", "double", "float",
            "float4", "float8", "real", "numeric", "decimal", "int", "integer", "int2", "int4", "int8", "bigint",
            "smallint", "boolean", "bool", "text", "varchar", "character varying", "char", "character");

    /**
     * Session settings a client may {@code SET} or {@code RESET} (answered as no-ops, with harmless values only:
     * {@code TimeZone} to UTC, {@code search_path} to the tenant or {@code public}, {@code DateStyle} ISO, …) and
     * {@code current_setting(…)} may read; lower-case name → canonical name.
     */
    public static final Map<String, String> HARMLESS_SETTINGS = Map.of("extra_float_digits", "extra_float_digits",
            "application_name", "application_name", "datestyle", "DateStyle", "timezone", "TimeZone",
            "search_path", "search_path", "client_encoding", "client_encoding", "intervalstyle", "IntervalStyle");

    /** The most parameters one statement may use, as PostgreSQL's protocol allows. */
    static final int MAX_PARAMETERS = 65_535;

    private final SqlCatalog catalog;
    private final Relations relations;
    private final SqlFunctions functions;
    private final GuardLimits limits;

    private SqlGuard(SqlCatalog catalog, Relations relations, SqlFunctions functions, GuardLimits limits) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.relations = Objects.requireNonNull(relations, "relations");
        this.functions = Objects.requireNonNull(functions, "functions");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * A guard with {@link GuardLimits#DEFAULT} whose time functions are rendered by the store's engine
     * ({@code TenantSql.functions()}), so that a query means the same on every engine.
     */
    public static SqlGuard of(SqlCatalog catalog, Relations relations, SqlFunctions functions) {
        return new SqlGuard(catalog, relations, functions, GuardLimits.DEFAULT);
    }

    /**
     * A guard with {@link GuardLimits#DEFAULT} and the time functions {@linkplain SqlFunctions#AS_WRITTEN as written}
     * (their meaning then depends on the engine); the server uses {@link #of(SqlCatalog, Relations, SqlFunctions)}.
     */
    public static SqlGuard of(SqlCatalog catalog, Relations relations) {
        return of(catalog, relations, SqlFunctions.AS_WRITTEN);
    }

    public SqlGuard withLimits(GuardLimits limits) {
        return new SqlGuard(catalog, relations, functions, limits);
    }

    /**
     * Checks a text of one or more statements ({@code ;}-separated) and answers each, in order; an empty list for a
     * text of only whitespace and comments. If any statement is refused, the whole text is.
     *
     * @throws GuardException naming the first refused construct, with its SQLSTATE
     */
    public List<GuardedStatement> check(String sql) {
        List<GuardedStatement> out = new ArrayList<>();
        for (Piece p : SqlScanner.split(sql, limits)) {
            try {
                out.add(statement(p.text()));
            } catch (GuardException e) {
                throw e.shifted(p.offset());
            }
        }
        return out;
    }

    /**
     * The statements of a text, as {@link #check} separates them ({@code ;} outside literals, comments and quoted
     * names), without checking them: for a simple query that the caller then runs one statement at a time, after
     * {@link #check} admitted the whole text.
     *
     * @throws GuardException as {@link #check} for the text as a whole: 54000/54001 past a limit, 42601 for an
     *     unterminated literal or comment
     */
    public List<String> split(String sql) {
        return SqlScanner.split(sql, limits).stream().map(Piece::text).toList();
    }

    private GuardedStatement statement(String text) {
        List<Token> t = SqlScanner.tokens(text);
        Token first = t.get(0);
        return switch (first.text()) {
            case "select", "with", "values", "(" -> {
                String catalogMention = CatalogNames.catalogMention(t);
                yield catalogMention != null ? catalogQuery(text, catalogMention) : query(text, 0);
            }
            case "copy" -> Commands.copy(text, t, this::query);
            case "set", "reset" -> Commands.set(t, catalog.tenant());
            case "show" -> Commands.show(t);
            case "begin", "start", "commit", "end", "rollback", "abort" -> Commands.transaction(t);
            default -> throw GuardException.refused(refusedStatement(first));
        };
    }

    private static String refusedStatement(Token first) {
        String kw = first.text().toUpperCase(java.util.Locale.ROOT);
        String why = switch (first.text()) {
            case "insert", "update", "delete", "merge", "upsert", "replace", "truncate" ->
                    " (a write): SQL over Tidemark is read-only; write samples through the ingest API";
            case "create", "drop", "alter", "grant", "revoke", "comment", "vacuum", "analyze", "reindex", "cluster",
                    "refresh", "checkpoint" -> " (DDL or maintenance): SQL over Tidemark is read-only";
            case "attach", "detach", "use" -> " (other databases): SQL over Tidemark reads only the tenant's tables";
            case "install", "load", "force" -> " (extensions) is not allowed";
            case "pragma", "call", "do", "execute", "prepare", "import", "export", "explain", "describe", "summarize",
                    "listen", "notify", "lock", "declare", "fetch", "move", "discard" -> " is not allowed";
            default -> " statements are not allowed";
        };
        return kw + why + "; allowed: SELECT, WITH, VALUES, COPY (…) TO STDOUT, SHOW, and harmless SETs";
    }

    /**
     * Parses and rewrites one catalog query ({@link GuardedStatement.CatalogQuery}); {@code catalogMention} is what
     * made it one, for the error when it also reads a tenant's table. Before parsing, a small textual
     * normalisation removes what psql writes for PostgreSQL's own parser only: {@code OPERATOR(pg_catalog.~)} becomes
     * {@code ~} and {@code COLLATE pg_catalog.default} goes (the shadow compares names byte-wise, as the C collation
     * does). The normalisation can only change what the shadow answers, and the shadow holds no rows.
     */
    private GuardedStatement.CatalogQuery catalogQuery(String text, String catalogMention) {
        String normalised = OPERATOR.matcher(text).replaceAll("$1");
        normalised = DEFAULT_COLLATION.matcher(normalised).replaceAll("");
        Select select = parseSelect(normalised, normalised.equals(text) ? 0 : -1);
        SelectRewriter rewriter = new SelectRewriter(catalog, relations, SqlFunctions.AS_WRITTEN, catalogMention);
        rewriter.select(select);
        List<Integer> numbers = numberParameters(rewriter.parameters(), select);
        String sql = withoutCaseInsensitiveMarks(Parameters.toJdbc(select.toString(), numbers));
        return new GuardedStatement.CatalogQuery(sql, numbers);
    }

    /**
     * {@code ~*} and {@code !~*} as {@code ~} and {@code !~}: the rewriter has already made their patterns
     * case-insensitive ({@code pg_regex_i}), and the shadow's engine knows no {@code ~*}.
     */
    private static String withoutCaseInsensitiveMarks(String sql) {
        List<Token> tokens = SqlScanner.tokens(sql);
        StringBuilder out = new StringBuilder(sql);
        for (int i = tokens.size() - 1; i > 0; i--) {
            Token star = tokens.get(i);
            Token tilde = tokens.get(i - 1);
            if (star.is("*") && tilde.is("~") && star.offset() == tilde.offset() + 1) {
                out.deleteCharAt(star.offset());
            }
        }
        return out.toString();
    }

    private static final java.util.regex.Pattern OPERATOR = java.util.regex.Pattern.compile(
            "(?i)OPERATOR\\s*\\(\\s*pg_catalog\\s*\\.\\s*([^)\\s]+)\\s*\\)");
    private static final java.util.regex.Pattern DEFAULT_COLLATION = java.util.regex.Pattern.compile(
            "(?i)\\s+COLLATE\\s+(?:pg_catalog\\s*\\.\\s*)?(?:\"default\"|default|\"C\"|\"POSIX\")");

    /**
     * Parses and rewrites one query.
     *
     * @param offset where the text starts in the statement, for syntax error positions; -1 when the text is not the
     *     client's (a query made from {@code COPY table})
     */
    private GuardedStatement.Query query(String text, int offset) {
        Select select = parseSelect(text, offset);
        SelectRewriter rewriter = new SelectRewriter(catalog, relations, functions, null);
        rewriter.select(select);
        List<Integer> numbers = numberParameters(rewriter.parameters(), select);
        GroupByParameters.byPosition(rewriter.plainSelects());
        String sql = Parameters.toJdbc(select.toString(), numbers);
        return new GuardedStatement.Query(sql, rewriter.reads(), numbers);
    }

    /** Parses one statement that must be a query; syntax errors carry their position when {@code offset >= 0}. */
    private static Select parseSelect(String text, int offset) {
        Statement st;
        try {
            st = parse(text);
        } catch (ParseException e) {
            net.sf.jsqlparser.parser.Token at = e.currentToken == null ? null : e.currentToken.next;
            int position = at == null || offset < 0 ? 0 : offset + SqlScanner.position(text, at.beginLine,
                    at.beginColumn);
            String near = at == null || at.image == null || at.image.isEmpty() ? "end of input"
                    : "\"" + at.image + "\"";
            throw GuardException.syntax("syntax error at or near " + near, position);
        } catch (RuntimeException | Error e) {
            throw GuardException.syntax("syntax error: " + e.getMessage(), 0);
        }
        if (!(st instanceof Select select)) {
            throw GuardException.refused(st.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT)
                    + " is not allowed: SQL over Tidemark is read-only");
        }
        return select;
    }

    /**
     * A JDBC text (parameters as {@code ?}) with its k-th parameter written as {@code CAST(? AS type)} where
     * {@code types} has a type at index k - 1; a {@code ?} in a literal, a quoted name or a comment is no parameter.
     * For a store that must tell its engine a parameter's type (see {@link GuardedStatement.Query#withParameterTypes}).
     *
     * @param types SQL type names the caller chose (never client text), null to leave a parameter as it is
     */
    public static String castParameters(String jdbc, List<String> types) {
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            positions.add(i + 1);
        }
        return Parameters.typed(jdbc, positions, types, true);
    }

    private static void numberByPosition(List<JdbcParameter> params, Select select) {
        List<Integer> walk = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            JdbcParameter p = params.get(i);
            p.setParameterCharacter("?");
            p.setIndex(i + 1);
            p.setUseFixedIndex(true);
            walk.add(i + 1);
        }
        Parameters.toJdbc(select.toString(), walk);
        Map<Integer, Integer> position = new java.util.HashMap<>();
        for (int n : walk) {
            position.putIfAbsent(n, position.size() + 1);
        }
        for (JdbcParameter p : params) {
            p.setIndex(position.get(p.getIndex()));
        }
    }

    /**
     * JSqlParser's own two-step parse, without its thread: the simple grammar first (fast), then with complex
     * parsing (deep lookahead) only when that fails.
     */
    static Statement parse(String text) throws ParseException {
        try {
            return CCJSqlParserUtil.newParser(text).withAllowComplexParsing(false).Statement();
        } catch (ParseException | RuntimeException e) {
            return CCJSqlParserUtil.newParser(text).withAllowComplexParsing(true).Statement();
        }
    }

    /**
     * Gives every parameter its client number and makes it print as {@code ?n}, so that {@link Parameters} can read
     * the order back from the printed text. {@code $n} are numbered by n; {@code ?} by their position in the text,
     * which is not the order the rewriter meets them ({@code LIMIT ?} before {@code WHERE}): each is printed once with
     * its walk number and renumbered by where it first appears (JSqlParser prints the clauses in the order SQL writes
     * them; a client's {@code OFFSET ? LIMIT ?} counts as {@code LIMIT ? OFFSET ?}).
     */
    private static List<Integer> numberParameters(List<JdbcParameter> params, Select select) {
        boolean dollar = params.stream().anyMatch(p -> "$".equals(p.getParameterCharacter()));
        boolean question = params.stream().anyMatch(p -> !"$".equals(p.getParameterCharacter()));
        if (dollar && question) {
            throw GuardException.syntax("a statement uses both ? and $n parameters; use one style", 0);
        }
        if (question) {
            numberByPosition(params, select);
        }
        List<Integer> numbers = new ArrayList<>();
        for (JdbcParameter p : params) {
            int n = p.getIndex();
            if (n < 1 || n > MAX_PARAMETERS) {
                throw GuardException.syntax("parameter $" + n + " is out of range 1…" + MAX_PARAMETERS, 0);
            }
            p.setParameterCharacter("?");
            p.setIndex(n);
            p.setUseFixedIndex(true);
            numbers.add(n);
        }
        return numbers;
    }
}
