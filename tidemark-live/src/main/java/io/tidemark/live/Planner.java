package io.tidemark.live;

import static io.tidemark.live.QueryErrors.describe;
import static io.tidemark.live.QueryErrors.invalid;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.ExpressionCompiler.GroupScope;
import io.tidemark.live.ExpressionCompiler.RowScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Parses a query with JSqlParser and compiles it into a {@link Plan}. Everything outside the supported subset is
 * rejected with {@link ErrorCode#INVALID_QUERY}, naming the construct and its position (line and column, 1-based).
 *
 * <p>This class owns the statement's shape: its clauses, its table, the time window in WHERE, GROUP BY, ORDER BY and
 * LIMIT. Expressions are compiled and typed by {@link ExpressionCompiler}; positions in error messages come from
 * {@link QueryErrors}.
 */
final class Planner {
    static final String RECENT = "recent";
    static final String LATEST = "latest";
    private static final long MAX_LIMIT = 100_000;

    private final String sql;
    private final Function<String, ArchiveDefinition> archives;
    private final QueryErrors errors;
    private ArchiveDefinition archive;
    /** Set once the FROM table is resolved. */
    private ExpressionCompiler compiler;

    private Planner(String sql, Function<String, ArchiveDefinition> archives) {
        this.sql = sql;
        this.archives = archives;
        this.errors = new QueryErrors(sql);
    }

    /**
     * Compiles {@code sql} against the tenant's live archives.
     *
     * @param archives the archive of a name, or null if the tenant has none of that name
     */
    static Plan plan(String sql, Function<String, ArchiveDefinition> archives) {
        SqlLimits.check(sql);
        try {
            return new Planner(sql, archives).plan();
        } catch (StackOverflowError e) {
            // SqlLimits keeps trees shallow enough for the parser's and planner's recursion; this is the last line.
            throw invalid("the query is nested too deeply to compile; simplify its expressions (at most "
                    + SqlLimits.MAX_DEPTH + " nested parentheses and " + SqlLimits.MAX_OPERATORS + " operators)");
        }
    }

    private Plan plan() {
        Statement st;
        try {
            st = CCJSqlParserUtil.parse(sql);
        } catch (JSQLParserException e) {
            throw invalid("cannot parse the query: " + QueryErrors.parserMessage(e));
        }
        if (!(st instanceof PlainSelect ps)) {
            throw invalid("only a single SELECT is supported, not " + describe(st));
        }
        rejectClauses(ps);
        boolean latest = resolveTable(ps);
        Where where = splitWhere(ps.getWhere());
        RowScope rowScope = compiler.rowScope();
        boolean aggregate = ps.getGroupBy() != null || ps.getHaving() != null || compiler.hasAggregate(ps, rowScope);
        String shareKey = (latest ? LATEST : RECENT) + "|" + ps;
        return aggregate ? planAggregate(ps, shareKey, latest, where, rowScope) : planRows(ps, shareKey, latest, where, rowScope);
    }

    private Plan planRows(PlainSelect ps, String shareKey, boolean latest, Where where, RowScope scope) {
        List<Expr> projections = new ArrayList<>();
        List<QuerySchema.OutputColumn> columns = new ArrayList<>();
        Map<String, Expr> aliases = new HashMap<>();
        for (SelectItem<?> item : ps.getSelectItems()) {
            if (item.getExpression() instanceof AllColumns all) {
                requirePlainStar(all);
                for (int i = 0; i < 2 + archive.columns().size(); i++) {
                    Expr e = new Expr.Ref(i, compiler.cellType(i));
                    projections.add(e);
                    columns.add(new QuerySchema.OutputColumn(compiler.cellName(i), e.type()));
                }
                continue;
            }
            Expr e = compiler.typed(compiler.compile(item.getExpression(), scope), item.getExpression());
            projections.add(e);
            String name = outputName(item);
            columns.add(new QuerySchema.OutputColumn(name, e.type()));
            aliases.put(name.toLowerCase(Locale.ROOT), e);
        }
        List<Plan.OrderKey> order = orderBy(ps, scope, aliases);
        long limit = limit(ps);
        List<String> keys = latest ? List.of("rtId") : List.of("timestamp", "rtId");
        return new Plan(shareKey, archive.name(), latest, where.predicate, where.window, projections, null, List.of(),
                null, order, limit, new QuerySchema(columns, keys, limit >= 0));
    }

    private Plan planAggregate(PlainSelect ps, String shareKey, boolean latest, Where where, RowScope rowScope) {
        List<Expr> groupBy = new ArrayList<>();
        List<String> groupText = new ArrayList<>();
        if (ps.getGroupBy() != null) {
            if (ps.getGroupBy().getGroupingSets() != null && !ps.getGroupBy().getGroupingSets().isEmpty()) {
                throw errors.unsupported("GROUPING SETS", ps.getGroupBy().getGroupByExpressionList());
            }
            for (Object o : ps.getGroupBy().getGroupByExpressionList()) {
                Expression g = (Expression) o;
                if (g instanceof net.sf.jsqlparser.expression.LongValue) {
                    throw invalid("GROUP BY position " + g + errors.at(g) + " is not supported; name the expression");
                }
                groupBy.add(compiler.typed(compiler.compile(g, rowScope), g));
                groupText.add(g.toString());
            }
        }
        GroupScope scope = compiler.groupScope(groupBy, groupText, rowScope);
        List<Expr> projections = new ArrayList<>();
        List<QuerySchema.OutputColumn> columns = new ArrayList<>();
        Map<String, Expr> aliases = new HashMap<>();
        for (SelectItem<?> item : ps.getSelectItems()) {
            if (item.getExpression() instanceof AllColumns all) {
                throw invalid("SELECT *" + errors.at(all) + " is not allowed in an aggregate query; list the GROUP BY "
                        + "expressions and aggregates");
            }
            Expr e = compiler.typed(compiler.compile(item.getExpression(), scope), item.getExpression());
            projections.add(e);
            String name = outputName(item);
            columns.add(new QuerySchema.OutputColumn(name, e.type()));
            aliases.put(name.toLowerCase(Locale.ROOT), e);
        }
        Expr having = null;
        if (ps.getHaving() != null) {
            having = compiler.requireBoolean(compiler.compile(ps.getHaving(), scope), ps.getHaving(), "HAVING");
        }
        List<Plan.OrderKey> order = orderBy(ps, scope, aliases);
        long limit = limit(ps);
        return new Plan(shareKey, archive.name(), latest, where.predicate, where.window, projections, groupBy,
                List.copyOf(scope.aggregates), having, order, limit, new QuerySchema(columns, groupText, limit >= 0));
    }

    // ---- clauses ------------------------------------------------------------------------------------------

    private void rejectClauses(PlainSelect ps) {
        if (ps.getWithItemsList() != null && !ps.getWithItemsList().isEmpty()) {
            throw errors.unsupported("WITH", ps.getWithItemsList().get(0));
        }
        if (ps.getDistinct() != null) {
            throw errors.unsupported("DISTINCT", ps.getDistinct());
        }
        if (ps.getJoins() != null && !ps.getJoins().isEmpty()) {
            throw invalid("JOIN" + errors.atText("JOIN") + " is not supported: a live query reads one table");
        }
        if (ps.getFromItem() == null) {
            throw invalid("a FROM clause is needed: FROM recent.<archive> or FROM latest.<archive>");
        }
        rejectIfPresent(ps.getIntoTables(), "SELECT INTO");
        rejectIfPresent(ps.getTop(), "TOP");
        rejectIfPresent(ps.getOffset(), "OFFSET");
        rejectIfPresent(ps.getFetch(), "FETCH");
        rejectIfPresent(ps.getQualify(), "QUALIFY");
        rejectIfPresent(ps.getWindowDefinitions(), "WINDOW");
        rejectIfPresent(ps.getForMode(), "FOR UPDATE");
        rejectIfPresent(ps.getLimitBy(), "LIMIT BY");
        rejectIfPresent(ps.getSampleClause(), "TABLESAMPLE");
        rejectIfPresent(ps.getOracleHierarchical(), "CONNECT BY");
        rejectIfPresent(ps.getLateralViews(), "LATERAL VIEW");
    }

    private void rejectIfPresent(Object clause, String name) {
        if (clause == null || (clause instanceof List<?> l && l.isEmpty())) {
            return;
        }
        throw errors.unsupported(name, clause);
    }

    private boolean resolveTable(PlainSelect ps) {
        if (!(ps.getFromItem() instanceof Table t)) {
            throw invalid("FROM " + describe(ps.getFromItem()) + errors.at(ps.getFromItem())
                    + " is not supported: read recent.<archive> or latest.<archive>");
        }
        String schema = t.getUnquotedSchemaName();
        String name = t.getUnquotedName();
        boolean latest = LATEST.equalsIgnoreCase(schema);
        if (schema == null || (!latest && !RECENT.equalsIgnoreCase(schema)) || t.getDatabaseName() != null) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "unknown table '" + t.getFullyQualifiedName() + "'" + errors.at(t)
                    + ": live tables are recent.<archive> (rows in the live window) and latest.<archive> (latest row per rtId)");
        }
        archive = archives.apply(name.toLowerCase(Locale.ROOT));
        if (archive == null) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "unknown table '" + t.getFullyQualifiedName() + "'" + errors.at(t)
                    + ": the tenant has no live archive '" + name + "'");
        }
        compiler = new ExpressionCompiler(archive, t.getAlias() != null ? t.getAlias().getName() : null, errors);
        return latest;
    }

    private List<Plan.OrderKey> orderBy(PlainSelect ps, ExpressionCompiler.Scope scope, Map<String, Expr> aliases) {
        List<OrderByElement> elements = ps.getOrderByElements();
        if (elements == null || elements.isEmpty() || ps.getLimit() == null || ps.getLimit().getRowCount() == null) {
            // Without LIMIT the result is a set: ORDER BY changes nothing a client receives.
            return List.of();
        }
        List<Plan.OrderKey> keys = new ArrayList<>();
        for (OrderByElement o : elements) {
            Expression e = o.getExpression();
            if (e instanceof net.sf.jsqlparser.expression.LongValue) {
                throw invalid("ORDER BY position " + e + errors.at(e) + " is not supported; name the column");
            }
            Expr compiled = null;
            if (e instanceof net.sf.jsqlparser.schema.Column c && c.getTable() == null) {
                compiled = aliases.get(ExpressionCompiler.unquote(c.getColumnName()).toLowerCase(Locale.ROOT));
            }
            if (compiled == null) {
                compiled = compiler.typed(compiler.compile(e, scope), e);
            }
            boolean nullsFirst = o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
            keys.add(new Plan.OrderKey(compiled, !o.isAsc(), nullsFirst));
        }
        return keys;
    }

    private long limit(PlainSelect ps) {
        Limit l = ps.getLimit();
        if (l == null || l.isLimitAll() || l.isLimitNull()) {
            return -1;
        }
        if (l.getOffset() != null) {
            throw errors.unsupported("OFFSET", l.getOffset());
        }
        if (!(l.getRowCount() instanceof net.sf.jsqlparser.expression.LongValue n)) {
            throw invalid("LIMIT needs a whole number" + errors.at(l));
        }
        if (ps.getOrderByElements() == null || ps.getOrderByElements().isEmpty()) {
            throw invalid("LIMIT without ORDER BY" + errors.at(l) + " would keep arbitrary rows; add ORDER BY");
        }
        if (n.getValue() < 0 || n.getValue() > MAX_LIMIT) {
            throw invalid("LIMIT " + n.getValue() + errors.at(l) + " is out of range; use 0 to " + MAX_LIMIT);
        }
        return n.getValue();
    }

    // ---- WHERE and the time window ------------------------------------------------------------------------

    private record Where(Expr predicate, Plan.Window window) {}

    private Where splitWhere(Expression where) {
        if (where == null) {
            return new Where(null, null);
        }
        List<Expression> conjuncts = new ArrayList<>();
        flattenAnd(where, conjuncts);
        Plan.Window window = null;
        Expr rest = null;
        RowScope scope = compiler.rowScope();
        for (Expression c : conjuncts) {
            Plan.Window w = window(c);
            if (w != null && window != null) {
                throw invalid("a second time window" + errors.at(c) + " is not supported; keep one "
                        + "`timestamp > now() - INTERVAL …` condition");
            }
            if (w != null) {
                window = w;
                continue;
            }
            Expr e = compiler.requireBoolean(compiler.compile(c, scope), c, "WHERE");
            rest = rest == null ? e : new Expr.And(rest, e);
        }
        return new Where(rest, window);
    }

    private static void flattenAnd(Expression e, List<Expression> out) {
        if (e instanceof AndExpression and) {
            flattenAnd(and.getLeftExpression(), out);
            flattenAnd(and.getRightExpression(), out);
            return;
        }
        out.add(e);
    }

    /** {@code timestamp > now() - INTERVAL …} and its mirror images, or null if {@code e} is not a time window. */
    private Plan.Window window(Expression e) {
        if (!(e instanceof ComparisonOperator cmp)) {
            return null;
        }
        String op = cmp.getStringExpression();
        Expression l = cmp.getLeftExpression();
        Expression r = cmp.getRightExpression();
        if (isTimestampColumn(l) && (op.equals(">") || op.equals(">="))) {
            Long width = nowMinus(r);
            return width == null ? null : new Plan.Window(width, op.equals(">="));
        }
        if (isTimestampColumn(r) && (op.equals("<") || op.equals("<="))) {
            Long width = nowMinus(l);
            return width == null ? null : new Plan.Window(width, op.equals("<="));
        }
        return null;
    }

    private boolean isTimestampColumn(Expression e) {
        return e instanceof net.sf.jsqlparser.schema.Column c && ExpressionCompiler.unquote(c.getColumnName()).equalsIgnoreCase("timestamp");
    }

    /** The width in micros of {@code now()} (0) or {@code now() - INTERVAL …}; null for anything else. */
    private Long nowMinus(Expression e) {
        if (ExpressionCompiler.isNow(e)) {
            return 0L;
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction s && ExpressionCompiler.isNow(s.getLeftExpression())
                && s.getRightExpression() instanceof IntervalExpression iv) {
            return intervalMicros(iv);
        }
        return null;
    }

    private long intervalMicros(IntervalExpression iv) {
        String text = iv.getParameter() != null ? iv.getParameter() : String.valueOf(iv.getExpression());
        text = text.trim();
        if (text.startsWith("'") && text.endsWith("'") && text.length() >= 2) {
            text = text.substring(1, text.length() - 1).trim();
        }
        String unit = iv.getIntervalType();
        if (unit == null) {
            String[] parts = text.split("\\s+");
            if (parts.length != 2) {
                throw invalid("INTERVAL '" + text + "'" + errors.at(iv) + " is not supported; write e.g. INTERVAL '5' MINUTE");
            }
            text = parts[0];
            unit = parts[1];
        }
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw invalid("INTERVAL amount '" + text + "'" + errors.at(iv) + " is not a whole number");
        }
        long unitMicros = switch (unit.toLowerCase(Locale.ROOT).replaceAll("s$", "")) {
            case "second" -> 1_000_000L;
            case "minute" -> 60_000_000L;
            case "hour" -> 3_600_000_000L;
            case "day" -> 86_400_000_000L;
            default -> throw invalid("INTERVAL unit '" + unit + "'" + errors.at(iv) + " is not supported; use SECOND, MINUTE, HOUR or DAY");
        };
        if (n < 0) {
            throw invalid("INTERVAL" + errors.at(iv) + " must not be negative");
        }
        return Math.multiplyExact(n, unitMicros);
    }

    // ---- names ------------------------------------------------------------------------------------------------

    private void requirePlainStar(AllColumns all) {
        if (all.getExceptColumns() != null || all.getReplaceExpressions() != null) {
            throw errors.unsupported("SELECT * EXCEPT / REPLACE", all);
        }
    }

    private static String outputName(SelectItem<?> item) {
        if (item.getAlias() != null) {
            return ExpressionCompiler.unquote(item.getAlias().getName());
        }
        if (item.getExpression() instanceof net.sf.jsqlparser.schema.Column c) {
            return ExpressionCompiler.unquote(c.getColumnName());
        }
        return item.getExpression().toString();
    }
}
