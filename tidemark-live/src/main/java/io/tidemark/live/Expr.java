package io.tidemark.live;

import io.tidemark.core.ColumnType;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A compiled expression over a row of cells ({@code Object[]}). SQL three-valued logic: a null operand makes
 * comparisons and arithmetic null; AND / OR follow Kleene logic.
 */
interface Expr {
    /** The result type; null only for an untyped NULL literal. */
    ColumnType type();

    Object eval(Object[] row);

    /** True only when the predicate is TRUE (not FALSE, not NULL), as WHERE, HAVING and FILTER admit rows. */
    static boolean isTrue(Expr e, Object[] row) {
        return Boolean.TRUE.equals(e.eval(row));
    }

    record Const(Object value, ColumnType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            return value;
        }
    }

    record Ref(int index, ColumnType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            return row[index];
        }
    }

    record Arith(char op, Expr left, Expr right, ColumnType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            Object a = left.eval(row);
            return a == null ? null : Values.arith(op, a, right.eval(row));
        }
    }

    record Neg(Expr operand) implements Expr {
        @Override
        public ColumnType type() {
            return operand.type();
        }

        @Override
        public Object eval(Object[] row) {
            Object v = operand.eval(row);
            if (v instanceof Long l) {
                return Math.negateExact(l);
            }
            return v == null ? null : -((Double) v);
        }
    }

    record ToDouble(Expr operand) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.DOUBLE;
        }

        @Override
        public Object eval(Object[] row) {
            Object v = operand.eval(row);
            return v == null ? null : ((Number) v).doubleValue();
        }
    }

    /** Comparison operators, decided once at planning instead of per row. */
    enum CmpOp {
        EQ, NE, LT, LE, GT, GE;

        static CmpOp of(String op) {
            return switch (op) {
                case "=" -> EQ;
                case "<>", "!=" -> NE;
                case "<" -> LT;
                case "<=" -> LE;
                case ">" -> GT;
                case ">=" -> GE;
                default -> throw new IllegalArgumentException("comparison " + op);
            };
        }

        /** Whether a comparison result {@code c} (negative, zero, positive) satisfies this operator. */
        boolean holds(int c) {
            return switch (this) {
                case EQ -> c == 0;
                case NE -> c != 0;
                case LT -> c < 0;
                case LE -> c <= 0;
                case GT -> c > 0;
                case GE -> c >= 0;
            };
        }
    }

    /** Builds a comparison; a column against a numeric constant (the common WHERE) gets a specialized form. */
    static Expr compare(String op, Expr left, Expr right) {
        CmpOp o = CmpOp.of(op);
        if (left instanceof Ref ref && right instanceof Const c && c.value() instanceof Number n
                && ref.type() != null && ref.type().isNumeric()) {
            return new CompareColumnConst(o, ref.index(), n instanceof Long l ? l : 0L, n.doubleValue(),
                    n instanceof Long, ref, c);
        }
        return new Compare(o, left, right);
    }

    record Compare(CmpOp op, Expr left, Expr right) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object a = left.eval(row);
            if (a == null) {
                return null;
            }
            Object b = right.eval(row);
            if (b == null) {
                return null;
            }
            return op.holds(Values.compare(a, b));
        }
    }

    /**
     * {@code column op constant} over a numeric column: one call, primitive comparison, no boxing beyond the cell's.
     * Same semantics as {@link Compare} (numbers compare by value whatever their Java type; null is unknown).
     */
    record CompareColumnConst(CmpOp op, int index, long longValue, double doubleValue, boolean constIsLong, Ref left,
            Const right) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object v = row[index];
            if (v == null) {
                return null;
            }
            int c;
            if (v instanceof Long x && constIsLong) {
                c = Long.compare(x, longValue);
            } else {
                double d = ((Number) v).doubleValue();
                c = d < doubleValue ? -1 : d > doubleValue ? 1 : 0;
            }
            return op.holds(c);
        }
    }

    record And(Expr left, Expr right) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object a = left.eval(row);
            if (Boolean.FALSE.equals(a)) {
                return false;
            }
            Object b = right.eval(row);
            if (Boolean.FALSE.equals(b)) {
                return false;
            }
            return a == null || b == null ? null : true;
        }
    }

    record Or(Expr left, Expr right) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object a = left.eval(row);
            if (Boolean.TRUE.equals(a)) {
                return true;
            }
            Object b = right.eval(row);
            if (Boolean.TRUE.equals(b)) {
                return true;
            }
            return a == null || b == null ? null : false;
        }
    }

    record Not(Expr operand) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object v = operand.eval(row);
            return v == null ? null : !((Boolean) v);
        }
    }

    record In(Expr operand, List<Expr> list) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object v = operand.eval(row);
            if (v == null) {
                return null;
            }
            boolean sawNull = false;
            for (Expr e : list) {
                Object x = e.eval(row);
                if (x == null) {
                    sawNull = true;
                } else if (Values.compare(v, x) == 0) {
                    return true;
                }
            }
            return sawNull ? null : false;
        }
    }

    record IsNull(Expr operand, boolean not) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            return (operand.eval(row) == null) != not;
        }
    }

    /** LIKE with a constant pattern, compiled once. */
    record Like(Expr operand, Pattern pattern) implements Expr {
        @Override
        public ColumnType type() {
            return ColumnType.BOOLEAN;
        }

        @Override
        public Object eval(Object[] row) {
            Object v = operand.eval(row);
            return v == null ? null : pattern.matcher((String) v).matches();
        }
    }

    /** A searched CASE; a simple CASE is compiled to this with equality conditions. */
    record Case(List<Expr> conditions, List<Expr> results, Expr otherwise, ColumnType type) implements Expr {
        @Override
        public Object eval(Object[] row) {
            for (int i = 0; i < conditions.size(); i++) {
                if (isTrue(conditions.get(i), row)) {
                    return results.get(i).eval(row);
                }
            }
            return otherwise == null ? null : otherwise.eval(row);
        }
    }
}
