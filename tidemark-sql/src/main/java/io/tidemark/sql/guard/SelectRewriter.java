package io.tidemark.sql.guard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.ArrayExpression;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CaseExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.CollateExpression;
import net.sf.jsqlparser.expression.DateTimeLiteralExpression;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExtractExpression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.RowGetExpression;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.TimeKeyExpression;
import net.sf.jsqlparser.expression.TimezoneExpression;
import net.sf.jsqlparser.expression.TrimFunction;
import net.sf.jsqlparser.expression.WhenClause;
import net.sf.jsqlparser.expression.WindowDefinition;
import net.sf.jsqlparser.expression.WindowElement;
import net.sf.jsqlparser.expression.WindowOffset;
import net.sf.jsqlparser.expression.operators.arithmetic.Addition;
import net.sf.jsqlparser.expression.operators.arithmetic.Concat;
import net.sf.jsqlparser.expression.operators.arithmetic.Division;
import net.sf.jsqlparser.expression.operators.arithmetic.Modulo;
import net.sf.jsqlparser.expression.operators.arithmetic.Multiplication;
import net.sf.jsqlparser.expression.operators.arithmetic.Subtraction;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsDistinctExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperator;
import net.sf.jsqlparser.expression.operators.relational.RegExpMatchOperatorType;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.create.table.ColDataType;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.ExceptOp;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.IntersectOp;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperation;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.UnionOp;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Walks one parsed {@code SELECT} and rewrites it in place: every table of the tenant replaced by the FROM item the
 * engine reads it through ({@link Relations}), column qualifiers stripped of the tenant's schema. Everything is
 * checked against an allow-list of node kinds: a node this class does not name is refused, so a construct JSqlParser
 * learns in a later version is refused until someone allows it here. One instance per statement.
 *
 * <p>In catalog mode ({@link GuardedStatement.CatalogQuery}) the same walk resolves names the other way round:
 * catalog relations and functions ({@link CatalogNames}) are renamed to the shadow's, a tenant table is refused with
 * 0A000, any function but the {@linkplain CatalogNames#denied denied} ones may be called (the shadow holds no rows),
 * PostgreSQL-only constructs are rewritten into what the shadow's engine (DuckDB) takes: casts to {@code regclass},
 * {@code oid}, {@code name} …; {@code ~}/{@code !~} with PostgreSQL's search semantics; functions in FROM as
 * one-column subqueries named after their alias; {@code current_user} and friends as the shadow's macros.
 */
final class SelectRewriter {
    /** Binary operators: arithmetic, string concatenation, comparisons, AND / OR. */
    private static final Set<Class<?>> OPERATORS = Set.of(Addition.class, Subtraction.class, Multiplication.class,
            Division.class, Modulo.class, Concat.class, AndExpression.class, OrExpression.class, EqualsTo.class,
            NotEqualsTo.class, GreaterThan.class, GreaterThanEquals.class, MinorThan.class, MinorThanEquals.class,
            IsDistinctExpression.class);
    private static final Set<String> TIME_KEYS = Set.of("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME",
            "LOCALTIMESTAMP", "LOCALTIME");

    private final SqlCatalog catalog;
    private final Relations relations;
    private final TimeFunctions time;
    private final Set<SqlTable> reads = new LinkedHashSet<>();
    private final Deque<Set<String>> ctes = new ArrayDeque<>();
    private final List<JdbcParameter> parameters = new ArrayList<>();
    private final List<PlainSelect> plainSelects = new ArrayList<>();
    private final boolean catalogMode;
    private final String catalogMention;

    /**
     * @param functions how the store's engine writes the time functions ({@link TimeFunctions})
     * @param catalogMention what makes the statement a catalog query ({@link CatalogNames#catalogMention}), or null for
     *     a query over the tenant's tables (see the class comment)
     */
    SelectRewriter(SqlCatalog catalog, Relations relations, SqlFunctions functions, String catalogMention) {
        this.catalog = catalog;
        this.relations = relations;
        this.time = new TimeFunctions(functions);
        this.catalogMode = catalogMention != null;
        this.catalogMention = catalogMention;
    }

    List<SqlTable> reads() {
        return List.copyOf(reads);
    }

    List<JdbcParameter> parameters() {
        return parameters;
    }

    /** Every plain SELECT of the statement, subqueries and WITH items included, as the walk met them. */
    List<PlainSelect> plainSelects() {
        return plainSelects;
    }

    void select(Select s) {
        boolean scoped = withItems(s.getWithItemsList());
        try {
            refuseIf(s.getForMode() != null || s.getForUpdateTable() != null || s.getWait() != null,
                    "SELECT … FOR UPDATE / FOR SHARE (row locks)");
            refuseIf(s.getForClause() != null, "SELECT … FOR XML / FOR JSON");
            refuseIf(s.getIsolation() != null, "WITH isolation clauses");
            refuseIf(s.getLimitBy() != null, "LIMIT … BY");
            orderBy(s.getOrderByElements());
            limit(s.getLimit());
            if (s.getOffset() != null) {
                s.getOffset().setOffset(expression(s.getOffset().getOffset()));
            }
            if (s.getFetch() != null) {
                s.getFetch().setExpression(expression(s.getFetch().getExpression()));
            }
            if (s instanceof PlainSelect p) {
                plain(p);
            } else if (s instanceof SetOperationList l) {
                setOperations(l);
            } else if (s instanceof ParenthesedSelect ps) {
                refuseIf(ps.getPivot() != null || ps.getUnPivot() != null, "PIVOT / UNPIVOT");
                select(ps.getSelect());
            } else if (s instanceof Values v) {
                expression(v.getExpressions());
            } else {
                throw GuardException.refused(s.getClass().getSimpleName() + " is not allowed: only SELECT queries");
            }
        } finally {
            if (scoped) {
                ctes.pop();
            }
        }
    }

    /** Opens the WITH scope: each name is visible to the items after it (and itself: WITH RECURSIVE) and the body. */
    private boolean withItems(List<WithItem<?>> items) {
        if (items == null || items.isEmpty()) {
            return false;
        }
        Set<String> names = new HashSet<>();
        ctes.push(names);
        for (WithItem<?> w : items) {
            if (!(w.getParenthesedStatement() instanceof ParenthesedSelect body)) {
                throw GuardException.refused("INSERT, UPDATE or DELETE inside WITH is not allowed: SQL over Tidemark "
                        + "is read-only");
            }
            names.add(identifier(w.getAlias().getName()));
            select(body);
        }
        return true;
    }

    private void setOperations(SetOperationList l) {
        for (SetOperation op : l.getOperations()) {
            refuseIf(!(op instanceof UnionOp || op instanceof IntersectOp || op instanceof ExceptOp),
                    "set operation " + op);
        }
        for (Select s : l.getSelects()) {
            select(s);
        }
    }

    private void plain(PlainSelect p) {
        plainSelects.add(p);
        refuseIf(p.getIntoTables() != null && !p.getIntoTables().isEmpty() || p.getIntoTempTable() != null,
                "SELECT … INTO (creates a table)");
        refuseIf(p.getOracleHierarchical() != null, "CONNECT BY");
        refuseIf(p.getSampleClause() != null, "TABLESAMPLE");
        refuseIf(p.getLateralViews() != null && !p.getLateralViews().isEmpty(), "LATERAL VIEW");
        refuseIf(p.getTop() != null || p.getSkip() != null || p.getFirst() != null, "TOP / SKIP / FIRST (use LIMIT)");
        refuseIf(p.getQualify() != null, "QUALIFY");
        refuseIf(p.getPreferringClause() != null || p.getOptimizeFor() != null || p.getKsqlWindow() != null
                || p.getForXmlPath() != null || p.getOracleHint() != null, "vendor-specific SELECT clauses");
        if (p.getDistinct() != null && p.getDistinct().getOnSelectItems() != null) {
            selectItems(p.getDistinct().getOnSelectItems());
        }
        selectItems(p.getSelectItems());
        p.setFromItem(fromItem(p.getFromItem()));
        joins(p.getJoins());
        p.setWhere(expression(p.getWhere()));
        GroupByElement g = p.getGroupBy();
        if (g != null) {
            expression(g.getGroupByExpressionList());
            if (g.getGroupingSets() != null) {
                for (Object set : g.getGroupingSets()) {
                    expression((Expression) set);
                }
            }
        }
        p.setHaving(expression(p.getHaving()));
        if (p.getWindowDefinitions() != null) {
            for (WindowDefinition w : p.getWindowDefinitions()) {
                window(w);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void selectItems(List<SelectItem<?>> items) {
        for (SelectItem<?> it : items) {
            SelectItem<Expression> item = (SelectItem<Expression>) it;
            Expression e = item.getExpression();
            if (e instanceof AllColumns all) {
                refuseIf(all.getReplaceExpressions() != null && !all.getReplaceExpressions().isEmpty(),
                        "SELECT * REPLACE");
                if (all.getExceptColumns() != null) {
                    expression(all.getExceptColumns());
                }
                if (e instanceof net.sf.jsqlparser.statement.select.AllTableColumns t) {
                    qualifier(t.getTable());
                }
                continue;
            }
            if (catalogMode && item.getAlias() == null) {
                labelAsPostgreSql(item);
            }
            item.setExpression(expression(e));
        }
    }

    /**
     * Gives a catalog function's result column PostgreSQL's label ({@code version}, {@code current_user}) before the
     * function is renamed to the shadow's macro, whose name the engine would use instead.
     */
    private static void labelAsPostgreSql(SelectItem<?> item) {
        String label = null;
        if (item.getExpression() instanceof Function f) {
            List<String> parts = f.getMultipartName();
            String name = identifier(parts.get(parts.size() - 1));
            label = CatalogNames.FUNCTIONS.contains(name) ? name : null;
        } else if (item.getExpression() instanceof Column c && c.getTable() == null
                && CatalogNames.KEYWORD_FUNCTIONS.contains(c.getColumnName().toLowerCase(Locale.ROOT))) {
            label = c.getColumnName().toLowerCase(Locale.ROOT);
        }
        if (label != null) {
            item.setAlias(new Alias("\"" + label + "\"", true));
        }
    }

    private void joins(List<Join> joins) {
        if (joins == null) {
            return;
        }
        for (Join j : joins) {
            refuseIf(j.isApply() || j.isWindowJoin() || j.getJoinHint() != null, "APPLY / window / hinted joins");
            j.setRightItem(fromItem(j.getRightItem()));
            if (j.getOnExpressions() != null) {
                List<Expression> on = new ArrayList<>();
                for (Expression e : j.getOnExpressions()) {
                    on.add(expression(e));
                }
                j.setOnExpressions(on);
            }
        }
    }

    private FromItem fromItem(FromItem f) {
        if (f == null) {
            return null;
        }
        if (f instanceof Table t) {
            return table(t);
        }
        if (f instanceof ParenthesedSelect ps) {
            refuseIf(ps.getSampleClause() != null, "TABLESAMPLE");
            select(ps);
            return ps;
        }
        if (f instanceof ParenthesedFromItem pf) {
            refuseIf(pf.getPivot() != null || pf.getUnPivot() != null || pf.getSampleClause() != null,
                    "PIVOT / UNPIVOT / TABLESAMPLE");
            pf.setFromItem(fromItem(pf.getFromItem()));
            joins(pf.getJoins());
            return pf;
        }
        if (f instanceof Values v) {
            expression(v.getExpressions());
            return v;
        }
        if (f instanceof TableFunction tf && catalogMode) {
            return catalogTableFunction(tf);
        }
        if (f instanceof TableFunction tf) {
            throw GuardException.refused("table function " + tf.getFunction().getName() + "(…) in FROM is not "
                    + "allowed: read the tenant's tables by name (file and URL readers such as read_csv or "
                    + "read_parquet are never allowed)");
        }
        throw GuardException.refused("FROM item " + f.getClass().getSimpleName() + " is not allowed");
    }

    /** Resolves a table name: a CTE in scope stays as written, a tenant table becomes its rendering. */
    private FromItem table(Table t) {
        refuseIf(t.getPivot() != null || t.getUnPivot() != null || t.getSampleClause() != null
                || t.getIndexHint() != null || t.getSqlServerHints() != null, "PIVOT / TABLESAMPLE / index hints");
        String written = t.getFullyQualifiedName();
        if (t.getName().startsWith("'")) {
            throw GuardException.refused("reading a file (FROM " + t.getName() + ") is not allowed: read the "
                    + "tenant's tables by name");
        }
        refuseIf(t.getNameParts().size() > 2, "three-part or remote names ("
                + written + "): name the tenant's tables as table or schema.table");
        String name = identifier(t.getName());
        String schema = t.getSchemaName() == null ? null : identifier(t.getSchemaName());
        if (schema == null && ctes.stream().anyMatch(s -> s.contains(name))) {
            return t;
        }
        if (catalogMode) {
            return catalogTable(t, schema, name, written);
        }
        if (schema != null && !catalog.readable(schema)) {
            throw GuardException.refused("schema " + t.getSchemaName() + " is not readable: SQL over Tidemark reads "
                    + "only the tenant's own tables (" + catalog.tenant() + ".<archive>, latest.<archive>, "
                    + "recent.<archive>)");
        }
        SqlTable table = catalog.find(schema, name).orElseThrow(() -> new GuardException(
                GuardException.UNDEFINED_TABLE, "relation \"" + written + "\" does not exist"));
        reads.add(table);
        FromItem rendered = parseFromItem(relations.render(table));
        rendered.setAlias(t.getAlias() != null ? t.getAlias() : new Alias(table.name(), true));
        return rendered;
    }

    /**
     * A relation in a catalog query: {@code pg_catalog.x} (or an unqualified {@code x} that PostgreSQL would find
     * in {@code pg_catalog} first) and {@code information_schema.x} become the shadow's; a tenant table is refused
     * with 0A000, anything else is 42P01.
     */
    private FromItem catalogTable(Table t, String schema, String name, String written) {
        if ((schema == null || schema.equals("pg_catalog")) && CatalogNames.PG_CATALOG_RELATIONS.contains(name)) {
            t.setSchemaName(CatalogNames.SHADOW_PG_CATALOG);
            return aliased(t, name);
        }
        if ("information_schema".equals(schema) && CatalogNames.INFORMATION_SCHEMA_RELATIONS.contains(name)) {
            t.setSchemaName(CatalogNames.SHADOW_INFORMATION_SCHEMA);
            return aliased(t, name);
        }
        boolean tenantTable = (schema == null || catalog.readable(schema)) && catalog.find(schema, name).isPresent();
        if (tenantTable) {
            throw new GuardException(GuardException.FEATURE_NOT_SUPPORTED, "a query over the catalog (here: "
                    + catalogMention + ") cannot also read the tenant's table " + written + ": run the catalog "
                    + "part and the data part as two statements");
        }
        if ("pg_catalog".equals(schema) || "information_schema".equals(schema)) {
            throw new GuardException(GuardException.UNDEFINED_TABLE, "relation \"" + written + "\" does not exist "
                    + "in Tidemark's catalog, which offers pg_catalog " + new java.util.TreeSet<>(
                    CatalogNames.PG_CATALOG_RELATIONS) + " and information_schema " + new java.util.TreeSet<>(
                    CatalogNames.INFORMATION_SCHEMA_RELATIONS));
        }
        throw new GuardException(GuardException.UNDEFINED_TABLE, "relation \"" + written + "\" does not exist");
    }

    /** Keeps {@code pg_class.relname} resolving once the schema is renamed: the table's own name as its alias. */
    private static FromItem aliased(Table t, String name) {
        if (t.getAlias() == null) {
            t.setAlias(new Alias(name, false));
        }
        return t;
    }

    /**
     * A function in a catalog query's FROM, as PostgreSQL runs it: one column named after the alias's column
     * ({@code pos(n)}), the alias or the function,
     * one row per element for the set-returning {@code generate_series}/{@code unnest}, else one row.
     */
    private FromItem catalogTableFunction(TableFunction tf) {
        Function f = tf.getFunction();
        String fname = identifier(f.getMultipartName().get(f.getMultipartName().size() - 1));
        Alias alias = tf.getAlias();
        boolean columnAlias = alias != null && alias.getAliasColumns() != null && !alias.getAliasColumns().isEmpty();
        String column = columnAlias ? alias.getAliasColumns().get(0).name : alias != null ? alias.getName() : fname;
        boolean setReturning = fname.equals("generate_series") || fname.equals("unnest");
        String item = setReturning && !fname.equals("unnest") ? "unnest(" + f + ")" : f.toString();
        FromItem sub = parseFromItem("(SELECT " + item + " AS " + column + ")");
        select((ParenthesedSelect) sub);
        sub.setAlias(alias != null ? new Alias(alias.getName(), true) : new Alias(fname, true));
        return sub;
    }

    private static FromItem parseFromItem(String rendering) {
        try {
            PlainSelect p = (PlainSelect) SqlGuard.parse("SELECT * FROM " + rendering);
            return p.getFromItem();
        } catch (net.sf.jsqlparser.parser.ParseException | RuntimeException e) {
            throw new IllegalStateException("the store's rendering of a table is not a FROM item: " + rendering, e);
        }
    }

    /** A column's or {@code t.*}'s qualifier: the tenant's schema is dropped (the FROM item carries the alias). */
    private void qualifier(Table t) {
        if (t == null || t.getSchemaName() == null) {
            return;
        }
        if (catalogMode) {
            t.setSchemaName(null);
            return;
        }
        refuseIf(t.getNameParts().size() > 2, "three-part column qualifiers (" + t.getFullyQualifiedName() + ")");
        String schema = identifier(t.getSchemaName());
        if (!catalog.readable(schema)) {
            throw GuardException.refused("schema " + t.getSchemaName() + " is not readable: SQL over Tidemark reads "
                    + "only the tenant's own tables");
        }
        t.setSchemaName(null);
    }

    private void orderBy(List<OrderByElement> elements) {
        if (elements == null) {
            return;
        }
        for (OrderByElement o : elements) {
            o.setExpression(expression(o.getExpression()));
        }
    }

    private void limit(Limit l) {
        if (l == null) {
            return;
        }
        l.setRowCount(expression(l.getRowCount()));
        l.setOffset(expression(l.getOffset()));
    }

    private void window(WindowDefinition w) {
        if (w == null) {
            return;
        }
        expression(w.getPartitionExpressionList());
        orderBy(w.getOrderByElements());
        windowElement(w.getWindowElement());
    }

    private void windowElement(WindowElement e) {
        if (e == null) {
            return;
        }
        windowOffset(e.getOffset());
        if (e.getRange() != null) {
            windowOffset(e.getRange().getStart());
            windowOffset(e.getRange().getEnd());
        }
    }

    private void windowOffset(WindowOffset o) {
        if (o != null) {
            o.setExpression(expression(o.getExpression()));
        }
    }

    /**
     * The allow-list of expression kinds. Rewrites {@code e}'s children in place and answers what stands for
     * {@code e} in its parent: {@code e} itself, or the engine's text for a time function ({@link TimeFunctions}).
     */
    private Expression expression(Expression e) {
        if (e == null || e instanceof AllColumns || e instanceof LongValue || e instanceof DoubleValue
                || e instanceof StringValue || e instanceof NullValue || e instanceof BooleanValue
                || e instanceof DateTimeLiteralExpression || e instanceof TimeFunctions.Rendered) {
            return e;
        }
        if (e instanceof Column c && catalogMode) {
            catalogColumn(c);
        } else if (e instanceof Column c) {
            qualifier(c.getTable());
            refuseIf(c.getArrayConstructor() != null, "array subscripts");
        } else if (e instanceof JdbcParameter p) {
            parameters.add(p);
        } else if (e instanceof ExpressionList<?> list) {
            expressions(list);
        } else if (e instanceof Function f) {
            return function(f);
        } else if (e instanceof AnalyticExpression a) {
            analytic(a);
        } else if (e instanceof CastExpression c) {
            cast(c);
        } else if (e instanceof LikeExpression l) {
            refuseIf(l.getLikeKeyWord() != LikeExpression.KeyWord.LIKE && l.getLikeKeyWord()
                    != LikeExpression.KeyWord.ILIKE, l.getLikeKeyWord() + " (use LIKE or ILIKE)");
            l.setLeftExpression(expression(l.getLeftExpression()));
            l.setRightExpression(expression(l.getRightExpression()));
            l.setEscape(expression(l.getEscape()));
        } else if (e instanceof BinaryExpression b && OPERATORS.contains(b.getClass())) {
            b.setLeftExpression(expression(b.getLeftExpression()));
            b.setRightExpression(expression(b.getRightExpression()));
        } else if (e instanceof Select s) {
            select(s);
        } else if (catalogMode && catalogExpression(e)) {
            return e;
        } else {
            return otherExpression(e);
        }
        return e;
    }

    /** Rewrites each element of a list in place. */
    @SuppressWarnings("unchecked")
    private void expressions(ExpressionList<?> list) {
        List<Expression> items = (List<Expression>) list;
        for (int i = 0; i < items.size(); i++) {
            items.set(i, expression(items.get(i)));
        }
    }

    /** A column in a catalog query; {@code current_user} and the like (parsed as columns) call the shadow's macro. */
    private void catalogColumn(Column c) {
        qualifier(c.getTable());
        String name = c.getColumnName();
        if (c.getTable() == null || c.getTable().getName() == null) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!name.startsWith("\"") && CatalogNames.KEYWORD_FUNCTIONS.contains(lower)) {
                c.setColumnName(CatalogNames.SHADOW_PG_CATALOG + ".\"" + lower + "\"()");
            }
        }
        if (c.getArrayConstructor() != null) {
            expression(c.getArrayConstructor());
        }
    }

    /** The expression kinds only a catalog query may use; false when {@code e} is none of them. */
    private boolean catalogExpression(Expression e) {
        if (e instanceof RegExpMatchOperator r) {
            expression(r.getLeftExpression());
            expression(r.getRightExpression());
            boolean insensitive = r.getOperatorType() == RegExpMatchOperatorType.MATCH_CASEINSENSITIVE
                    || r.getOperatorType() == RegExpMatchOperatorType.NOT_MATCH_CASEINSENSITIVE;
            Function search = new Function();
            search.setName(List.of(CatalogNames.SHADOW_PG_CATALOG, insensitive ? "pg_regex_i" : "pg_regex"));
            search.setParameters(new ExpressionList<>(r.getRightExpression()));
            r.setRightExpression(search);
            return true;
        }
        if (e instanceof ArrayExpression a) {
            expression(a.getObjExpression());
            expression(a.getIndexExpression());
            expression(a.getStartIndexExpression());
            expression(a.getStopIndexExpression());
            return true;
        }
        if (e instanceof ArrayConstructor a) {
            expression(a.getExpressions());
            return true;
        }
        if (e instanceof CollateExpression c) {
            expression(c.getLeftExpression());
            return true;
        }
        if (e instanceof RowGetExpression g) {
            expression(g.getExpression());
            return true;
        }
        if (e instanceof BinaryExpression b) {
            // bitwise and the engine's other operators: the shadow holds no rows to misuse them on
            expression(b.getLeftExpression());
            expression(b.getRightExpression());
            return true;
        }
        return false;
    }

    private Expression otherExpression(Expression e) {
        if (e instanceof InExpression in) {
            in.setLeftExpression(expression(in.getLeftExpression()));
            in.setRightExpression(expression(in.getRightExpression()));
        } else if (e instanceof Between b) {
            b.setLeftExpression(expression(b.getLeftExpression()));
            b.setBetweenExpressionStart(expression(b.getBetweenExpressionStart()));
            b.setBetweenExpressionEnd(expression(b.getBetweenExpressionEnd()));
        } else if (e instanceof IsNullExpression n) {
            n.setLeftExpression(expression(n.getLeftExpression()));
        } else if (e instanceof IsBooleanExpression b) {
            b.setLeftExpression(expression(b.getLeftExpression()));
        } else if (e instanceof ExistsExpression x) {
            x.setRightExpression(expression(x.getRightExpression()));
        } else if (e instanceof NotExpression n) {
            n.setExpression(expression(n.getExpression()));
        } else if (e instanceof SignedExpression s) {
            s.setExpression(expression(s.getExpression()));
        } else if (e instanceof CaseExpression c) {
            c.setSwitchExpression(expression(c.getSwitchExpression()));
            for (WhenClause w : c.getWhenClauses()) {
                w.setWhenExpression(expression(w.getWhenExpression()));
                w.setThenExpression(expression(w.getThenExpression()));
            }
            c.setElseExpression(expression(c.getElseExpression()));
        } else if (e instanceof AnyComparisonExpression a) {
            select(a.getSelect());
        } else {
            return timeExpression(e);
        }
        return e;
    }

    /** {@code AT TIME ZONE}, {@code EXTRACT}, intervals, {@code CURRENT_TIMESTAMP} and {@code TRIM}. */
    private Expression timeExpression(Expression e) {
        if (e instanceof TimezoneExpression t) {
            Expression left = expression(t.getLeftExpression());
            List<Expression> zones = new ArrayList<>();
            for (Expression z : zoneChain(t.getTimezoneExpressions())) {
                zones.add(expression(z));
            }
            return time.atTimeZone(left, zones);
        }
        if (e instanceof ExtractExpression x) {
            return time.extract(x.getName(), expression(x.getExpression()));
        }
        if (e instanceof IntervalExpression i) {
            TimeFunctions.requirePostgresInterval(i);
            i.setExpression(expression(i.getExpression()));
            return i;
        }
        if (e instanceof TrimFunction t) {
            t.setExpression(expression(t.getExpression()));
            t.setFromExpression(expression(t.getFromExpression()));
            return t;
        }
        if (e instanceof TimeKeyExpression k) {
            String key = k.getStringValue().toUpperCase(Locale.ROOT).replace("()", "");
            refuseIf(!TIME_KEYS.contains(key), k.getStringValue());
            return key.equals("CURRENT_TIMESTAMP") ? time.now() : k;
        }
        throw GuardException.refused("the expression " + e + " (" + e.getClass().getSimpleName()
                + ") is not allowed");
    }

    /**
     * The zones of {@code ts AT TIME ZONE a AT TIME ZONE b}, in order: JSqlParser reads the chain as
     * {@code ts AT TIME ZONE (a AT TIME ZONE b)}, which would convert the zone's name instead of the value.
     */
    private static List<Expression> zoneChain(List<Expression> zones) {
        List<Expression> out = new ArrayList<>();
        for (Expression z : zones) {
            if (z instanceof TimezoneExpression nested) {
                out.add(nested.getLeftExpression());
                out.addAll(zoneChain(nested.getTimezoneExpressions()));
            } else {
                out.add(z);
            }
        }
        return out;
    }

    private Expression function(Function f) {
        if (catalogMode) {
            catalogFunction(f);
            return f;
        }
        String name = functionName(f.getMultipartName());
        refuseIf(f.getKeep() != null || f.getAttribute() != null || f.getNamedParameters() != null
                || f.getHavingClause() != null || f.getLimit() != null, "this form of " + name + "(…)");
        if (name.equals("current_setting")) {
            harmlessSetting(f);
        }
        if (f.getParameters() != null) {
            expressions(f.getParameters());
        }
        orderBy(f.getOrderByElements());
        return time.function(name, f);
    }

    /**
     * A function in a catalog query: a catalog function becomes the shadow's macro, {@code pg_catalog.} is dropped
     * from the others (the engine's own function of that name answers), denied ones are refused.
     */
    private void catalogFunction(Function f) {
        List<String> parts = f.getMultipartName();
        String written = String.join(".", parts);
        String name = identifier(parts.get(parts.size() - 1));
        String schema = parts.size() == 2 ? identifier(parts.get(0)) : null;
        boolean pgCatalog = "pg_catalog".equals(schema);
        boolean catalogSchema = pgCatalog || "information_schema".equals(schema);
        refuseIf(parts.size() > 2 || parts.size() == 2 && !catalogSchema, "function " + written + "(…) (call "
                + "functions without a schema or in pg_catalog)");
        refuseIf(CatalogNames.denied(name), "function " + written + "(…)");
        refuseIf(f.getKeep() != null || f.getNamedParameters() != null, "this form of " + name + "(…)");
        if (CatalogNames.FUNCTIONS.contains(name)) {
            f.setName(List.of(CatalogNames.SHADOW_PG_CATALOG, "\"" + name + "\""));
        } else if (catalogSchema) {
            refuseIf(!pgCatalog, "function " + written + "(…)");
            f.setName(List.of(parts.get(1)));
        }
        expression(f.getParameters());
        orderBy(f.getOrderByElements());
    }

    private void analytic(AnalyticExpression a) {
        if (catalogMode) {
            refuseIf(CatalogNames.denied(identifier(a.getName())), "function " + a.getName() + "(…)");
        } else {
            functionName(List.of(a.getName()));
        }
        refuseIf(a.getKeep() != null || a.getHavingClause() != null || a.getLimit() != null,
                "this form of " + a.getName() + "(…)");
        a.setExpression(expression(a.getExpression()));
        a.setOffset(expression(a.getOffset()));
        a.setDefaultValue(expression(a.getDefaultValue()));
        if (a.getPartitionExpressionList() != null) {
            expressions(a.getPartitionExpressionList());
        }
        orderBy(a.getOrderByElements());
        orderBy(a.getFuncOrderBy());
        windowElement(a.getWindowElement());
        a.setFilterExpression(expression(a.getFilterExpression()));
        window(a.getWindowDefinition());
    }

    /** The function's name if it is on {@link SqlGuard#ALLOWED_FUNCTIONS}; refused otherwise. */
    private static String functionName(List<String> parts) {
        String written = String.join(".", parts);
        if (parts.size() != 1) {
            throw GuardException.refused("function " + written + "(…) is not allowed: call functions without a "
                    + "schema, from the allowed list");
        }
        String name = identifier(parts.get(0));
        if (!SqlGuard.ALLOWED_FUNCTIONS.contains(name)) {
            throw GuardException.refused("function " + written + "(…) is not allowed; allowed functions: "
                    + new java.util.TreeSet<>(SqlGuard.ALLOWED_FUNCTIONS));
        }
        return name;
    }

    private static void harmlessSetting(Function f) {
        List<?> args = f.getParameters() == null ? List.of() : f.getParameters();
        boolean ok = args.size() == 1 && args.get(0) instanceof StringValue s
                && SqlGuard.HARMLESS_SETTINGS.containsKey(s.getValue().toLowerCase(Locale.ROOT));
        refuseIf(!ok, "current_setting(…) of anything but " + SqlGuard.HARMLESS_SETTINGS.values());
    }

    /**
     * A cast in a catalog query. PostgreSQL's catalog types become what the shadow stores: {@code oid} and the
     * {@code reg*} types are BIGINT (a {@code 'name'::regclass} looks the name up with the shadow's {@code regclass}
     * macro, as does a parameter), {@code name}, {@code "char"} and the like are VARCHAR.
     */
    private void catalogCast(CastExpression c) {
        String written = c.getColDataType().getDataType().toLowerCase(Locale.ROOT).replace("\"", "")
                .replaceAll("\\s+", " ").trim();
        String type = written.startsWith("pg_catalog.") ? written.substring("pg_catalog.".length()) : written;
        List<Integer> array = c.getColDataType().getArrayData();
        boolean isArray = array != null && !array.isEmpty() || type.endsWith("[]");
        expression(c.getLeftExpression());
        String base = type.replace("[]", "");
        String mapped = switch (base) {
            case "regclass", "regtype" -> {
                if (!isArray && (c.getLeftExpression() instanceof StringValue
                        || c.getLeftExpression() instanceof JdbcParameter)) {
                    Function lookup = new Function();
                    lookup.setName(List.of(CatalogNames.SHADOW_PG_CATALOG, "\"" + base + "\""));
                    lookup.setParameters(new ExpressionList<>(c.getLeftExpression()));
                    c.setLeftExpression(lookup);
                }
                yield "BIGINT";
            }
            case "oid", "regnamespace", "regrole", "regoper", "regconfig", "xid", "cid", "tid", "int2vector",
                    "oidvector" -> "BIGINT";
            case "name", "char", "bpchar", "pg_node_tree", "aclitem", "text", "character varying", "varchar",
                    "regproc", "regprocedure" -> "VARCHAR";
            default -> null;
        };
        if (mapped != null) {
            c.setColDataType(new ColDataType(mapped + (isArray ? "[]" : "")));
        } else if (!written.equals(type)) {
            c.setColDataType(new ColDataType(type));
        }
    }

    private void cast(CastExpression c) {
        if (catalogMode) {
            catalogCast(c);
            return;
        }
        String type = c.getColDataType().getDataType().toLowerCase(Locale.ROOT).replaceAll("\\(.*", "")
                .replaceAll("\\s+", " ").trim();
        List<Integer> array = c.getColDataType().getArrayData();
        boolean ok = SqlGuard.ALLOWED_CAST_TYPES.contains(type) && (array == null || array.isEmpty());
        refuseIf(!ok || c.getColumnDefinitions() != null && !c.getColumnDefinitions().isEmpty(),
                "a cast to " + c.getColDataType() + "; cast to one of " + new java.util.TreeSet<>(
                        SqlGuard.ALLOWED_CAST_TYPES));
        c.setLeftExpression(expression(c.getLeftExpression()));
    }

    /** An unquoted name folds to lower case, a quoted one is taken as written. */
    static String identifier(String written) {
        if (written.length() >= 2 && written.startsWith("\"") && written.endsWith("\"")) {
            return written.substring(1, written.length() - 1).replace("\"\"", "\"");
        }
        return written.toLowerCase(Locale.ROOT);
    }

    private static void refuseIf(boolean refused, String construct) {
        if (refused) {
            throw GuardException.refused(construct + " is not allowed in SQL over Tidemark");
        }
    }
}
