package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.TimeKeyExpression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.ASTNodeAccess;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.Token;
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
 */
final class Planner {
    static final String RECENT = "recent";
    static final String LATEST = "latest";
    private static final long MAX_LIMIT = 100_000;

    private final String sql;
    private final Function<String, ArchiveDefinition> archives;
    private ArchiveDefinition archive;
    private String tableAlias;

    private Planner(String sql, Function<String, ArchiveDefinition> archives) {
        this.sql = sql;
        this.archives = archives;
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
            throw invalid("cannot parse the query: " + parserMessage(e));
        }
        if (!(st instanceof PlainSelect ps)) {
            throw invalid("only a single SELECT is supported, not " + describe(st));
        }
        rejectClauses(ps);
        boolean latest = resolveTable(ps);
        Where where = splitWhere(ps.getWhere());
        RowScope rowScope = new RowScope();
        boolean aggregate = ps.getGroupBy() != null || ps.getHaving() != null || hasAggregate(ps, rowScope);
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
                    Expr e = new Expr.Ref(i, cellType(i));
                    projections.add(e);
                    columns.add(new QuerySchema.OutputColumn(cellName(i), e.type()));
                }
                continue;
            }
            Expr e = typed(compile(item.getExpression(), scope), item.getExpression());
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
                throw unsupported("GROUPING SETS", ps.getGroupBy().getGroupByExpressionList());
            }
            for (Object o : ps.getGroupBy().getGroupByExpressionList()) {
                Expression g = (Expression) o;
                if (g instanceof net.sf.jsqlparser.expression.LongValue) {
                    throw invalid("GROUP BY position " + g + at(g) + " is not supported; name the expression");
                }
                groupBy.add(typed(compile(g, rowScope), g));
                groupText.add(g.toString());
            }
        }
        GroupScope scope = new GroupScope(groupBy, groupText, rowScope);
        List<Expr> projections = new ArrayList<>();
        List<QuerySchema.OutputColumn> columns = new ArrayList<>();
        Map<String, Expr> aliases = new HashMap<>();
        for (SelectItem<?> item : ps.getSelectItems()) {
            if (item.getExpression() instanceof AllColumns all) {
                throw invalid("SELECT *" + at(all) + " is not allowed in an aggregate query; list the GROUP BY "
                        + "expressions and aggregates");
            }
            Expr e = typed(compile(item.getExpression(), scope), item.getExpression());
            projections.add(e);
            String name = outputName(item);
            columns.add(new QuerySchema.OutputColumn(name, e.type()));
            aliases.put(name.toLowerCase(Locale.ROOT), e);
        }
        Expr having = null;
        if (ps.getHaving() != null) {
            having = requireBoolean(compile(ps.getHaving(), scope), ps.getHaving(), "HAVING");
        }
        List<Plan.OrderKey> order = orderBy(ps, scope, aliases);
        long limit = limit(ps);
        return new Plan(shareKey, archive.name(), latest, where.predicate, where.window, projections, groupBy,
                List.copyOf(scope.aggregates), having, order, limit, new QuerySchema(columns, groupText, limit >= 0));
    }

    // ---- clauses ------------------------------------------------------------------------------------------

    private void rejectClauses(PlainSelect ps) {
        if (ps.getWithItemsList() != null && !ps.getWithItemsList().isEmpty()) {
            throw unsupported("WITH", ps.getWithItemsList().get(0));
        }
        if (ps.getDistinct() != null) {
            throw unsupported("DISTINCT", ps.getDistinct());
        }
        if (ps.getJoins() != null && !ps.getJoins().isEmpty()) {
            throw invalid("JOIN" + atText("JOIN") + " is not supported: a live query reads one table");
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
        throw unsupported(name, clause);
    }

    private boolean resolveTable(PlainSelect ps) {
        if (!(ps.getFromItem() instanceof Table t)) {
            throw invalid("FROM " + describe(ps.getFromItem()) + at(ps.getFromItem())
                    + " is not supported: read recent.<archive> or latest.<archive>");
        }
        String schema = t.getUnquotedSchemaName();
        String name = t.getUnquotedName();
        boolean latest = LATEST.equalsIgnoreCase(schema);
        if (schema == null || (!latest && !RECENT.equalsIgnoreCase(schema)) || t.getDatabaseName() != null) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "unknown table '" + t.getFullyQualifiedName() + "'" + at(t)
                    + ": live tables are recent.<archive> (rows in the live window) and latest.<archive> (latest row per rtId)");
        }
        archive = archives.apply(name.toLowerCase(Locale.ROOT));
        if (archive == null) {
            throw new TidemarkException(ErrorCode.NOT_FOUND, "unknown table '" + t.getFullyQualifiedName() + "'" + at(t)
                    + ": the tenant has no live archive '" + name + "'");
        }
        tableAlias = t.getAlias() != null ? t.getAlias().getName() : null;
        return latest;
    }

    private List<Plan.OrderKey> orderBy(PlainSelect ps, Scope scope, Map<String, Expr> aliases) {
        List<OrderByElement> elements = ps.getOrderByElements();
        if (elements == null || elements.isEmpty() || ps.getLimit() == null || ps.getLimit().getRowCount() == null) {
            // Without LIMIT the result is a set: ORDER BY changes nothing a client receives.
            return List.of();
        }
        List<Plan.OrderKey> keys = new ArrayList<>();
        for (OrderByElement o : elements) {
            Expression e = o.getExpression();
            if (e instanceof net.sf.jsqlparser.expression.LongValue) {
                throw invalid("ORDER BY position " + e + at(e) + " is not supported; name the column");
            }
            Expr compiled = null;
            if (e instanceof net.sf.jsqlparser.schema.Column c && c.getTable() == null) {
                compiled = aliases.get(unquote(c.getColumnName()).toLowerCase(Locale.ROOT));
            }
            if (compiled == null) {
                compiled = typed(compile(e, scope), e);
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
            throw unsupported("OFFSET", l.getOffset());
        }
        if (!(l.getRowCount() instanceof net.sf.jsqlparser.expression.LongValue n)) {
            throw invalid("LIMIT needs a whole number" + at(l));
        }
        if (ps.getOrderByElements() == null || ps.getOrderByElements().isEmpty()) {
            throw invalid("LIMIT without ORDER BY" + at(l) + " would keep arbitrary rows; add ORDER BY");
        }
        if (n.getValue() < 0 || n.getValue() > MAX_LIMIT) {
            throw invalid("LIMIT " + n.getValue() + at(l) + " is out of range; use 0 to " + MAX_LIMIT);
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
        RowScope scope = new RowScope();
        for (Expression c : conjuncts) {
            Plan.Window w = window(c);
            if (w != null && window != null) {
                throw invalid("a second time window" + at(c) + " is not supported; keep one "
                        + "`timestamp > now() - INTERVAL …` condition");
            }
            if (w != null) {
                window = w;
                continue;
            }
            Expr e = requireBoolean(compile(c, scope), c, "WHERE");
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
        return e instanceof net.sf.jsqlparser.schema.Column c && unquote(c.getColumnName()).equalsIgnoreCase("timestamp");
    }

    /** The width in micros of {@code now()} (0) or {@code now() - INTERVAL …}; null for anything else. */
    private Long nowMinus(Expression e) {
        if (isNow(e)) {
            return 0L;
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction s && isNow(s.getLeftExpression())
                && s.getRightExpression() instanceof IntervalExpression iv) {
            return intervalMicros(iv);
        }
        return null;
    }

    private static boolean isNow(Expression e) {
        if (e instanceof net.sf.jsqlparser.expression.Function f) {
            String n = f.getName().toLowerCase(Locale.ROOT);
            return (n.equals("now") || n.equals("current_timestamp")) && (f.getParameters() == null || f.getParameters().isEmpty());
        }
        return e instanceof TimeKeyExpression t && t.getStringValue().equalsIgnoreCase("CURRENT_TIMESTAMP");
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
                throw invalid("INTERVAL '" + text + "'" + at(iv) + " is not supported; write e.g. INTERVAL '5' MINUTE");
            }
            text = parts[0];
            unit = parts[1];
        }
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw invalid("INTERVAL amount '" + text + "'" + at(iv) + " is not a whole number");
        }
        long unitMicros = switch (unit.toLowerCase(Locale.ROOT).replaceAll("s$", "")) {
            case "second" -> 1_000_000L;
            case "minute" -> 60_000_000L;
            case "hour" -> 3_600_000_000L;
            case "day" -> 86_400_000_000L;
            default -> throw invalid("INTERVAL unit '" + unit + "'" + at(iv) + " is not supported; use SECOND, MINUTE, HOUR or DAY");
        };
        if (n < 0) {
            throw invalid("INTERVAL" + at(iv) + " must not be negative");
        }
        return Math.multiplyExact(n, unitMicros);
    }

    // ---- expressions --------------------------------------------------------------------------------------

    /** Resolves column references and aggregate calls; the rest of compilation is the same everywhere. */
    private interface Scope {
        Expr column(net.sf.jsqlparser.schema.Column c);

        Expr aggregate(Expression call, String name, Expression argument, boolean star, Expression filter);

        /** An expression that stands for a GROUP BY key, or null. */
        default Expr group(Expression e) {
            return null;
        }
    }

    /** Thrown while probing whether a row query is in fact an aggregate query. */
    private static final class AggregateFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AggregateFound() {
            super(null, null, false, false);
        }
    }

    private final class RowScope implements Scope {
        boolean probing;

        @Override
        public Expr column(net.sf.jsqlparser.schema.Column c) {
            checkQualifier(c);
            String name = unquote(c.getColumnName());
            for (int i = 0; i < 2 + archive.columns().size(); i++) {
                if (cellName(i).equalsIgnoreCase(name)) {
                    return new Expr.Ref(i, cellType(i));
                }
            }
            throw new TidemarkException(ErrorCode.UNKNOWN_COLUMN, "unknown column '" + name + "'" + at(c) + "; "
                    + "archive '" + archive.name() + "' has rtId, timestamp, "
                    + archive.columns().stream().map(Column::name).toList());
        }

        @Override
        public Expr aggregate(Expression call, String name, Expression argument, boolean star, Expression filter) {
            if (probing) {
                throw new AggregateFound();
            }
            throw invalid("aggregate " + name + at(call) + " is not allowed here (not in WHERE, FILTER or inside "
                    + "another aggregate); use HAVING to filter on aggregates");
        }
    }

    private final class GroupScope implements Scope {
        final List<Expr> groupBy;
        final List<String> groupText;
        final RowScope rows;
        final List<Plan.Aggregate> aggregates = new ArrayList<>();
        final List<String> aggregateText = new ArrayList<>();

        GroupScope(List<Expr> groupBy, List<String> groupText, RowScope rows) {
            this.groupBy = groupBy;
            this.groupText = groupText;
            this.rows = rows;
        }

        @Override
        public Expr group(Expression e) {
            int i = groupText.indexOf(e.toString());
            if (i < 0 && e instanceof net.sf.jsqlparser.schema.Column c) {
                String name = unquote(c.getColumnName());
                for (int k = 0; k < groupText.size(); k++) {
                    if (groupText.get(k).equalsIgnoreCase(name)) {
                        i = k;
                    }
                }
            }
            return i < 0 ? null : new Expr.Ref(i, groupBy.get(i).type());
        }

        @Override
        public Expr column(net.sf.jsqlparser.schema.Column c) {
            rows.column(c);
            throw invalid("column '" + c.getColumnName() + "'" + at(c) + " must appear in GROUP BY or inside an "
                    + "aggregate function");
        }

        @Override
        public Expr aggregate(Expression call, String name, Expression argument, boolean star, Expression filter) {
            String key = call.toString();
            int existing = aggregateText.indexOf(key);
            if (existing >= 0) {
                return new Expr.Ref(groupBy.size() + existing, aggregates.get(existing).type());
            }
            Plan.Aggregate a = compileAggregate(call, name, argument, star, filter, rows);
            aggregates.add(a);
            aggregateText.add(key);
            return new Expr.Ref(groupBy.size() + aggregates.size() - 1, a.type());
        }
    }

    private Plan.Aggregate compileAggregate(Expression call, String name, Expression argument, boolean star,
            Expression filter, RowScope rows) {
        Expr filterExpr = filter == null ? null : requireBoolean(compile(filter, rows), filter, "FILTER");
        String fn = name.toUpperCase(Locale.ROOT);
        if (star) {
            if (!fn.equals("COUNT")) {
                throw invalid(fn + "(*)" + at(call) + " is not supported; only COUNT(*)");
            }
            return new Plan.Aggregate(Plan.Function.COUNT_STAR, null, filterExpr, ColumnType.BIGINT);
        }
        Expr arg = compile(argument, rows);
        ColumnType t = arg.type();
        switch (fn) {
            case "COUNT":
                return new Plan.Aggregate(Plan.Function.COUNT, arg, filterExpr, ColumnType.BIGINT);
            case "SUM":
                requireNumeric(arg, argument, "SUM");
                return new Plan.Aggregate(Plan.Function.SUM, arg, filterExpr, t);
            case "AVG":
                requireNumeric(arg, argument, "AVG");
                return new Plan.Aggregate(Plan.Function.AVG, arg, filterExpr, ColumnType.DOUBLE);
            default:
                typed(arg, argument);
                return new Plan.Aggregate(fn.equals("MIN") ? Plan.Function.MIN : Plan.Function.MAX, arg, filterExpr, t);
        }
    }

    private boolean hasAggregate(PlainSelect ps, RowScope scope) {
        scope.probing = true;
        try {
            for (SelectItem<?> item : ps.getSelectItems()) {
                if (!(item.getExpression() instanceof AllColumns)) {
                    compile(item.getExpression(), scope);
                }
            }
            return false;
        } catch (AggregateFound found) {
            return true;
        } finally {
            scope.probing = false;
        }
    }

    private Expr compile(Expression e, Scope scope) {
        Expr g = scope.group(e);
        if (g != null) {
            return g;
        }
        if (e instanceof net.sf.jsqlparser.schema.Column c) {
            return scope.column(c);
        }
        if (e instanceof net.sf.jsqlparser.expression.LongValue v) {
            return new Expr.Const(v.getValue(), ColumnType.BIGINT);
        }
        if (e instanceof net.sf.jsqlparser.expression.DoubleValue v) {
            return new Expr.Const(v.getValue(), ColumnType.DOUBLE);
        }
        if (e instanceof net.sf.jsqlparser.expression.StringValue v) {
            return new Expr.Const(v.getValue().replace("''", "'"), ColumnType.VARCHAR);
        }
        if (e instanceof net.sf.jsqlparser.expression.NullValue) {
            return new Expr.Const(null, null);
        }
        if (e instanceof net.sf.jsqlparser.expression.BooleanValue v) {
            return new Expr.Const(v.getValue(), ColumnType.BOOLEAN);
        }
        if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
            return compile(p.get(0), scope);
        }
        if (e instanceof SignedExpression s) {
            return signed(s, scope);
        }
        if (e instanceof BinaryExpression b) {
            return binary(b, scope);
        }
        if (e instanceof NotExpression n) {
            return new Expr.Not(requireBoolean(compile(n.getExpression(), scope), n.getExpression(), "NOT"));
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.relational.InExpression in) {
            return in(in, scope);
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.relational.Between b) {
            Expr x = compile(b.getLeftExpression(), scope);
            Expr lo = compile(b.getBetweenExpressionStart(), scope);
            Expr hi = compile(b.getBetweenExpressionEnd(), scope);
            comparable(x, lo, b);
            comparable(x, hi, b);
            Expr between = new Expr.And(cmp(">=", x, lo), cmp("<=", x, hi));
            return b.isNot() ? new Expr.Not(between) : between;
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.relational.IsNullExpression n) {
            return new Expr.IsNull(compile(n.getLeftExpression(), scope), n.isNot());
        }
        if (e instanceof net.sf.jsqlparser.expression.CaseExpression c) {
            return caseExpr(c, scope);
        }
        if (e instanceof net.sf.jsqlparser.expression.Function f) {
            return function(f, scope);
        }
        if (e instanceof AnalyticExpression a) {
            if (a.getType() != AnalyticType.FILTER_ONLY || a.getWindowElement() != null || a.getPartitionExpressionList() != null
                    || a.getOrderByElements() != null) {
                throw unsupported("window function (OVER)", a);
            }
            if (a.isDistinct() || a.isUnique()) {
                throw unsupported("DISTINCT in an aggregate", a);
            }
            requireAggregateName(a.getName(), a);
            boolean star = a.isAllColumns() || a.getExpression() instanceof AllColumns;
            return scope.aggregate(a, a.getName(), a.getExpression(), star, a.getFilterExpression());
        }
        if (isNow(e)) {
            throw nowOutsideWindow(e);
        }
        if (e instanceof net.sf.jsqlparser.expression.CastExpression c) {
            return timestampLiteral(c);
        }
        throw unsupported(describe(e), e);
    }

    private Expr signed(SignedExpression s, Scope scope) {
        Expr x = compile(s.getExpression(), scope);
        if (s.getSign() == '+') {
            return requireNumeric(x, s, "unary +");
        }
        if (s.getSign() != '-') {
            throw unsupported("operator " + s.getSign(), s);
        }
        requireNumeric(x, s, "unary -");
        return x instanceof Expr.Const c && c.value() != null ? new Expr.Const(new Expr.Neg(c).eval(null), c.type()) : new Expr.Neg(x);
    }

    private Expr binary(BinaryExpression b, Scope scope) {
        String op = b.getStringExpression();
        boolean arithmetic = b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Addition
                || b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction
                || b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Multiplication
                || b instanceof net.sf.jsqlparser.expression.operators.arithmetic.Division;
        boolean logical = b instanceof AndExpression || b instanceof net.sf.jsqlparser.expression.operators.conditional.OrExpression;
        boolean comparison = b instanceof ComparisonOperator && List.of("=", "<>", "!=", "<", "<=", ">", ">=").contains(op);
        boolean like = b instanceof net.sf.jsqlparser.expression.operators.relational.LikeExpression;
        if (!arithmetic && !logical && !comparison && !like) {
            throw unsupported("operator " + op, b);
        }
        if (like) {
            return like((net.sf.jsqlparser.expression.operators.relational.LikeExpression) b, scope);
        }
        Expr l = compile(b.getLeftExpression(), scope);
        Expr r = compile(b.getRightExpression(), scope);
        if (logical) {
            requireBoolean(l, b.getLeftExpression(), op);
            requireBoolean(r, b.getRightExpression(), op);
            return b instanceof AndExpression ? new Expr.And(l, r) : new Expr.Or(l, r);
        }
        if (comparison) {
            comparable(l, r, b);
            return cmp(op.equals("!=") ? "<>" : op, l, r);
        }
        requireNumeric(l, b.getLeftExpression(), "operator " + op);
        requireNumeric(r, b.getRightExpression(), "operator " + op);
        char c = op.charAt(0);
        ColumnType t = c == '/' || l.type() == ColumnType.DOUBLE || r.type() == ColumnType.DOUBLE ? ColumnType.DOUBLE
                : l.type() == null && r.type() == null ? null : ColumnType.BIGINT;
        return new Expr.Arith(c, l, r, t);
    }

    private static Expr cmp(String op, Expr l, Expr r) {
        return Expr.compare(op, l, r);
    }

    private Expr like(net.sf.jsqlparser.expression.operators.relational.LikeExpression like, Scope scope) {
        if (like.getLikeKeyWord() != net.sf.jsqlparser.expression.operators.relational.LikeExpression.KeyWord.LIKE) {
            throw unsupported(like.getLikeKeyWord().name(), like);
        }
        if (like.getEscape() != null) {
            throw unsupported("LIKE … ESCAPE", like);
        }
        Expr x = compile(like.getLeftExpression(), scope);
        if (x.type() != null && x.type() != ColumnType.VARCHAR) {
            throw invalid("LIKE" + at(like) + " needs a VARCHAR operand, got " + x.type());
        }
        if (!(like.getRightExpression() instanceof net.sf.jsqlparser.expression.StringValue p)) {
            throw invalid("LIKE" + at(like) + " needs a constant pattern ('…')");
        }
        Expr m = new Expr.Like(x, Values.likePattern(p.getValue().replace("''", "'")));
        return like.isNot() ? new Expr.Not(m) : m;
    }

    private Expr in(net.sf.jsqlparser.expression.operators.relational.InExpression in, Scope scope) {
        if (!(in.getRightExpression() instanceof net.sf.jsqlparser.expression.operators.relational.ExpressionList<?> list)) {
            throw unsupported("IN (subquery)", in.getRightExpression());
        }
        if (in.isGlobal() || in.getOldOracleJoinSyntax() != 0) {
            throw unsupported("this form of IN", in);
        }
        Expr x = compile(in.getLeftExpression(), scope);
        List<Expr> items = new ArrayList<>();
        for (Object o : list) {
            Expr item = compile((Expression) o, scope);
            comparable(x, item, in);
            items.add(item);
        }
        Expr e = new Expr.In(x, items);
        return in.isNot() ? new Expr.Not(e) : e;
    }

    private Expr caseExpr(net.sf.jsqlparser.expression.CaseExpression c, Scope scope) {
        Expr subject = c.getSwitchExpression() == null ? null : compile(c.getSwitchExpression(), scope);
        List<Expr> conditions = new ArrayList<>();
        List<Expr> results = new ArrayList<>();
        for (net.sf.jsqlparser.expression.WhenClause w : c.getWhenClauses()) {
            Expr when = compile(w.getWhenExpression(), scope);
            if (subject != null) {
                comparable(subject, when, w);
                when = cmp("=", subject, when);
            } else {
                requireBoolean(when, w.getWhenExpression(), "WHEN");
            }
            conditions.add(when);
            results.add(compile(w.getThenExpression(), scope));
        }
        Expr otherwise = c.getElseExpression() == null ? null : compile(c.getElseExpression(), scope);
        List<Expr> all = new ArrayList<>(results);
        if (otherwise != null) {
            all.add(otherwise);
        }
        ColumnType t = unify(all, c);
        List<Expr> coerced = results.stream().map(r -> coerce(r, t)).toList();
        return new Expr.Case(conditions, coerced, otherwise == null ? null : coerce(otherwise, t), t);
    }

    private ColumnType unify(List<Expr> exprs, Expression at) {
        ColumnType t = null;
        for (Expr e : exprs) {
            ColumnType u = e.type();
            if (u == null || u == t) {
                continue;
            }
            if (t == null) {
                t = u;
            } else if (t.isNumeric() && u.isNumeric()) {
                t = ColumnType.DOUBLE;
            } else {
                throw invalid("CASE" + at(at) + " mixes " + t + " and " + u + " results");
            }
        }
        return t;
    }

    private static Expr coerce(Expr e, ColumnType t) {
        return t == ColumnType.DOUBLE && e.type() == ColumnType.BIGINT ? new Expr.ToDouble(e) : e;
    }

    private Expr function(net.sf.jsqlparser.expression.Function f, Scope scope) {
        if (isNow(f)) {
            throw nowOutsideWindow(f);
        }
        requireAggregateName(f.getName(), f);
        if (f.isDistinct() || f.isUnique()) {
            throw unsupported("DISTINCT in an aggregate", f);
        }
        if (f.getOrderByElements() != null || f.getHavingClause() != null || f.getKeep() != null || f.getLimit() != null) {
            throw unsupported("this form of " + f.getName(), f);
        }
        boolean star = f.isAllColumns() || (f.getParameters() != null && f.getParameters().size() == 1
                && f.getParameters().get(0) instanceof AllColumns);
        if (!star && (f.getParameters() == null || f.getParameters().size() != 1)) {
            throw invalid(f.getName() + at(f) + " takes exactly one argument");
        }
        return scope.aggregate(f, f.getName(), star ? null : (Expression) f.getParameters().get(0), star, null);
    }

    private void requireAggregateName(String name, Expression at) {
        String n = name == null ? "" : name.toUpperCase(Locale.ROOT);
        if (!List.of("COUNT", "SUM", "MIN", "MAX", "AVG").contains(n)) {
            throw invalid("function " + name + at(at) + " is not supported; aggregates are COUNT, SUM, MIN, MAX, "
                    + "AVG, and now() appears only in a time window");
        }
    }

    private Expr timestampLiteral(net.sf.jsqlparser.expression.CastExpression c) {
        String type = c.getColDataType() == null ? "" : c.getColDataType().getDataType();
        if (!"TIMESTAMP".equalsIgnoreCase(type) || !(c.getLeftExpression() instanceof net.sf.jsqlparser.expression.StringValue s)) {
            throw unsupported("CAST", c);
        }
        try {
            LocalDateTime t = LocalDateTime.parse(s.getValue().trim().replace(' ', 'T'));
            return new Expr.Const(SampleBatch.toMicros(t.toInstant(ZoneOffset.UTC)), ColumnType.TIMESTAMP);
        } catch (DateTimeParseException e) {
            throw invalid("TIMESTAMP '" + s.getValue() + "'" + at(c) + " is not a timestamp like '2024-05-01 12:00:00'");
        }
    }

    private TidemarkException nowOutsideWindow(Expression e) {
        return invalid(e + at(e) + " is supported only in a time window: a condition `timestamp > now() - INTERVAL "
                + "'5' MINUTE` (or >=) joined to the rest of WHERE with AND");
    }

    // ---- types --------------------------------------------------------------------------------------------

    private Expr requireBoolean(Expr e, Expression at, String where) {
        if (e.type() != null && e.type() != ColumnType.BOOLEAN) {
            throw invalid(where + " needs a BOOLEAN condition, got " + e.type() + " '" + at + "'" + at(at));
        }
        return e;
    }

    private Expr requireNumeric(Expr e, Expression at, String what) {
        if (e.type() != null && !e.type().isNumeric()) {
            throw invalid(what + " needs a number, got " + e.type() + " '" + at + "'" + at(at));
        }
        return e;
    }

    private void comparable(Expr a, Expr b, Object at) {
        ColumnType x = a.type();
        ColumnType y = b.type();
        if (x == null || y == null || x == y || (x.isNumeric() && y.isNumeric())) {
            return;
        }
        throw invalid("cannot compare " + x + " with " + y + " in '" + at + "'" + at(at));
    }

    private Expr typed(Expr e, Expression at) {
        if (e.type() == null) {
            throw invalid("the type of '" + at + "'" + at(at) + " is unknown (a bare NULL); give it a type");
        }
        return e;
    }

    // ---- names and positions ------------------------------------------------------------------------------

    private String cellName(int i) {
        return i == 0 ? "rtId" : i == 1 ? "timestamp" : archive.columns().get(i - 2).name();
    }

    private ColumnType cellType(int i) {
        return i == 0 ? ColumnType.VARCHAR : i == 1 ? ColumnType.TIMESTAMP : archive.columns().get(i - 2).type();
    }

    private void checkQualifier(net.sf.jsqlparser.schema.Column c) {
        Table t = c.getTable();
        if (t == null || t.getName() == null) {
            return;
        }
        String q = t.getUnquotedName();
        if (q.equalsIgnoreCase(archive.name()) || q.equalsIgnoreCase(tableAlias)) {
            return;
        }
        throw new TidemarkException(ErrorCode.UNKNOWN_COLUMN, "unknown table '" + t + "' in column '" + c + "'" + at(c));
    }

    private void requirePlainStar(AllColumns all) {
        if (all.getExceptColumns() != null || all.getReplaceExpressions() != null) {
            throw unsupported("SELECT * EXCEPT / REPLACE", all);
        }
    }

    private static String outputName(SelectItem<?> item) {
        if (item.getAlias() != null) {
            return unquote(item.getAlias().getName());
        }
        if (item.getExpression() instanceof net.sf.jsqlparser.schema.Column c) {
            return unquote(c.getColumnName());
        }
        return item.getExpression().toString();
    }

    private static String unquote(String name) {
        if (name != null && name.length() >= 2 && (name.startsWith("\"") && name.endsWith("\"")
                || name.startsWith("`") && name.endsWith("`"))) {
            return name.substring(1, name.length() - 1);
        }
        return name;
    }

    private static String describe(Object node) {
        String n = node.getClass().getSimpleName();
        return switch (n) {
            case "SetOperationList" -> "UNION / INTERSECT / EXCEPT";
            case "ParenthesedSelect" -> "a subquery";
            case "ParenthesedFromItem" -> "a parenthesized FROM";
            case "Values" -> "VALUES";
            case "Insert", "Update", "Delete", "Merge", "Upsert" -> n.toUpperCase(Locale.ROOT);
            case "Concat" -> "operator ||";
            case "Modulo" -> "operator %";
            case "IsBooleanExpression" -> "IS TRUE / IS FALSE";
            case "ExistsExpression" -> "EXISTS";
            case "ParenthesedExpressionList", "ExpressionList" -> "a row constructor (a, b)";
            case "JdbcParameter", "JdbcNamedParameter" -> "a bind parameter";
            case "IntervalExpression" -> "INTERVAL outside a time window";
            default -> n;
        };
    }

    private TidemarkException unsupported(String construct, Object node) {
        return invalid(construct + at(node) + " is not supported in a live query");
    }

    private static TidemarkException invalid(String message) {
        return new TidemarkException(ErrorCode.INVALID_QUERY, message);
    }

    private String atText(String word) {
        int i = sql.toUpperCase(Locale.ROOT).indexOf(word);
        return i < 0 ? "" : position(i);
    }

    /** " at line L, column C" for a parse-tree node: its own token, else its leftmost operand, else its text. */
    private String at(Object node) {
        Token t = firstToken(node, 0);
        if (t != null) {
            return " at line " + t.beginLine + ", column " + t.beginColumn;
        }
        int i = node == null ? -1 : indexOfIgnoringCase(sql, node.toString().trim());
        return i < 0 ? "" : position(i);
    }

    private static Token firstToken(Object node, int depth) {
        if (node == null || depth > 8) {
            return null;
        }
        if (node instanceof ASTNodeAccess a && a.getASTNode() != null) {
            return a.getASTNode().jjtGetFirstToken();
        }
        if (node instanceof BinaryExpression b) {
            return firstToken(b.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.Between b) {
            return firstToken(b.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.IsNullExpression n) {
            return firstToken(n.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.InExpression n) {
            return firstToken(n.getLeftExpression(), depth + 1);
        }
        return null;
    }

    private String position(int index) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < index; i++) {
            if (sql.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return " at line " + line + ", column " + col;
    }

    private static int indexOfIgnoringCase(String haystack, String needle) {
        if (needle.isEmpty()) {
            return -1;
        }
        return haystack.toLowerCase(Locale.ROOT).indexOf(needle.toLowerCase(Locale.ROOT));
    }

    private static String parserMessage(JSQLParserException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String m = String.valueOf(cause.getMessage()).replaceFirst("^[\\w.]*ParseException: ", "");
        int cut = m.indexOf("\n\nWas expecting");
        m = cut >= 0 ? m.substring(0, cut) : m;
        return m.replaceAll("\\s+", " ").trim();
    }
}
