package io.tidemark.live;

import static io.tidemark.live.QueryErrors.describe;
import static io.tidemark.live.QueryErrors.invalid;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.TidemarkException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.TimeKeyExpression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Compiles the expressions of one query on one archive into typed {@link Expr}s: resolves columns (rtId, timestamp,
 * the archive's columns) and aggregate calls through a {@link Scope}, checks operand types, and rejects what the
 * live engine does not evaluate with {@link ErrorCode#INVALID_QUERY} (or {@link ErrorCode#UNKNOWN_COLUMN}), naming
 * the position. The statement around the expressions is {@link Planner}'s.
 */
final class ExpressionCompiler {
    private final ArchiveDefinition archive;
    /** The FROM table's alias, or null. */
    private final String tableAlias;
    private final QueryErrors errors;

    ExpressionCompiler(ArchiveDefinition archive, String tableAlias, QueryErrors errors) {
        this.archive = archive;
        this.tableAlias = tableAlias;
        this.errors = errors;
    }

    RowScope rowScope() {
        return new RowScope();
    }

    GroupScope groupScope(List<Expr> groupBy, List<String> groupText, RowScope rows) {
        return new GroupScope(groupBy, groupText, rows);
    }

    /** Resolves column references and aggregate calls; the rest of compilation is the same everywhere. */
    interface Scope {
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

    final class RowScope implements Scope {
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
            throw new TidemarkException(ErrorCode.UNKNOWN_COLUMN, "unknown column '" + name + "'" + errors.at(c) + "; "
                    + "archive '" + archive.name() + "' has rtId, timestamp, "
                    + archive.columns().stream().map(Column::name).toList());
        }

        @Override
        public Expr aggregate(Expression call, String name, Expression argument, boolean star, Expression filter) {
            if (probing) {
                throw new AggregateFound();
            }
            throw invalid("aggregate " + name + errors.at(call) + " is not allowed here (not in WHERE, FILTER or inside "
                    + "another aggregate); use HAVING to filter on aggregates");
        }
    }

    final class GroupScope implements Scope {
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
            throw invalid("column '" + c.getColumnName() + "'" + errors.at(c) + " must appear in GROUP BY or inside an "
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
                throw invalid(fn + "(*)" + errors.at(call) + " is not supported; only COUNT(*)");
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

    boolean hasAggregate(PlainSelect ps, RowScope scope) {
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

    Expr compile(Expression e, Scope scope) {
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
                throw errors.unsupported("window function (OVER)", a);
            }
            if (a.isDistinct() || a.isUnique()) {
                throw errors.unsupported("DISTINCT in an aggregate", a);
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
        throw errors.unsupported(describe(e), e);
    }

    private Expr signed(SignedExpression s, Scope scope) {
        Expr x = compile(s.getExpression(), scope);
        if (s.getSign() == '+') {
            return requireNumeric(x, s, "unary +");
        }
        if (s.getSign() != '-') {
            throw errors.unsupported("operator " + s.getSign(), s);
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
            throw errors.unsupported("operator " + op, b);
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
            throw errors.unsupported(like.getLikeKeyWord().name(), like);
        }
        if (like.getEscape() != null) {
            throw errors.unsupported("LIKE … ESCAPE", like);
        }
        Expr x = compile(like.getLeftExpression(), scope);
        if (x.type() != null && x.type() != ColumnType.VARCHAR) {
            throw invalid("LIKE" + errors.at(like) + " needs a VARCHAR operand, got " + x.type());
        }
        if (!(like.getRightExpression() instanceof net.sf.jsqlparser.expression.StringValue p)) {
            throw invalid("LIKE" + errors.at(like) + " needs a constant pattern ('…')");
        }
        Expr m = new Expr.Like(x, Values.likePattern(p.getValue().replace("''", "'")));
        return like.isNot() ? new Expr.Not(m) : m;
    }

    private Expr in(net.sf.jsqlparser.expression.operators.relational.InExpression in, Scope scope) {
        if (!(in.getRightExpression() instanceof net.sf.jsqlparser.expression.operators.relational.ExpressionList<?> list)) {
            throw errors.unsupported("IN (subquery)", in.getRightExpression());
        }
        if (in.isGlobal() || in.getOldOracleJoinSyntax() != 0) {
            throw errors.unsupported("this form of IN", in);
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
                throw invalid("CASE" + errors.at(at) + " mixes " + t + " and " + u + " results");
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
            throw errors.unsupported("DISTINCT in an aggregate", f);
        }
        if (f.getOrderByElements() != null || f.getHavingClause() != null || f.getKeep() != null || f.getLimit() != null) {
            throw errors.unsupported("this form of " + f.getName(), f);
        }
        boolean star = f.isAllColumns() || (f.getParameters() != null && f.getParameters().size() == 1
                && f.getParameters().get(0) instanceof AllColumns);
        if (!star && (f.getParameters() == null || f.getParameters().size() != 1)) {
            throw invalid(f.getName() + errors.at(f) + " takes exactly one argument");
        }
        return scope.aggregate(f, f.getName(), star ? null : (Expression) f.getParameters().get(0), star, null);
    }

    private void requireAggregateName(String name, Expression at) {
        String n = name == null ? "" : name.toUpperCase(Locale.ROOT);
        if (!List.of("COUNT", "SUM", "MIN", "MAX", "AVG").contains(n)) {
            throw invalid("function " + name + errors.at(at) + " is not supported; aggregates are COUNT, SUM, MIN, MAX, "
                    + "AVG, and now() appears only in a time window");
        }
    }

    private Expr timestampLiteral(net.sf.jsqlparser.expression.CastExpression c) {
        String type = c.getColDataType() == null ? "" : c.getColDataType().getDataType();
        if (!"TIMESTAMP".equalsIgnoreCase(type) || !(c.getLeftExpression() instanceof net.sf.jsqlparser.expression.StringValue s)) {
            throw errors.unsupported("CAST", c);
        }
        try {
            LocalDateTime t = LocalDateTime.parse(s.getValue().trim().replace(' ', 'T'));
            return new Expr.Const(Micros.toMicros(t.toInstant(ZoneOffset.UTC)), ColumnType.TIMESTAMP);
        } catch (DateTimeParseException e) {
            throw invalid("TIMESTAMP '" + s.getValue() + "'" + errors.at(c) + " is not a timestamp like '2024-05-01 12:00:00'");
        }
    }

    /** {@code now()}, {@code current_timestamp()} or {@code CURRENT_TIMESTAMP}. */
    static boolean isNow(Expression e) {
        if (e instanceof net.sf.jsqlparser.expression.Function f) {
            String n = f.getName().toLowerCase(Locale.ROOT);
            return (n.equals("now") || n.equals("current_timestamp")) && (f.getParameters() == null || f.getParameters().isEmpty());
        }
        return e instanceof TimeKeyExpression t && t.getStringValue().equalsIgnoreCase("CURRENT_TIMESTAMP");
    }

    private TidemarkException nowOutsideWindow(Expression e) {
        return invalid(e + errors.at(e) + " is supported only in a time window: a condition `timestamp > now() - INTERVAL "
                + "'5' MINUTE` (or >=) joined to the rest of WHERE with AND");
    }

    // ---- types --------------------------------------------------------------------------------------------

    Expr requireBoolean(Expr e, Expression at, String where) {
        if (e.type() != null && e.type() != ColumnType.BOOLEAN) {
            throw invalid(where + " needs a BOOLEAN condition, got " + e.type() + " '" + at + "'" + errors.at(at));
        }
        return e;
    }

    private Expr requireNumeric(Expr e, Expression at, String what) {
        if (e.type() != null && !e.type().isNumeric()) {
            throw invalid(what + " needs a number, got " + e.type() + " '" + at + "'" + errors.at(at));
        }
        return e;
    }

    private void comparable(Expr a, Expr b, Object at) {
        ColumnType x = a.type();
        ColumnType y = b.type();
        if (x == null || y == null || x == y || (x.isNumeric() && y.isNumeric())) {
            return;
        }
        throw invalid("cannot compare " + x + " with " + y + " in '" + at + "'" + errors.at(at));
    }

    Expr typed(Expr e, Expression at) {
        if (e.type() == null) {
            throw invalid("the type of '" + at + "'" + errors.at(at) + " is unknown (a bare NULL); give it a type");
        }
        return e;
    }

    // ---- names ------------------------------------------------------------------------------------------------

    String cellName(int i) {
        return i == 0 ? "rtId" : i == 1 ? "timestamp" : archive.columns().get(i - 2).name();
    }

    ColumnType cellType(int i) {
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
        throw new TidemarkException(ErrorCode.UNKNOWN_COLUMN, "unknown table '" + t + "' in column '" + c + "'" + errors.at(c));
    }

    static String unquote(String name) {
        if (name != null && name.length() >= 2 && (name.startsWith("\"") && name.endsWith("\"")
                || name.startsWith("`") && name.endsWith("`"))) {
            return name.substring(1, name.length() - 1);
        }
        return name;
    }
}
