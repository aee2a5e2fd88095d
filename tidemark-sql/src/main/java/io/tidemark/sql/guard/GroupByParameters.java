package io.tidemark.sql.guard;

import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * GROUP BY and ORDER BY items that hold a bind parameter, made to mean on every engine what they mean on PostgreSQL.
 * The store binds parameters by position, so {@code $1 + x … GROUP BY $1 + x} reaches the engine as two parameters it
 * cannot tell are one (both engines then find {@code x} ungrouped); and DuckDB refuses a parameter as a whole GROUP BY
 * or ORDER BY item ("Parameter not supported"). So an item written as a select-list item is written (the same
 * {@code $n}) becomes that item's position ({@code GROUP BY 1}), which is what it meant; an item that is a parameter
 * alone and no select-list item's twin is refused with 42803 on every engine. Runs after the parameters are numbered
 * (they print as {@code ?n}), so that {@code ?} parameters, each its own, never look alike.
 */
final class GroupByParameters {
    private GroupByParameters() {}

    static void byPosition(List<PlainSelect> selects) {
        for (PlainSelect p : selects) {
            if (p.getGroupBy() != null && p.getGroupBy().getGroupByExpressionList() != null) {
                groupBy(p, p.getGroupBy().getGroupByExpressionList());
            }
            if (p.getOrderByElements() != null) {
                for (OrderByElement o : p.getOrderByElements()) {
                    o.setExpression(item(p, o.getExpression(), "ORDER BY"));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void groupBy(PlainSelect p, ExpressionList<?> items) {
        ExpressionList<Expression> list = (ExpressionList<Expression>) items;
        for (int i = 0; i < list.size(); i++) {
            list.set(i, item(p, list.get(i), "GROUP BY"));
        }
    }

    /** The item, or the position of the select-list item it repeats; refused if it is a parameter and repeats none. */
    private static Expression item(PlainSelect p, Expression e, String clause) {
        String printed = e.toString();
        if (!Parameters.hasParameter(printed)) {
            return e;
        }
        List<SelectItem<?>> items = p.getSelectItems();
        for (int i = 0; i < items.size(); i++) {
            Expression candidate = items.get(i).getExpression();
            if (candidate instanceof AllColumns) {
                break;
            }
            if (candidate.toString().equals(printed)) {
                return new LongValue(i + 1);
            }
        }
        if (e instanceof JdbcParameter) {
            throw new GuardException(GuardException.GROUPING_ERROR, "a bind parameter alone as a " + clause
                    + " item is not supported: " + clause + " a column or an expression, or the position of a "
                    + "select-list item (" + clause + " 1); a parameter that is a select-list item may also be "
                    + "repeated as $n (SELECT $1 … " + clause + " $1)");
        }
        return e;
    }
}
